"""Standard table 4, 两不愁三保障 and water by village: from the year's assessment run covering the area, checked
against the run's own results; a year without a run says so; a new run is never hidden by the cache."""

from decimal import Decimal

import pytest

from jingzhun.accounts.models import Role
from jingzhun.policy.models import INDICATORS, HouseholdResult
from jingzhun.policy.services import assessment_run
from jingzhun.registry.models import Household
from jingzhun.registry.vocab import PovertyStatus
from jingzhun.reports.standard import report_table
from tests.factories import IncomeFactory

pytestmark = pytest.mark.django_db

YEAR = 2020


@pytest.fixture
def assessed(users_by_role, county):
    households = Household.objects.filter(village__code__startswith=users_by_role.county_a.prefix).order_by("id")
    for n, household in enumerate(households):
        # Every other household far below the line: the income indicator fails for it.
        wage = Decimal("500") if n % 2 else Decimal("30000")
        IncomeFactory(household=household, year=YEAR, wage=wage, business_income=0, business_expense=0, pension=0)
    return assessment_run(year=YEAR, area_prefix=users_by_role.county_a.prefix)


def test_each_indicator_agrees_with_the_runs_results(users_by_role, assessed):
    total = report_table(name="assurances", user=users_by_role[Role.COUNTY].owner, year=YEAR).total
    registered = HouseholdResult.objects.filter(run=assessed, exclusion="").exclude(
        poverty_status=PovertyStatus.NON_POOR
    )
    assert total.values["households"] == registered.count() == 7
    assert total.values["people"] == sum(r.size for r in registered)
    for indicator in INDICATORS:
        assert total.values[f"ok_{indicator}"] == registered.filter(**{indicator: True}).count(), indicator
        assert total.values[f"not_{indicator}"] == registered.filter(**{indicator: False}).count(), indicator
    assert total.values["not_income_ok"] > 0


def test_a_year_without_a_run_is_zeros_and_says_so(users_by_role, county):
    table = report_table(name="assurances", user=users_by_role[Role.COUNTY].owner, year=YEAR)
    assert set(table.total.values.values()) == {0}
    assert "尚无覆盖本区划的 2020 年评估" in table.note


def test_a_run_of_another_town_does_not_count_for_the_county(users_by_role, county):
    IncomeFactory(household=Household.objects.filter(village=users_by_role.village_a).first(), year=YEAR)
    assessment_run(year=YEAR, area_prefix=users_by_role.town_a.prefix)
    county_table = report_table(name="assurances", user=users_by_role[Role.COUNTY].owner, year=YEAR)
    town_table = report_table(name="assurances", user=users_by_role[Role.TOWN].owner, year=YEAR)
    assert county_table.total.values["households"] == 0
    assert town_table.total.values["households"] == 1


def test_a_new_run_replaces_the_cached_table(users_by_role, county):
    user = users_by_role[Role.COUNTY].owner
    assert report_table(name="assurances", user=user, year=YEAR).total.values["households"] == 0
    for household in Household.objects.filter(village__code__startswith=users_by_role.county_a.prefix):
        IncomeFactory(household=household, year=YEAR)
    assessment_run(year=YEAR, area_prefix=users_by_role.county_a.prefix)
    assert report_table(name="assurances", user=user, year=YEAR).total.values["households"] == 7
