"""``jingzhun monitor open --year Y`` and ``jingzhun monitor overdue [--area CODE]``."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jingzhun.areas.selectors import area_prefix_for_code
from jingzhun.core.scope import SYSTEM
from jingzhun.monitoring.models import IDENTIFYING
from jingzhun.monitoring.selectors import overdue_cases_for_scope
from jingzhun.monitoring.services import STAGE_TEXT, NoRun, cases_open_from_run
from jingzhun.policy.packs import PackError


class Command(BaseCommand):
    help = "防返贫监测：按评估预警批量纳入排查（open），列出逾期未办的监测记录（overdue）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        opening = sub.add_parser("open", help="为最近一次评估中触发监测预警的已脱贫户、非贫困户开启监测记录")
        opening.add_argument("--year", type=int, required=True)
        overdue = sub.add_parser("overdue", help="列出认定或即时帮扶已逾期的监测记录")
        overdue.add_argument("--area", default="", help="区划代码（默认全部）")
        overdue.add_argument("--limit", type=int, default=50, help="最多列出多少条（0 为只统计）")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "open":
            self._open(options["year"])
        else:
            self._overdue(options["area"], options["limit"])

    def _open(self, year: int) -> None:
        started = time.perf_counter()
        try:
            outcome = cases_open_from_run(year=year, user=SYSTEM)
        except (NoRun, PackError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        estimate = "（跨年节假日未公布，按周一至周五估算）" if outcome.decision_due_estimated else ""
        self.stdout.write(
            f"{year} 年评估批次 {outcome.run_id}：可纳入监测的预警户 {outcome.flagged} 户；"
            f"新开监测记录 {outcome.opened} 户，并入已有监测记录 {outcome.joined} 户；"
            f"县级认定期限 {outcome.decision_due:%Y-%m-%d}{estimate}。"
            f"用时 {time.perf_counter() - started:.1f} 秒。"
        )

    def _overdue(self, area: str, limit: int) -> None:
        try:
            prefix = area_prefix_for_code(area) if area else ""
        except LookupError as exc:
            raise CommandError(str(exc), returncode=2) from None
        today = timezone.localdate()
        cases = overdue_cases_for_scope(area_prefix=prefix, today=today)
        self.stdout.write(f"逾期未办的监测记录：{cases.count()} 户")
        for case in cases[:limit] if limit else []:
            late = []
            if case.stage in IDENTIFYING and case.decision_due < today:
                late.append(f"认定期限 {case.decision_due:%Y-%m-%d}，逾期 {(today - case.decision_due).days} 天")
            if case.help_due and case.help_started_on is None and case.help_due < today:
                late.append(
                    f"{case.help_tier} 档帮扶期限 {case.help_due:%Y-%m-%d}，逾期 {(today - case.help_due).days} 天"
                )
            self.stdout.write(f"{case.household.household_no}\t{STAGE_TEXT[case.stage]}\t{'；'.join(late)}")
