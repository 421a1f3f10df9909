"""``jingzhun dividends --project CODE --year Y --income YUAN [--out FILE.csv] [--approve]`` (docs/LEDGER.md §4).

Previews — or, with ``--approve``, records — the differentiated dividend of docs/RULES.md §9 for the project's
beneficiaries taking dividends, and writes it as CSV (``household_no, tier, weight, share, reason``, one row per
household by household number; to standard output without ``--out``). The summary goes to standard error when
the CSV goes to standard output.

Exit codes: 0 done; 1 refused (nothing to distribute to, every weight 0, another income already approved);
2 unusable arguments (no such project, an income that is not an amount, a year out of range).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import CommandError, CommandParser

from jingzhun.core.management.batch import BatchCommand
from jingzhun.core.scope import SYSTEM
from jingzhun.projects.dividend_selectors import (
    DividendRefused,
    ShareRow,
    computation_for,
    share_rows,
    share_tier_counts,
    stored_share_rows,
)
from jingzhun.projects.dividend_services import distribution_approve
from jingzhun.projects.models import Project
from jingzhun.spreadsheets.writing import csv_file

COLUMNS = ("household_no", "tier", "weight", "share", "reason")
# Like the assessment's machine format (docs/LEDGER.md §3): UTF-8 without BOM, for programs to read.
CSV_BOM = False


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise CommandError(f"项目收益「{text}」不是金额（元，例如 125000.00）", returncode=2) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")) or value >= 10**12:
        raise CommandError(f"项目收益「{text}」应为不小于 0、最多两位小数、小于一万亿的金额（元）", returncode=2)
    return value


def rows_write(stream: TextIO, rows: Iterable[ShareRow]) -> int:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([row.household_no, row.tier, row.weight, f"{row.share:.2f}", row.reason])
        count += 1
    return count


class Command(BatchCommand):
    help = "按分层分类计算项目收益的差异化分红（预览；加 --approve 则批准并计入各户资产收益分红收入）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help="项目编号")
        parser.add_argument("--year", type=int, required=True, help="分红年度")
        parser.add_argument("--income", required=True, help="项目收益，元")
        parser.add_argument("--out", default="", help="分红名单写入此 CSV 文件（默认标准输出）")
        parser.add_argument("--approve", action="store_true", help="批准并记录（每个项目每年一次）")

    def handle(self, *args: Any, project: str, year: int, income: str, out: str, approve: bool, **options: Any) -> None:
        amount = _amount(income)
        if not 2013 <= year <= 2100:
            raise CommandError(f"分红年度 {year} 无效（应在 2013 至 2100 之间）", returncode=2)
        found = Project.objects.filter(code=project.strip()).first()
        if found is None:
            raise CommandError(f"没有编号为「{project}」的项目", returncode=2)
        try:
            if approve:
                distribution, created = distribution_approve(user=SYSTEM, project=found, year=year, income=amount)
                rows: Iterable[ShareRow] = stored_share_rows(user=SYSTEM, distribution=distribution)
            else:
                computation = computation_for(project=found, year=year, income=amount)
                rows = share_rows(computation, user=SYSTEM)
        except DividendRefused as refusal:
            raise CommandError(str(refusal), returncode=1) from None
        report: Any = self.stdout
        if out:
            target = Path(out)
            target.parent.mkdir(parents=True, exist_ok=True)
            with csv_file(target, bom=CSV_BOM) as stream:
                rows_write(stream, rows)
        else:
            rows_write(sys.stdout, rows)
            sys.stdout.flush()
            report = sys.stderr
        if approve:
            counts = "，".join(f"{c['label']} {c['households']}" for c in share_tier_counts(distribution=distribution))
            done = "已批准并计入各户资产收益分红收入" if created else "该分红此前已批准，未重复记录"
            report.write(
                f"项目 {found.code}：{year} 年收益 {distribution.income} 元 × {distribution.ratio.normalize()} = "
                f"可分红 {distribution.distributable} 元，{distribution.households} 户（{counts}）；"
                f"{done}（分红 #{distribution.pk}，{distribution.approved_on:%Y-%m-%d} 批准）\n"
            )
            return
        run = f"评估批次 #{computation.run.pk}" if computation.run else f"{year} 年无评估批次（均按无评估结果）"
        counts = "，".join(f"{c['label']} {c['households']}" for c in computation.counts)
        report.write(
            f"项目 {found.code}：{year} 年收益 {amount} 元 × {computation.rules.ratio} = 可分红 "
            f"{computation.distributable} 元，{computation.households} 户（{counts}），权重合计 "
            f"{computation.weight_total_text}；分层分类取自{run}。预览，未记录（批准请加 --approve）\n"
        )
