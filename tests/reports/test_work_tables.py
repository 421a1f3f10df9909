"""Standard tables 7 and 8, measures by kind and funds by source: checked against the measures and the fund
ledger's own figures, each on the row of its area."""

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.accounts.models import Role
from jingzhun.assistance.models import Measure
from jingzhun.projects.fund_selectors import progress_by_source
from jingzhun.projects.models import ProjectLevel
from jingzhun.registry.models import Household
from jingzhun.reports.standard import report_table
from tests.factories import FundFactory, ProjectFactory
from tests.projects.fund_data import allocate, pay

pytestmark = pytest.mark.django_db

YEAR = 2025


def _measure(household, kind, started_on, amount=None):
    return Measure.objects.create(household=household, kind=kind, content="帮扶", started_on=started_on, amount=amount)


def test_measures_count_those_started_in_the_year_by_kind(users_by_role, county):
    households = list(Household.objects.filter(village=users_by_role.village_a).order_by("id"))
    _measure(households[0], "industry", dt.date(YEAR, 3, 1), Decimal("2000"))
    _measure(households[0], "employment", dt.date(YEAR, 4, 1))
    _measure(households[1], "industry", dt.date(YEAR, 5, 1), Decimal("500.50"))
    _measure(households[1], "industry", dt.date(YEAR - 1, 5, 1))  # another year
    total = report_table(name="measures", user=users_by_role[Role.COUNTY].owner, year=YEAR).total.values
    listed = Measure.objects.filter(started_on__year=YEAR)
    assert total["n_all"] == listed.count() == 3
    assert (total["n_industry"], total["n_employment"]) == (2, 1)
    assert total["amount"] == Decimal("2500.50")


def test_funds_agree_with_the_fund_ledger_by_source(users_by_role, county):
    county_a = users_by_role.county_a
    central = FundFactory(area=county_a)
    province = FundFactory(area=county_a, source="province")
    village_project = ProjectFactory(area=users_by_role.village_a)
    county_project = ProjectFactory(area=county_a, level=ProjectLevel.COUNTY)
    pay(allocate(central, village_project, "300000.00"), "120000.00")
    allocate(province, county_project, "500000.00")
    user = users_by_role[Role.COUNTY].owner
    table = report_table(name="funds", user=user, year=YEAR)
    by_source = {p.key: p for p in progress_by_source(user=user, year=YEAR)}
    for source in ("central", "province"):
        assert table.total.values[f"a_{source}"] == by_source[source].allocated
        assert table.total.values[f"p_{source}"] == by_source[source].paid
    village = next(r for r in table.rows if r.code == users_by_role.village_a.code)
    assert (village.values["a_all"], village.values["p_all"]) == (Decimal("300000.00"), Decimal("120000.00"))
    town = next(r for r in table.rows if r.code == users_by_role.town_a.code)
    assert town.values["a_all"] == Decimal("300000.00")  # the county-level project is on the county's row only
    assert table.total.values["a_all"] == Decimal("800000.00")
