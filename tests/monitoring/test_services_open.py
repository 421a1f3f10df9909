from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.monitoring.models import CaseDiscovery, MonitoringCase, Stage
from jingzhun.monitoring.services import CaseRefused, case_open
from tests.factories import HouseholdFactory

from .conftest import DISCOVERED

pytestmark = pytest.mark.django_db


def test_self_report_opens_a_case_at_discovered(users_by_role, household):
    opened = case_open(
        household=household,
        channel="self_report",
        user=users_by_role[Role.VILLAGE].owner,
        discovered_on=DISCOVERED,
        today=DISCOVERED,
    )
    assert opened.created
    assert opened.case.stage == Stage.DISCOVERED
    assert opened.case.steps.get().action == "open"


def test_decision_due_is_20_working_days_after_discovery(case):
    # March 2026 has no holidays: 20 working days after Monday 2 March is Monday 30 March.
    assert case.decision_due == dt.date(2026, 3, 30)
    assert not case.decision_due_estimated


def test_decision_due_skips_national_day_and_counts_the_adjusted_saturday(users_by_role, household):
    # 2026: 1–7 October are holidays and Saturday 10 October is a working day.
    opened = case_open(
        household=household,
        channel="self_report",
        user=users_by_role[Role.VILLAGE].owner,
        discovered_on=dt.date(2026, 9, 25),
        today=dt.date(2026, 9, 25),
    )
    # 28–30 Sep (3); 8, 9, 10 (Sat) Oct (6); 12–16 (11); 19–23 (16); 26–29 → the 20th is 29 October.
    assert opened.case.decision_due == dt.date(2026, 10, 29)


def test_deadline_in_a_year_without_holidays_is_marked_as_estimate(users_by_role, household):
    opened = case_open(
        household=household,
        channel="self_report",
        user=users_by_role[Role.VILLAGE].owner,
        discovered_on=dt.date(2026, 12, 21),
        today=dt.date(2026, 12, 21),
    )
    assert opened.case.decision_due_estimated


def test_second_discovery_joins_the_open_case(users_by_role, household, case):
    again = case_open(
        household=household,
        channel="cadre_screening",
        user=users_by_role[Role.TOWN].owner,
        discovered_on=DISCOVERED + dt.timedelta(days=3),
        today=DISCOVERED + dt.timedelta(days=3),
    )
    assert not again.created
    assert again.case.pk == case.pk
    assert MonitoringCase.objects.count() == 1
    assert list(CaseDiscovery.objects.values_list("channel", flat=True)) == ["self_report", "cadre_screening"]


def test_household_still_under_poverty_assistance_is_refused(users_by_role):
    home = HouseholdFactory(village=users_by_role.village_a, poverty_status="not_exited")
    with pytest.raises(CaseRefused, match="不作为防返贫监测对象"):
        case_open(household=home, channel="self_report", user=users_by_role[Role.VILLAGE].owner)
    assert not MonitoringCase.objects.exists()


def test_helper_may_enter_a_self_report(paired_helper, household):
    opened = case_open(household=household, channel="self_report", user=paired_helper)
    assert opened.created


def test_helper_may_not_enter_one_for_a_household_it_is_not_paired_with(users_by_role, household):
    with pytest.raises(PermissionDenied, match="不在您的管辖区域内"):
        case_open(household=household, channel="self_report", user=users_by_role[Role.HELPER].owner)


def test_town_may_not_enter_a_self_report(users_by_role, household):
    with pytest.raises(PermissionDenied, match="村级、帮扶责任人"):
        case_open(household=household, channel="self_report", user=users_by_role[Role.TOWN].owner)


def test_village_of_another_county_is_refused(users_by_role, household):
    with pytest.raises(PermissionDenied, match="不在您的管辖区域内"):
        case_open(household=household, channel="self_report", user=users_by_role[Role.VILLAGE].outsider)


def test_discovery_in_the_future_is_refused(users_by_role, household):
    with pytest.raises(CaseRefused, match="晚于今天"):
        case_open(
            household=household,
            channel="self_report",
            user=users_by_role[Role.VILLAGE].owner,
            discovered_on=DISCOVERED + dt.timedelta(days=1),
            today=DISCOVERED,
        )


def test_discovery_before_2013_is_refused(users_by_role, household):
    with pytest.raises(CaseRefused, match="不能早于 2013-01-01"):
        case_open(
            household=household,
            channel="self_report",
            user=users_by_role[Role.VILLAGE].owner,
            discovered_on=dt.date(1, 1, 1),
            today=DISCOVERED,
        )
    assert not MonitoringCase.objects.filter(household=household).exists()


def test_known_category_sets_the_instant_help_tier_and_deadline(users_by_role, household):
    opened = case_open(
        household=household,
        channel="cadre_screening",
        user=users_by_role[Role.TOWN].owner,
        category="sudden",
        discovered_on=DISCOVERED,
        today=DISCOVERED,
    )
    assert (opened.case.help_tier, opened.case.help_due) == ("A", DISCOVERED + dt.timedelta(days=3))
