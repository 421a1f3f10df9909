"""``jingzhun findings overdue --as-of DATE [--out FILE.csv]`` (docs/LEDGER.md §6).

Every part still not done on DATE whose due date (docs/RULES.md §11) had passed, one row per late part, ordered by
finding number then part, as CSV (UTF-8, the header as the format writes it, no BOM: a machine format):

``finding_no, part, due, days_late, escalated_to``

To standard output without ``--out``. Exit code 0; 2 for a bad argument (a date that is not one), with the reason.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import CommandError, CommandParser

from jingzhun.core.management.batch import BatchCommand
from jingzhun.core.scope import SYSTEM
from jingzhun.spreadsheets.writing import csv_file
from jingzhun.supervision.selectors import findings_for_user, late_parts

HEADER = ("finding_no", "part", "due", "days_late", "escalated_to")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期「{text}」无效，应为 YYYY-MM-DD（例如 2026-03-31）。", returncode=2) from None


class Command(BatchCommand):
    help = "督导问题：列出某日逾期未交办、未整改的问题（overdue），格式见 docs/LEDGER.md §6"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        overdue = sub.add_parser("overdue", help="列出截至某日已过期限仍未完成的交办或整改（挂牌督办清单）")
        overdue.add_argument("--as-of", required=True, help="截至日期 YYYY-MM-DD：此日以后的办理视为尚未发生")
        overdue.add_argument("--out", default="", help="写入此 CSV 文件（默认输出到标准输出）")

    def handle(self, *args: Any, action: str, as_of: str, out: str, **options: Any) -> None:
        day = _date(as_of)
        if out:
            target = Path(out)
            if target.suffix.lower() != ".csv":
                raise CommandError(f"只能写成 .csv 文件：{target.name}", returncode=2)
            target.parent.mkdir(parents=True, exist_ok=True)
            with csv_file(target, bom=False) as stream:
                count = self._write(stream, day)
            self.stderr.write(f"{day:%Y-%m-%d} 逾期的交办和整改：{count} 项，已写入 {target}", style_func=lambda t: t)
        else:
            count = self._write(self.stdout, day)

    def _write(self, stream: TextIO | Any, as_of: dt.date) -> int:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(HEADER)
        count = 0
        for late in late_parts(findings=findings_for_user(user=SYSTEM), as_of=as_of):
            writer.writerow((late.finding_no, late.part, f"{late.due:%Y-%m-%d}", late.days_late, late.escalated_to))
            count += 1
        return count
