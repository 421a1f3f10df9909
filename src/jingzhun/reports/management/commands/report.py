"""``jingzhun report list`` and ``jingzhun report NAME --year Y [--area CODE] [--format csv|xlsx] [--out FILE]``.

``list`` names every standard table. ``NAME`` writes one as the workbook an office files (``.xlsx``), as the A4
page to print (``.pdf``, with the Chinese font of ``jingzhun fonts install``) or as data
(``csv``: for ``population`` the machine format of docs/LEDGER.md §7, UTF-8 without BOM; to standard output when
there is no ``--out``). The format is taken from ``--format`` or else from the file's suffix. Exit code 0; 2 for
an unusable argument (an unknown table or area, a year out of range, a format the file's suffix contradicts).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.services import access_log_record
from jingzhun.areas.selectors import area_prefix_for_code
from jingzhun.core.fonts import FontMissing
from jingzhun.core.management.batch import BatchCommand
from jingzhun.core.scope import SYSTEM
from jingzhun.reports import population
from jingzhun.reports.pdf import table_pdf
from jingzhun.reports.standard import FIRST_YEAR, REPORTS, report_names, report_table
from jingzhun.reports.xlsx import table_xlsx
from jingzhun.spreadsheets.writing import csv_file, csv_row


class Command(BatchCommand):
    help = "统计报表：list 列出报表名称；NAME --year Y [--area 区划代码] [--format csv|xlsx] --out 文件"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="报表名称（list：列出全部）")
        parser.add_argument("--year", type=int, help="年度（当年：当前登记情况；往年：该年末的记录）")
        parser.add_argument("--area", default="", help="只统计该区划代码范围（默认全部）")
        parser.add_argument("--format", choices=["csv", "xlsx", "pdf"], help="输出格式（默认按 --out 的扩展名）")
        parser.add_argument("--out", default="", help="写入此文件（.xlsx、.pdf 或 .csv；csv 可省略，输出到标准输出）")

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        if name == "list":
            for report_name, title in report_names():
                self.stdout.write(f"{report_name}\t{title}")
            return
        if name not in REPORTS:
            raise CommandError(f"没有名为「{name}」的报表；可用：{'、'.join(REPORTS)}", returncode=2)
        year = options["year"]
        if year is None:
            raise CommandError("请用 --year 指定年度。", returncode=2)
        if not FIRST_YEAR <= year <= timezone.localdate().year:
            raise CommandError(f"年度「{year}」无效：应在 {FIRST_YEAR} 到今年之间。", returncode=2)
        try:
            prefix = area_prefix_for_code(options["area"]) if options["area"] else ""
        except LookupError as exc:
            raise CommandError(str(exc), returncode=2) from None
        out = Path(options["out"]) if options["out"] else None
        suffix = out.suffix.lower().lstrip(".") if out else ""
        kind = options["format"] or suffix or "csv"
        if kind not in ("csv", "xlsx", "pdf"):
            raise CommandError(f"只能写成 .xlsx、.pdf 或 .csv 文件：{out.name if out else kind}", returncode=2)
        if out is not None and suffix != kind:
            raise CommandError(f"文件扩展名与格式不符：{out.name}（格式 {kind}）", returncode=2)
        if out is None and kind != "csv":
            raise CommandError(f"{kind} 格式需要用 --out 指定文件。", returncode=2)
        table = report_table(name=name, user=SYSTEM, year=year, area_prefix=prefix)
        if out is not None and kind == "xlsx":
            table_xlsx(table, out)
        elif out is not None and kind == "pdf":
            try:
                table_pdf(table, out)
            except FontMissing as missing:
                raise CommandError(str(missing), returncode=2) from None
        elif out is None:
            self._csv(table, sys.stdout)
        else:
            with csv_file(out, bom=False) as stream:
                self._csv(table, stream)
        access_log_record(
            user=None,
            action=AccessLog.Action.EXPORT,
            target=f"report:{name}:{prefix}:{year}",
            detail={"format": kind, "rows": len(table.rows)},
        )
        if out is not None:
            self.stderr.write(f"{table.title}（{year} 年，{table.scope_name}）：{len(table.rows)} 个区划，已写入 {out}")

    def _csv(self, table: Any, stream: Any) -> None:
        writer = csv.writer(stream, lineterminator="\n")
        if table.name == population.NAME:
            writer.writerow(population.MACHINE_HEADER)
            writer.writerows(population.machine_rows(table))
            return
        writer.writerow(["area_code", "level", "area_name", *(c.key for c in table.columns)])
        for row in table.rows:
            # An area's name is typed by someone: one starting with = + - @ must not run as a formula when opened.
            writer.writerow(csv_row([row.code, row.level, row.name, *(row.values[c.key] for c in table.columns)]))
