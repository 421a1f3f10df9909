"""Standard table 9: benefits paid by department (政策兑现), per village: the payments dated in the year, their
number and amount, by the department the catalogue in force gives each benefit. Payments are never deleted or
re-dated, so a past year's table does not move."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from jingzhun.benefits.selectors import catalogue_in_force, payment_counts_by_village

from .population import as_of_date
from .tables import Column, StandardTable, table_build

NAME = "benefits"
TITLE = "政策兑现资金发放情况表（按部门）"
OUTSIDE = "other"  # a payment whose benefit the catalogue no longer lists


def benefits_table(*, user: Any, year: int, area_prefix: str, scope_name: str) -> StandardTable:
    catalogue = catalogue_in_force()
    departments = list(catalogue.departments)
    by_village: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for row in payment_counts_by_village(user=user, area_prefix=area_prefix, year=year):
        benefit = catalogue.get(row["code"])
        key = benefit.department if benefit is not None and benefit.department in departments else OUTSIDE
        values = by_village[row["village"]]
        total = Decimal(row["total"] or 0)
        for part in ("all", key):
            values[f"n_{part}"] += row["n"]
            values[f"a_{part}"] += total
    columns = [Column("n_all", "笔数", "合计"), Column("a_all", "金额", "合计")]
    for key in [*departments, OUTSIDE]:
        name = catalogue.department_name(key) if key != OUTSIDE else "目录外"
        columns += [Column(f"n_{key}", "笔数", name), Column(f"a_{key}", "金额", name)]
    return table_build(
        name=NAME,
        title=TITLE,
        unit="单位：笔、元",
        year=year,
        as_of=as_of_date(year),
        scope_name=scope_name,
        columns=columns,
        area_prefix=area_prefix,
        by_area=by_village,
        note=f"统计发放日期在 {year} 年的各项政策发放，按政策目录「{catalogue.name}」中各政策的主管部门归类。",
    )
