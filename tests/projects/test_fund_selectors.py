from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Level
from jingzhun.projects import fund_selectors as sel
from jingzhun.projects.models import ProjectLevel
from tests.factories import AreaFactory, FundFactory, ProjectFactory

from .fund_data import allocate, pay

pytestmark = pytest.mark.django_db
ZERO = Decimal("0.00")


@pytest.fixture
def county(users_by_role):
    """County A with two towns: village and town projects in each, a county-level project, and county B's project.
    Funds of 2025 (central; province issued early) and 2024; each allocation paid in a few parts. Returns the
    allocations and payments as plain tuples, to sum independently."""
    u = users_by_role
    town_2 = AreaFactory(level=Level.TOWN, parent=u.county_a)
    village_2 = AreaFactory(level=Level.VILLAGE, parent=town_2)
    projects = [
        ProjectFactory(area=u.village_a),
        ProjectFactory(area=u.village_a),
        ProjectFactory(area=u.town_a, level=ProjectLevel.TOWN),
        ProjectFactory(area=village_2),
        ProjectFactory(area=u.county_a, level=ProjectLevel.COUNTY),
    ]
    outside = ProjectFactory(area=u.village_b)
    funds = [
        FundFactory(area=u.county_a, source="central", amount=Decimal("9000000")),
        FundFactory(area=u.county_a, source="province", amount=Decimal("9000000"), issued_on=dt.date(2024, 12, 1)),
        FundFactory(area=u.county_a, source="central", year=2024, issued_on=dt.date(2024, 3, 1)),
    ]
    fund_b = FundFactory(area=u.county_b)
    rng = random.Random(17)
    allocations, payments = [], []
    for project in projects:
        for fund in funds:
            amount = Decimal(rng.randrange(100_000, 900_000)) + Decimal(rng.randrange(100)) / 100
            a = allocate(fund, project, str(amount))
            allocations.append((project, fund, amount))
            left = amount
            for _ in range(rng.randrange(0, 4)):
                part = (left * Decimal(rng.random()) / 2).quantize(Decimal("0.01"))
                if part <= 0:
                    continue
                month = rng.randrange(1, 13)
                pay(a, str(part), on=dt.date(2025, month, 10))
                payments.append((project, fund, part, dt.date(2025, month, 10)))
                left -= part
    pay(allocate(fund_b, outside, "50000"), "40000")
    return {"allocations": allocations, "payments": payments, "town_2": town_2, "projects": projects}


def _town(project) -> str:
    return sel.town_key(project.area_id)


def _expected(county, key, year=2025, only=lambda p: True):
    allocated, paid = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    for project, fund, amount in county["allocations"]:
        if fund.year == year and only(project):
            allocated[key(project, fund)] += amount
    for project, fund, amount, _on in county["payments"]:
        if fund.year == year and only(project):
            paid[key(project, fund)] += amount
    return {k: (allocated[k], paid[k]) for k in {*allocated, *paid}}


def _got(rows):
    return {row.key: (row.allocated, row.paid) for row in rows}


def test_the_county_total_is_the_sum_of_its_allocations_and_payments(users_by_role, county):
    total = sel.progress_total(user=users_by_role[Role.COUNTY].owner, year=2025)
    [(allocated, paid)] = _expected(county, lambda p, f: "all").values()
    assert (total.allocated, total.paid) == (allocated, paid)
    assert total.percent == (paid * 100 / allocated).quantize(Decimal("0.1"))


def test_the_progress_by_source_sums_each_source(users_by_role, county):
    rows = sel.progress_by_source(user=users_by_role[Role.COUNTY].owner, year=2025)
    assert _got(rows) == _expected(county, lambda p, f: f.source)
    assert [r.key for r in rows] == ["central", "province"]


