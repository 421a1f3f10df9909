"""Income pre-assessment (收入预评估): project a year's income from the months recorded in a window of months.

The window runs from a first month to a last month (``2019-10`` to ``2020-06``, the Liaocheng campaign), at most
:data:`MAX_WINDOW_MONTHS` months, across year boundaries. The projected year is the window's last year ``E``,
whose Income row holds what was recorded through the window's last month ``M``; the rows of the earlier years
of the window are complete years. Items paid monthly or seasonally give the monthly rate over the window's ``W``
months: an earlier year ``Y`` contributes ``recorded_Y × m_Y / 12`` (``m_Y`` its months in the window), the last
year all it recorded; the rate is projected to twelve months. Items paid once a year (the pack's
``pre_assessment_lump_sum_items``, by default asset dividends and ecological compensation) are the projected
year's own, taken as recorded. So

    projected_net × W = Σ_{Y<E} scaled_Y × m_Y + 12 × scaled_E + lump_E × W

and a window of January..M of one year is the projection ``recorded × 12 / M`` (+ lump sums) of before.
A household is listed when its projected per-capita net income is below the threshold (Shandong 2020: 4500),
with the gap in yuan. Everything is compared in integer cents: ``projected_net < threshold × n`` ⇔
``projected_net × W < threshold × n × W``. A household without the Income row of a year of the window is not
projected (as zero or otherwise): it is listed apart with the years missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import ibis
import ibis.expr.types as ir

from .engine import (
    _INCOME_PLUS,
    ACTIVE,
    Tables,
    _cents,
    _joined,
    _money_cents,
    _rounded_quotient,
    _within_area,
)
from .packs import YearRules
from .windows import MonthWindow, month_window_problem


@dataclass(frozen=True)
class PreAssessmentQuery:
    households: ir.Table  # households projected below the threshold, one row each
    villages: ir.Table  # per village: households and people below, total gap
    excluded: ir.Table  # households in scope that cannot be projected, with the reason


def pre_assessment_queries(
    tables: Tables, rules: YearRules, *, window: MonthWindow, threshold: Decimal, area_prefix: str = ""
) -> PreAssessmentQuery:
    """The pre-assessment of ``window`` (checked by :func:`month_window_problem`) under ``rules`` (of the window's
    last year): one join of each year's Income rows (at most three years), nothing per household."""
    if month_window_problem(window, today=dt.date.max) or window.year != rules.year:
        raise ValueError(f"not a window to pre-assess under the rules of {rules.year}: {window}")
    lump_items = set(rules.pre_assessment_lump_sum_items)
    w = window.months
    h = _within_area(tables.households, area_prefix)
    members = tables.members.filter(tables.members.status == ACTIVE)
    size = members.group_by(size_household_id=members.household_id).aggregate(n=members.count())
    joined = h.left_join(size, h.id == size.size_household_id)
    projected_w = ibis.literal(0)  # projected annual net × W
    recorded_12 = ibis.literal(0)  # net recorded in the window × 12
    missing: list[tuple[ir.BooleanValue, ir.StringValue]] = []
    for year in window.years:
        incomes = tables.incomes.filter(tables.incomes.year == year)
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
        key = f"h{year}"
        row = incomes.select(**{key: incomes.household_id, f"s{year}": scaled, f"l{year}": lump})
        joined = joined.left_join(row, joined.id == row[key])
        if year == window.year:
            projected_w = projected_w + joined[f"s{year}"] * 12 + joined[f"l{year}"] * w
            recorded_12 = recorded_12 + joined[f"s{year}"] * 12 + joined[f"l{year}"] * 12
        else:
            # a complete earlier year: its months in the window at its monthly rate; its lump sums are its own
            projected_w = projected_w + joined[f"s{year}"] * window.months_in(year)
            recorded_12 = recorded_12 + joined[f"s{year}"] * window.months_in(year)
        missing.append((joined[key].isnull(), ibis.literal(str(year))))
    base = joined.select(
        household_no=joined.household_no,
        village_code=joined.village_id,
        poverty_status=joined.poverty_status,
        n=joined.n.fill_null(0),
        missing_years=_joined(missing, "、"),
        recorded_12=recorded_12,
        projected_w=projected_w,
    )
    limit = _cents(threshold)
    usable = base.filter((base.n > 0) & (base.missing_years == ""))
    below = usable.filter(usable.projected_w < usable.n * limit * w)
    households = below.select(
        household_no=below.household_no,
        village_code=below.village_code,
        poverty_status=below.poverty_status,
        size=below.n,
        recorded_net_cents=_rounded_quotient(below.recorded_12, ibis.literal(12)),
        projected_net_cents=_rounded_quotient(below.projected_w, ibis.literal(w)),
        projected_pc_cents=_rounded_quotient(below.projected_w, below.n * w),
        gap_per_person_cents=limit - _rounded_quotient(below.projected_w, below.n * w),
        gap_household_cents=limit * below.n - _rounded_quotient(below.projected_w, ibis.literal(w)),
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
    unusable = base.filter((base.n == 0) | (base.missing_years != ""))
    excluded = unusable.select(
        household_no=unusable.household_no,
        reason=ibis.ifelse(unusable.n == 0, "无在册成员", "无 " + unusable.missing_years + " 年收入记录"),
    ).order_by("household_no")
    return PreAssessmentQuery(households=households, villages=villages, excluded=excluded)
