"""``jingzhun crosscheck [--out FILE] [--as-of DATE] [--area CODE]``: compare the registry with the latest
department lists (docs/RULES.md §8) and write the run's clues.

The CSV (UTF-8 with a BOM, which Excel needs to read the Chinese) has one row per open clue of this run,
with the header ``rule,department,household_no,id_number,detail``: ``department`` is the department key of
docs/LEDGER.md §2 (``education`` …), ``internal`` for X12; ``id_number`` is empty for the household clues X04
and X10. ``--out -`` writes it to standard output without the BOM, for another program to read (the summary
then goes to standard error).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import CommandError, CommandParser

from jingzhun.areas.selectors import area_prefix_for_code
from jingzhun.core.management.batch import BatchCommand
from jingzhun.core.scope import SYSTEM
from jingzhun.crosscheck.models import Rule
from jingzhun.crosscheck.selectors import clues_of_run
from jingzhun.crosscheck.services import ClueRefused, crosscheck_run
from jingzhun.policy.packs import PackError
from jingzhun.spreadsheets.writing import csv_file

HEADER = ("rule", "department", "household_no", "id_number", "detail")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"比对日期「{text}」无效，应为 YYYY-MM-DD。", returncode=2) from None


class Command(BatchCommand):
    help = "数据比对：用各部门最新名单与建档立卡台账比对，生成疑点线索（docs/RULES.md §8）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default="", help="线索清单 CSV 文件（- 为标准输出）")
        parser.add_argument("--as-of", default="", help="比对日期 YYYY-MM-DD（默认今天）：年龄和在保状态按此日判断")
        parser.add_argument("--area", default="", help="区划代码（默认全部）")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = _date(options["as_of"]) if options["as_of"] else None
        try:
            prefix = area_prefix_for_code(options["area"]) if options["area"] else ""
        except LookupError as exc:
            raise CommandError(str(exc), returncode=2) from None
        try:
            run = crosscheck_run(user=SYSTEM, as_of=as_of, area_prefix=prefix)
        except (ClueRefused, PackError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        out = options["out"]
        if out == "-":
            buffer = io.StringIO()
            self._write(run, buffer)
            self.stdout.write(buffer.getvalue(), ending="")
        elif out:
            with csv_file(Path(out), bom=True) as handle:
                self._write(run, handle)
        report = self.stderr if out == "-" else self.stdout
        for line in self._summary(run, out):
            report.write(line, style_func=lambda text: text)

    def _write(self, run: Any, handle: TextIO) -> None:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        # Plain tuples: a comparison may leave a hundred thousand clues, each a wide model with its household.
        columns = ("rule", "department", "household__household_no", "id_number", "detail")
        writer.writerows(clues_of_run(run=run).values_list(*columns).iterator(chunk_size=5000))

    def _summary(self, run: Any, out: str) -> list[str]:
        area = run.summary.get("area_prefix") or "全部"
        lines = [f"比对批次 {run.pk}：比对日期 {run.as_of:%Y-%m-%d}，范围 {area}，用时 {run.seconds:.1f} 秒。"]
        total = 0
        for code, label in Rule.choices:
            entry = run.summary["rules"][code]
            if entry["skipped"]:
                lines.append(f"  {label}：{entry['skipped']}")
                continue
            open_now = entry["new"] + entry["still_open"]
            total += open_now
            lines.append(
                f"  {label}：发现 {entry['raised']} 条，新增 {entry['new']} 条，仍未办结 {entry['still_open']} 条，"
                f"已说明不再提示 {entry['settled']} 条，自动销号 {entry['cleared']} 条"
            )
        where = f"，已写入 {out}" if out and out != "-" else ""
        lines.append(f"本次待核实线索共 {total} 条{where}。")
        return lines
