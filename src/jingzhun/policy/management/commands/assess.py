"""``jingzhun assess --year Y [--pack NAME] [--area CODE] [--format csv --out FILE] [--areas-out FILE]``.

Assesses every household in scope, stores the run, prints a summary, and writes the machine formats of
docs/LEDGER.md §3 when asked. Exit code 2 when the year cannot be assessed (no pack covers it, no line).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import CommandError, CommandParser

from jingzhun.areas.selectors import area_prefix_for_code
from jingzhun.core.management.batch import BatchCommand
from jingzhun.policy.engine import TIER_NAMES
from jingzhun.policy.models import AreaResult
from jingzhun.policy.packs import DEFAULT_PACK, PackError
from jingzhun.policy.result_format import CSV_BOM, area_rows_write, household_rows_write
from jingzhun.policy.selectors import (
    area_results_for_scope,
    exclusions,
    household_results_rows,
    run_summary,
    tier_counts,
)
from jingzhun.policy.services import assessment_run
from jingzhun.spreadsheets.writing import csv_file

_LEVEL_ORDER = {"county": 0, "town": 1, "village": 2}


@contextmanager
def _opened(path: str) -> Iterator[TextIO]:
    if path == "-":
        yield sys.stdout
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with csv_file(target, bom=CSV_BOM) as stream:
        yield stream


class Command(BatchCommand):
    help = "评估辖区内每一户（两不愁三保障、收入、退出、监测预警、分层分类）并保存评估批次"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="评估年度")
        parser.add_argument("--pack", default=DEFAULT_PACK, help="规则包名称（默认 national）")
        parser.add_argument("--area", default="", help="只评估该区划代码范围内的户")
        parser.add_argument("--format", choices=["csv"], default="csv", help="结果格式（docs/LEDGER.md §3）")
        parser.add_argument("--out", default="", help="逐户结果写入此文件（- 表示标准输出）")
        parser.add_argument("--areas-out", default="", help="村、乡镇、县结果写入此文件")

    def handle(self, *args: Any, year: int, pack: str, area: str, out: str, areas_out: str, **options: Any) -> None:
        try:
            prefix = area_prefix_for_code(area) if area else ""
            run = assessment_run(year=year, pack=pack, area_prefix=prefix)
        except (LookupError, PackError) as exc:
            raise CommandError(str(exc), returncode=2) from None

        if out:
            with _opened(out) as stream:
                household_rows_write(stream, household_results_rows(run=run))
        if areas_out:
            areas = sorted(
                area_results_for_scope(run=run),
                key=lambda a: (_LEVEL_ORDER.get(a.level, 3), a.area_code),
            )
            with _opened(areas_out) as stream:
                area_rows_write(stream, areas)

        report: Any = sys.stderr if out == "-" or areas_out == "-" else self.stdout

        def say(text: str) -> None:
            report.write(text if text.endswith("\n") else text + "\n")

        summary = run_summary(run=run)
        rules = run.parameters
        say(
            f"评估批次 #{run.pk}：{year} 年，规则包 {run.pack}（{run.pack_version}），"
            f"贫困标准 {rules['poverty_line']} 元，监测范围 {rules['monitoring_threshold']} 元"
        )
        say(
            f"评估 {summary['households']} 户：达到脱贫标准 {summary['meets_standard']}，"
            f"可退出 {summary['exit_eligible']}，疑似应纳未纳 {summary['identify_candidate']}，"
            f"疑似返贫 {summary['relapse_candidate']}，监测预警 {summary['monitoring_flag']}"
        )
        say(
            "已脱贫户分层分类："
            + "，".join(f"{TIER_NAMES[t['tier']]} {t['households']}" for t in tier_counts(summary=summary))
            + f"；其他 {summary['untiered']} 户不分层"
        )
        if run.excluded:
            say(f"未评估 {run.excluded} 户（数据不全，须补录）：")
            for result in exclusions(run=run)[:20]:
                say(f"  {result.household_no}：{result.exclusion}")
            if run.excluded > 20:
                say(f"  ……另有 {run.excluded - 20} 户，见评估批次 #{run.pk}")
        county = AreaResult.objects.filter(run=run, level="county").order_by("area_code")
        for row in county:
            incidence = "未知" if row.incidence_pct is None else f"{row.incidence_pct:.2f}%"
            verdict = "达到退出条件" if row.exit_eligible else "未达到退出条件"
            say(f"县 {row.area_code}：贫困发生率 {incidence}，{verdict}")
        say(f"用时 {run.seconds:.1f} 秒")
