from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.core.scope import SYSTEM
from jingzhun.monitoring.models import CaseDiscovery, CaseStep, MonitoringCase
from jingzhun.monitoring.services import NoRun, cases_open_from_run
from jingzhun.policy.services import assessment_run
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)


def _home(village, status: str, wage: str):
    home = HouseholdFactory(village=village, poverty_status=status)
    MemberFactory(household=home, labor="ordinary")
    IncomeFactory(household=home, year=2020, wage=Decimal(wage), business_income=0, business_expense=0, pension=0)
    return home


@pytest.fixture
def county(users_by_role):
    village = users_by_role.village_a
    return {
        "exited_low": _home(village, "exited", "3000"),
        "non_poor_low": _home(village, "non_poor", "5000"),
        "exited_ok": _home(village, "exited", "30000"),
        "not_exited_low": _home(village, "not_exited", "2000"),
    }


def test_flagged_exited_and_non_poor_households_get_cases(county):
    assessment_run(year=2020)
    outcome = cases_open_from_run(year=2020, user=SYSTEM, today=TODAY)
    assert (outcome.flagged, outcome.opened, outcome.joined) == (2, 2, 0)
    opened = set(MonitoringCase.objects.values_list("household_id", flat=True))
    assert opened == {county["exited_low"].pk, county["non_poor_low"].pk}


def test_cases_carry_the_suggested_category_and_its_tier(county):
    assessment_run(year=2020)
    cases_open_from_run(year=2020, user=SYSTEM, today=TODAY)
    exited = MonitoringCase.objects.get(household=county["exited_low"])
    marginal = MonitoringCase.objects.get(household=county["non_poor_low"])
    assert (exited.category, exited.help_tier, exited.help_due) == ("unstable", "C", TODAY + dt.timedelta(days=30))
    assert (marginal.category, marginal.help_tier, marginal.help_due) == (
        "marginal",
        "B",
        TODAY + dt.timedelta(days=15),
    )
    assert (exited.channel, exited.stage, exited.decision_due) == (
        "department_warning",
        "discovered",
        dt.date(2026, 3, 30),
    )


def test_each_case_gets_its_opening_step_and_discovery_with_the_triggers(county):
    run = assessment_run(year=2020)
    cases_open_from_run(year=2020, user=SYSTEM, today=TODAY)
    discovery = CaseDiscovery.objects.get(case__household=county["exited_low"])
    assert discovery.source_run_id == run.pk
    assert discovery.note == f"2020 年评估（批次 {run.pk}）监测预警：人均纯收入低于监测范围；"
    assert CaseStep.objects.filter(action="open").count() == 2


def test_running_again_opens_nothing_twice(county):
    assessment_run(year=2020)
    cases_open_from_run(year=2020, user=SYSTEM, today=TODAY)
    again = cases_open_from_run(year=2020, user=SYSTEM, today=TODAY)
    assert (again.opened, again.joined) == (0, 0)
    assert (MonitoringCase.objects.count(), CaseDiscovery.objects.count(), CaseStep.objects.count()) == (2, 2, 2)


def test_a_new_run_adds_its_warning_to_the_open_case(county):
    assessment_run(year=2020)
    cases_open_from_run(year=2020, user=SYSTEM, today=TODAY)
    assessment_run(year=2020)
    again = cases_open_from_run(year=2020, user=SYSTEM, today=TODAY)
    assert (again.opened, again.joined) == (0, 2)
    assert CaseDiscovery.objects.filter(case__household=county["exited_low"]).count() == 2


def test_a_year_without_a_run_is_a_clear_error(county):
    with pytest.raises(NoRun, match="没有 2019 年已完成的评估批次"):
        cases_open_from_run(year=2019, user=SYSTEM)


def test_cases_opened_in_bulk_carry_the_risk_types_their_triggers_suggest(county):
    from jingzhun.policy.models import HouseholdResult

    run = assessment_run(year=2020)
    # One household flagged for a low income only, one for a low income and a heavy medical burden.
    HouseholdResult.objects.filter(run=run, household=county["non_poor_low"]).update(medical_burden=True)
    cases_open_from_run(year=2020, user=SYSTEM, today=TODAY)
    assert MonitoringCase.objects.get(household=county["exited_low"]).risk_types == ["99"]
    assert MonitoringCase.objects.get(household=county["non_poor_low"]).risk_types == ["01"]


def test_a_county_user_is_not_given_another_countys_newer_run(county, users_by_role):
    from jingzhun.accounts.models import Role

    assessment_run(year=2020, area_prefix=users_by_role[Role.COUNTY].owner.scope_prefix)
    other = assessment_run(year=2020, area_prefix=users_by_role[Role.COUNTY].outsider.scope_prefix)
    outcome = cases_open_from_run(year=2020, user=users_by_role[Role.COUNTY].owner, today=TODAY)
    assert outcome.run_id != other.pk
    assert outcome.opened == 2


def test_nobody_is_not_read_as_every_area(county):
    from django.core.exceptions import PermissionDenied

    assessment_run(year=2020)
    with pytest.raises(PermissionDenied):
        cases_open_from_run(year=2020, user=None, today=TODAY)
    assert not MonitoringCase.objects.exists()
