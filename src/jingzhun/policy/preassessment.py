"""Income pre-assessment (收入预评估): project a year from the incomes recorded for its first months.

The Income row of year Y holds what was recorded through month M. Items paid monthly or seasonally are
projected as ``recorded × 12 / M``; items paid once a year (the pack's ``pre_assessment_lump_sum_items``,
by default asset dividends and ecological compensation) are taken as recorded. A household is listed when
its projected per-capita net income is below the threshold (Shandong 2020: 4500), with the gap in yuan.
Everything is compared in integer cents: ``projected_net < threshold × n`` ⇔
``(scaled × 12 + lump × M) < threshold × n × M``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import ibis
import ibis.expr.types as ir

from .engine import _INCOME_PLUS, ACTIVE, Tables, _cents, _money_cents, _rounded_quotient, _within_area
from .packs import YearRules


@dataclass(frozen=True)
class PreAssessmentQuery:
    households: ir.Table  # households projected below the threshold, one row each
    villages: ir.Table  # per village: households and people below, total gap
    excluded: ir.Table  # households in scope that cannot be projected, with the reason


def pre_assessment_queries(
    tables: Tables, rules: YearRules, *, through_month: int, threshold: Decimal, area_prefix: str = ""
) -> PreAssessmentQuery:
    if not 1 <= through_month <= 12:
        raise ValueError("through_month must be 1..12")
    lump_items = set(rules.pre_assessment_lump_sum_items)
    incomes = tables.incomes.filter(tables.incomes.year == rules.year)
    scaled = ibis.literal(0)
    lump = ibis.literal(0)
    for item in _INCOME_PLUS:
        if item in lump_items:
            lump = lump + _money_cents(incomes[item])
        else:
            scaled = scaled + _money_cents(incomes[item])
    expense = _money_cents(incomes.business_expense)
    if "business_expense" in lump_items:
        lump = lump - expense
    else:
        scaled = scaled - expense
    incomes = incomes.select(
        household_id=incomes.household_id,
        recorded=scaled + lump,
        # twelve months' worth times M: the exact projection is this divided by M
        projected_m=scaled * 12 + lump * through_month,
    )
    members = tables.members.filter(tables.members.status == ACTIVE)
    size = members.group_by(household_id=members.household_id).aggregate(n=members.count())
    h = _within_area(tables.households, area_prefix)
    joined = h.left_join(size, h.id == size.household_id).left_join(incomes, h.id == incomes.household_id)
    base = joined.select(
        household_no=h.household_no,
        village_code=h.village_id,
        poverty_status=h.poverty_status,
        n=size.n.fill_null(0),
        has_income=incomes.household_id.notnull(),
        recorded=incomes.recorded,
        projected_m=incomes.projected_m,
    )
    limit = _cents(threshold)
    usable = base.filter((base.n > 0) & base.has_income)
    below = usable.filter(usable.projected_m < usable.n * limit * through_month)
    households = below.select(
        household_no=below.household_no,
        village_code=below.village_code,
        poverty_status=below.poverty_status,
        size=below.n,
        recorded_net_cents=below.recorded,
        projected_net_cents=_rounded_quotient(below.projected_m, ibis.literal(through_month)),
        projected_pc_cents=_rounded_quotient(below.projected_m, below.n * through_month),
        gap_per_person_cents=limit - _rounded_quotient(below.projected_m, below.n * through_month),
        gap_household_cents=limit * below.n - _rounded_quotient(below.projected_m, ibis.literal(through_month)),
    ).order_by("household_no")
    villages = (
        households.group_by(village_code=households.village_code)
        .aggregate(
            households=households.count(),
            people=households.size.sum(),
            gap_cents=households.gap_household_cents.sum(),
        )
        .order_by("village_code")
    )
    unusable = base.filter((base.n == 0) | ~base.has_income)
    excluded = unusable.select(
        household_no=unusable.household_no,
        reason=ibis.ifelse(unusable.n == 0, "无在册成员", f"无 {rules.year} 年收入记录"),
    ).order_by("household_no")
    return PreAssessmentQuery(households=households, villages=villages, excluded=excluded)
