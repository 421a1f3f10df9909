"""``jingzhun export ledger|monitoring|instant-help|findings|clues|projects FILE [--area CODE]``.

``projects`` writes the project library in the layout ``jingzhun import projects`` reads (docs/LEDGER.md §4): a
workbook with sheets 项目 and 受益户, or ``FILE.csv`` with ``FILE.beneficiaries.csv`` beside it.

Every export is written to a temporary file and moved into place, and recorded in the access log.
"""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jingzhun.areas.selectors import area_prefix_for_code
from jingzhun.core.params import EARLIEST_FILTER, LATEST_FILTER
from jingzhun.crosscheck.clue_export import clues_export
from jingzhun.monitoring.ledger_export import instant_help_export, monitoring_ledger_export
from jingzhun.projects.library_export import library_file_export
from jingzhun.registry.services import ledger_export
from jingzhun.supervision.ledger_export import findings_ledger_export


class Command(BaseCommand):
    help = (
        "导出贫困人口台账（ledger）、防止返贫监测对象台账（monitoring）、即时帮扶台账（instant-help）"
        "、督导问题整改台账（findings，仅 .xlsx）、数据比对疑点线索（clues，仅 .xlsx）"
        "或项目库（projects：含“项目”“受益户”两个工作表的 .xlsx，或 FILE.csv 与 FILE.beneficiaries.csv）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["ledger", "monitoring", "instant-help", "findings", "clues", "projects"])
        parser.add_argument("file", type=Path)
        parser.add_argument("--area", default="", help="只导出该区划代码范围内的户（项目库：该范围内的项目）")
        parser.add_argument("--year", type=int, default=None, help="台账：收入年度（默认每户最近一年）")
        parser.add_argument(
            "--all", action="store_true", help="监测台账：包括已办结（风险消除、未纳入）的记录；线索：包括已办结的线索"
        )
        parser.add_argument(
            "--as-of", type=_date, default=None, help="督导问题整改台账：截至日期 YYYY-MM-DD（默认今天）"
        )

    def handle(
        self,
        *args: Any,
        kind: str,
        file: Path,
        area: str,
        year: int | None,
        all: bool,
        as_of: dt.date | None,
        **options: Any,
    ) -> None:
        try:
            prefix = area_prefix_for_code(area) if area else ""
        except LookupError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if kind == "findings":
            if file.suffix.lower() != ".xlsx":
                raise CommandError(f"督导问题整改台账只能导出为 .xlsx：{file.name}", returncode=2)
            found = findings_ledger_export(path=file, as_of=as_of or timezone.localdate(), area_prefix=prefix)
            self.stdout.write(f"已导出督导问题 {found.rows} 个（逾期 {found.late} 个）到 {found.path}")
            return
        if kind == "clues":
            if file.suffix.lower() != ".xlsx":
                raise CommandError(f"数据比对疑点线索只能导出为 .xlsx：{file.name}", returncode=2)
            clues = clues_export(path=file, area_prefix=prefix, state="all" if all else "open")
            self.stdout.write(f"已导出线索 {clues.rows} 条（部门反馈逾期 {clues.late} 条）到 {clues.path}")
            return
        if file.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError(f"只能导出为 .xlsx 或 .csv：{file.name}", returncode=2)
        if kind == "projects":
            library = library_file_export(path=file, area_prefix=prefix)
            files = "、".join(str(p) for p in library.paths)
            self.stdout.write(f"已导出项目 {library.projects} 个、受益户 {library.beneficiaries} 行到 {files}")
            return
        if kind == "ledger":
            outcome = ledger_export(path=file, area_prefix=prefix, year=year)
            self.stdout.write(f"已导出 {outcome.households} 户、{outcome.rows} 行到 {outcome.path}")
        elif kind == "monitoring":
            written = monitoring_ledger_export(path=file, area_prefix=prefix, include_closed=all)
            self.stdout.write(f"已导出监测对象 {written.rows} 户到 {written.path}")
        else:
            written = instant_help_export(path=file, area_prefix=prefix)
            self.stdout.write(f"已导出即时帮扶台账 {written.rows} 户到 {written.path}")


def _date(text: str) -> dt.date:
    """A date argument: YYYY-MM-DD within 2000..2099 (core.params' filter window)."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"日期「{text}」无效，应为 YYYY-MM-DD") from None
    if not EARLIEST_FILTER <= day <= LATEST_FILTER:
        raise ArgumentTypeError(f"日期须在 {EARLIEST_FILTER:%Y-%m-%d} 至 {LATEST_FILTER:%Y-%m-%d} 之间")
    return day
