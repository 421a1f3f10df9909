"""``jingzhun preassess (--from YYYY-MM --to YYYY-MM | --year Y --through-month M) [--pack NAME | --threshold YUAN]
[--area CODE] [--out FILE] [--villages-out FILE]``: income pre-assessment (收入预评估) over a window of months
(at most 24, across years: ``--from 2019-10 --to 2020-06``); ``--year Y --through-month M`` is January..M of Y.

The household list is UTF-8 with a BOM (its poverty status is Chinese, which Excel reads right only with
one); the village totals, digits only, are plain UTF-8.
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.areas.selectors import area_prefix_for_code
from jingzhun.core.params import month_from_text
from jingzhun.policy.packs import DEFAULT_PACK, PackError
from jingzhun.policy.selectors import pre_assessment_for_scope
from jingzhun.policy.windows import MonthWindow
from jingzhun.registry.vocab import LEDGER_WORD, PovertyStatus
from jingzhun.spreadsheets.writing import csv_file

_STATUS_TEXT = LEDGER_WORD[PovertyStatus]
HOUSEHOLD_COLUMNS = (
    "household_no",
    "village_code",
    "poverty_status",
    "size",
    "recorded_net_income",
    "projected_net_income",
    "projected_income_per_capita",
    "threshold",
    "gap_per_person",
    "gap_household",
)
VILLAGE_COLUMNS = ("village_code", "households", "people", "gap")


def _yuan(cents: int) -> str:
    return f"{Decimal(cents).scaleb(-2):.2f}"


def _threshold(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CommandError(f"门槛应为金额（元），而不是「{text}」", returncode=2) from None
    if not value.is_finite() or value <= 0:
        raise CommandError(f"门槛应为正数，而不是「{text}」", returncode=2)
    return value


def _window(options: dict[str, Any]) -> MonthWindow:
    start, end = options["from_month"], options["to_month"]
    if start or end:
        if options["year"] is not None or options["through_month"] is not None:
            raise CommandError("--from/--to 与 --year/--through-month 只能用一种", returncode=2)
        if not (start and end):
            raise CommandError("须同时给出 --from 和 --to（例如 --from 2019-10 --to 2020-06）", returncode=2)
        first, last = month_from_text(start), month_from_text(end)
        for text, month in ((start, first), (end, last)):
            if month is None:
                raise CommandError(f"月份应写作「2019-10」这样的年-月，而不是「{text}」", returncode=2)
        return MonthWindow(first, last)  # type: ignore[arg-type]
    if options["year"] is None or options["through_month"] is None:
        raise CommandError("须给出时段：--from 2019-10 --to 2020-06，或 --year 2020 --through-month 6", returncode=2)
    if not 1 <= options["through_month"] <= 12:
        raise CommandError(f"收入记录截至月份应为 1 到 12，而不是 {options['through_month']}", returncode=2)
    return MonthWindow.of_year(options["year"], options["through_month"])


class Command(BaseCommand):
    help = "收入预评估：按已记录月份推算全年收入，列出预计低于门槛的户及差额"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="from_month", default="", help="时段起始月份，例如 2019-10")
        parser.add_argument("--to", dest="to_month", default="", help="时段截止月份，例如 2020-06（收入已记录到该月）")
        parser.add_argument("--year", type=int, default=None, help="年度（与 --through-month 一起：该年 1 月起）")
        parser.add_argument("--through-month", type=int, default=None, help="收入已记录到几月（1–12）")
        parser.add_argument("--pack", default=DEFAULT_PACK, help="规则包（其预评估门槛，例如 shandong-2020 的 4500）")
        parser.add_argument("--threshold", default="", help="门槛，元/人·年（优先于规则包）")
        parser.add_argument("--area", default="", help="只看该区划代码范围内的户")
        parser.add_argument("--out", type=Path, default=None, help="逐户名单（CSV）")
        parser.add_argument("--villages-out", type=Path, default=None, help="按村汇总（CSV）")

    def handle(self, *args: Any, **options: Any) -> None:
        threshold = _threshold(options["threshold"]) if options["threshold"] else None
        window = _window(options)
        try:
            prefix = area_prefix_for_code(options["area"]) if options["area"] else ""
            result = pre_assessment_for_scope(
                window=window,
                pack=options["pack"],
                threshold=threshold,
                area_prefix=prefix,
            )
        except (LookupError, PackError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        limit = f"{result.threshold:.2f}"
        if options["out"]:
            with csv_file(options["out"], bom=True) as stream:
                writer = csv.writer(stream, lineterminator="\n")
                writer.writerow(HOUSEHOLD_COLUMNS)
                for row in result.households:
                    writer.writerow(
                        [
                            row["household_no"],
                            row["village_code"],
                            _STATUS_TEXT.get(row["poverty_status"], row["poverty_status"]),
                            row["size"],
                            _yuan(row["recorded_net_cents"]),
                            _yuan(row["projected_net_cents"]),
                            _yuan(row["projected_pc_cents"]),
                            limit,
                            _yuan(row["gap_per_person_cents"]),
                            _yuan(row["gap_household_cents"]),
                        ]
                    )
        if options["villages_out"]:
            with csv_file(options["villages_out"], bom=False) as stream:
                writer = csv.writer(stream, lineterminator="\n")
                writer.writerow(VILLAGE_COLUMNS)
                for row in result.villages:
                    writer.writerow([row["village_code"], row["households"], row["people"], _yuan(row["gap_cents"])])
        people = sum(row["size"] for row in result.households)
        gap = sum(row["gap_household_cents"] for row in result.households)
        self.stdout.write(
            f"{result.year} 年收入预评估（时段 {result.window}，共 {result.window.months} 个月，"
            f"门槛 {limit} 元/人·年，规则包 {result.pack}）："
            f"预计低于门槛 {len(result.households)} 户 {people} 人，分布在 {len(result.villages)} 个村，"
            f"合计差额 {_yuan(gap)} 元"
        )
        if result.excluded:
            self.stdout.write(f"无法推算 {len(result.excluded)} 户：")
            for row in result.excluded[:20]:
                self.stdout.write(f"  {row['household_no']}：{row['reason']}")
