"""``jingzhun transitions --from RUN [--to RUN] [--area CODE] [--out FILE]``: the 托底清零 table.

Statuses of one run against another run, or against the registry's current statuses when ``--to`` is
left out; each cell gives households and people (their members on the register now). The CSV (UTF-8 with a
BOM: the statuses are Chinese) lists the households behind every cell, each with its people (last column).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich import box
from rich.console import Console
from rich.table import Table

from jingzhun.areas.selectors import area_prefix_for_code
from jingzhun.policy.selectors import run_get, transitions_for_scope
from jingzhun.registry.vocab import LEDGER_WORD, PovertyStatus
from jingzhun.spreadsheets.writing import csv_file

_STATUS_TEXT = LEDGER_WORD[PovertyStatus]
_ORDER = [code for code in PovertyStatus] + [""]


def _text(code: str) -> str:
    return _STATUS_TEXT.get(code, "（无）" if code == "" else code)


class Command(BaseCommand):
    help = "两次评估（或评估与当前状态）之间的贫困户状态转移表，附每格的户"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="from_run", type=int, required=True, help="起点评估批次编号")
        parser.add_argument("--to", dest="to_run", type=int, default=None, help="终点评估批次编号（默认：当前状态）")
        parser.add_argument("--area", default="", help="只看该区划代码范围内的户")
        parser.add_argument(
            "--out", type=Path, default=None, help="逐户明细（CSV：from_status,to_status,household_no,people）"
        )

    def handle(
        self, *args: Any, from_run: int, to_run: int | None, area: str, out: Path | None, **options: Any
    ) -> None:
        try:
            prefix = area_prefix_for_code(area) if area else ""
            start = run_get(run_id=from_run)
            end = run_get(run_id=to_run) if to_run is not None else None
        except LookupError as exc:
            raise CommandError(str(exc), returncode=2) from None
        result = transitions_for_scope(from_run=start, to_run=end, area_prefix=prefix)
        cells = {(row["from_status"], row["to_status"]): row["households"] for row in result.counts}
        people = {(row["from_status"], row["to_status"]): row["people"] or 0 for row in result.counts}
        froms = [code for code in _ORDER if any(key[0] == code for key in cells)]
        tos = [code for code in _ORDER if any(key[1] == code for key in cells)]
        target = f"评估批次 #{end.pk}（{end.year} 年）" if end else "当前状态"
        self.stdout.write(
            f"状态转移：评估批次 #{start.pk}（{start.year} 年） → {target}（行：起点，列：终点；每格为户数/人数）"
        )
        table = Table("起点 \\ 终点", *(_text(code) for code in tos), "合计", box=box.SIMPLE)
        for source in froms:
            counts = [cells.get((source, code), 0) for code in tos]
            heads = [people.get((source, code), 0) for code in tos]
            table.add_row(
                _text(source),
                *(f"{n}/{p}" for n, p in zip(counts, heads, strict=True)),
                f"{sum(counts)}/{sum(heads)}",
            )
        tos_households = [sum(cells.get((f, code), 0) for f in froms) for code in tos]
        tos_people = [sum(people.get((f, code), 0) for f in froms) for code in tos]
        table.add_row(
            "合计",
            *(f"{n}/{p}" for n, p in zip(tos_households, tos_people, strict=True)),
            f"{sum(cells.values())}/{sum(people.values())}",
        )
        Console(file=cast(IO[str], self.stdout), highlight=False, width=200).print(table)
        changed = sum(n for (a, b), n in cells.items() if a != b)
        changed_people = sum(n for (a, b), n in people.items() if a != b)
        self.stdout.write(
            f"状态变化 {changed} 户 {changed_people} 人，"
            f"未变 {sum(cells.values()) - changed} 户 {sum(people.values()) - changed_people} 人"
        )
        if out:
            with csv_file(out, bom=True) as stream:
                writer = csv.writer(stream, lineterminator="\n")
                writer.writerow(["from_status", "to_status", "household_no", "people"])
                for household_no, before, after, size in result.rows:
                    writer.writerow([_text(before), _text(after), household_no, size])