def test_the_progress_by_town_puts_county_projects_on_a_row_of_their_own(users_by_role, county):
    rows = sel.progress_by_town(user=users_by_role[Role.COUNTY].owner, year=2025)
    assert _got(rows) == _expected(county, lambda p, f: _town(p))
    assert rows[-1].key == sel.COUNTY_LEVEL
    assert sorted(r.key for r in rows[:-1]) == sorted([users_by_role.town_a.code[:9], county["town_2"].code[:9]])


def test_the_progress_by_project_sums_each_project(users_by_role, county):
    rows = sel.progress_by_project(user=users_by_role[Role.COUNTY].owner, year=2025)
    assert _got(rows) == _expected(county, lambda p, f: p.code)


def test_the_slowest_projects_come_first(users_by_role, county):
    rows = sel.progress_by_project(user=users_by_role[Role.COUNTY].owner, year=2025, slowest=True, limit=3)
    everything = sel.progress_by_project(user=users_by_role[Role.COUNTY].owner, year=2025)
    assert [r.key for r in rows] == [r.key for r in sorted(everything, key=lambda r: (r.paid / r.allocated, r.key))][:3]


def test_a_town_sees_its_towns_figures_only(users_by_role, county):
    town = users_by_role[Role.TOWN].owner
    prefix = users_by_role.town_a.code[:9]
    total = sel.progress_total(user=town, year=2025)
    [(allocated, paid)] = _expected(county, lambda p, f: "all", only=lambda p: p.area_id.startswith(prefix)).values()
    assert (total.allocated, total.paid) == (allocated, paid)
    assert [r.key for r in sel.progress_by_town(user=town, year=2025)] == [prefix]


def test_another_county_sees_none_of_these_figures(users_by_role, county):
    total = sel.progress_total(user=users_by_role[Role.COUNTY].outsider, year=2025)
    assert (total.allocated, total.paid) == (Decimal("50000.00"), Decimal("40000.00"))


def test_the_early_view_counts_the_amount_issued_before_the_budget_year(users_by_role, county):
    rows = {(r.year, r.source): r for r in sel.early_by_source(user=users_by_role[Role.COUNTY].owner)}
    assert (rows[2025, "province"].early, rows[2025, "province"].share) == (Decimal("9000000.00"), Decimal("100.0"))
    assert rows[2025, "central"].early == ZERO
    assert (rows[2025, ""].amount, rows[2025, ""].share) == (Decimal("18000000.00"), Decimal("50.0"))
    assert rows[2024, ""].early == ZERO


def test_the_month_end_view_is_cumulative(users_by_role, county):
    rows = sel.paid_by_month(user=users_by_role[Role.COUNTY].owner, year=2025)
    total = rows[-1]
    by_june = sum((a for _p, f, a, on in county["payments"] if f.year == 2025 and on <= dt.date(2025, 6, 30)), ZERO)
    assert total.paid_by_month[5] == by_june
    assert total.paid_by_month == sorted(total.paid_by_month)
    assert total.allocated == sel.progress_total(user=users_by_role[Role.COUNTY].owner, year=2025).allocated


def test_the_project_summary_lists_allocations_with_their_payments(county):
    project = county["projects"][0]
    summary = sel.project_fund_summary(project=project)
    allocated = sum((a for p, _f, a in county["allocations"] if p == project), ZERO)
    paid = sum((a for p, _f, a, _on in county["payments"] if p == project), ZERO)
    assert (summary["allocated"], summary["paid"], len(summary["allocations"])) == (allocated, paid, 3)
    assert sum(len(r["payments"]) for r in summary["allocations"]) == sum(
        1 for p, *_rest in county["payments"] if p == project
    )


@given(part=st.integers(0, 10**12), whole=st.integers(1, 10**12))
def test_a_percentage_is_rounded_half_up_to_one_decimal(part, whole):
    exact = Fraction(part * 100, whole)
    got = sel.percent(Decimal(part) / 100, Decimal(whole) / 100)
    assert got is not None
    assert abs(Fraction(got) - exact) <= Fraction(1, 20)
