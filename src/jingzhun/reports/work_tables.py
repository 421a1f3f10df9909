"""Standard tables 7 and 8: assistance measures by kind (帮扶措施), and funds by source (项目资金), per area.

- ``measures``: the measures started in the year (by its last day, or today), per village: how many, to how many
  households, and how many of each kind. A household helped with two kinds counts once in 合计 and once under
  each kind.
- ``funds``: the funds of the year's budget allocated to projects and paid out (by the year's last day, or today),
  per the project's area (a county-level project on the county's row, a town's on the town's) and fund source.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils import translation

from jingzhun.assistance.models import MeasureKind
from jingzhun.assistance.selectors import measure_counts_by_village
from jingzhun.projects.fund_selectors import SOURCE_TEXT, fund_counts_by_area
from jingzhun.projects.models import FundSource

from .population import as_of_date
from .tables import Column, StandardTable, table_build

MEASURES_TITLE = "帮扶措施落实情况表（按类别）"
FUNDS_TITLE = "衔接资金下达和支出情况表（按资金来源）"


def measures_table(*, user: Any, year: int, area_prefix: str, scope_name: str) -> StandardTable:
    day = as_of_date(year)
    by_village: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for row in measure_counts_by_village(user=user, area_prefix=area_prefix, year=year, as_of=day):
        values = by_village[row["village"]]
        values["n_all"] += row["n"]
        values[f"n_{row['measure_kind']}"] += row["n"]
        values["amount"] += Decimal(row["amount"] or 0)
    columns = [Column("n_all", "措施数", "合计"), Column("amount", "金额（元）", "合计")]
    with translation.override("zh-hans"):  # a standard table is a Chinese document, whoever draws it first
        columns += [Column(f"n_{kind}", str(kind.label), "按类别（措施数）") for kind in MeasureKind]
    return table_build(
        name="measures",
        title=MEASURES_TITLE,
        unit="单位：项、元",
        year=year,
        as_of=day,
        scope_name=scope_name,
        columns=columns,
        area_prefix=area_prefix,
        by_area=by_village,
        note=f"统计 {year} 年开始实施的帮扶措施（截至 {day.isoformat()}）；金额为填写了金额的措施之和。",
    )


def funds_table(*, user: Any, year: int, area_prefix: str, scope_name: str) -> StandardTable:
    day = as_of_date(year)
    by_area: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(Decimal))
    for row in fund_counts_by_area(user=user, year=year, as_of=day):
        if not row["area"].startswith(area_prefix):
            continue
        values = by_area[row["area"]]
        for part in ("all", row["source"]):
            values[f"a_{part}"] += row["allocated"]
            values[f"p_{part}"] += row["paid"]
    columns = [Column("a_all", "下达", "合计"), Column("p_all", "支出", "合计")]
    for source in FundSource:
        name = str(SOURCE_TEXT.get(source, source))
        columns += [Column(f"a_{source}", "下达", name), Column(f"p_{source}", "支出", name)]
    return table_build(
        name="funds",
        title=FUNDS_TITLE,
        unit="单位：元",
        year=year,
        as_of=day,
        scope_name=scope_name,
        columns=columns,
        area_prefix=area_prefix,
        by_area=by_area,
        note=f"统计 {year} 年度资金下达到项目的金额和截至 {day.isoformat()} 的支出，按项目所在区划（县级项目计入县）。",
    )
