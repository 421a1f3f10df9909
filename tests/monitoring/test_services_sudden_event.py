"""monitoring.services.sudden_event_record: a sudden event recorded and, when asked, a monitoring case opened at
once (突发严重困难户, tier A), event and case together or not at all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.monitoring.models import MonitoringCase
from jingzhun.monitoring.services import sudden_event_record
from jingzhun.registry.models import ChangeRecord, HouseholdEvent
from jingzhun.registry.services import EventRefused

from .conftest import DISCOVERED

pytestmark = pytest.mark.django_db

TODAY = DISCOVERED  # Monday 2 March 2026
FLOOD = dt.date(2026, 2, 20)


def _record(household, user, **fields):
    values = {"kind": "disaster", "occurred_on": FLOOD, "loss": Decimal("23000"), "open_case": True, "today": TODAY}
    return sudden_event_record(household=household, user=user, **(values | fields))


def test_the_event_opens_a_sudden_hardship_case_in_tier_a(users_by_role, household):
    done = _record(household, users_by_role[Role.VILLAGE].owner, note="房屋被洪水冲毁")
    case = done.case
    assert done.case_opened and done.recorded.outcome == "created"
    assert (case.category, case.help_tier, case.channel, case.opened_on) == ("sudden", "A", "cadre_screening", TODAY)
    assert case.help_due == TODAY + dt.timedelta(days=3)
    assert "突发事件：自然灾害" in case.steps.get().note
    assert f"#{case.pk}" in done.message


@pytest.mark.parametrize(
    ("kind", "risk"),
    [("disaster", "0299"), ("accident", "05"), ("laborer_death", "04"), ("laborer_disability", "03")],
)
def test_the_risk_type_comes_from_the_kind_of_event(users_by_role, household, kind, risk):
    assert _record(household, users_by_role[Role.TOWN].owner, kind=kind).case.risk_types == [risk]


def test_a_household_with_an_open_case_gets_the_event_but_no_second_case(users_by_role, household, case):
    done = _record(household, users_by_role[Role.VILLAGE].owner)
    assert not done.case_opened and done.case == case
    assert HouseholdEvent.objects.filter(household=household).count() == 1
    assert MonitoringCase.objects.count() == 1
    assert case.discoveries.count() == 1  # not joined silently either
    assert f"已有未办结的监测记录 #{case.pk}" in done.message


def test_a_household_still_under_poverty_assistance_gets_the_event_but_no_case(users_by_role, household):
    household.poverty_status = "not_exited"
    household.save()
    done = _record(household, users_by_role[Role.VILLAGE].owner)
    assert (done.case, done.case_opened) == (None, False)
    assert HouseholdEvent.objects.filter(household=household).exists()
    assert "不作为防返贫监测对象" in done.message


def test_without_the_option_no_case_is_opened(users_by_role, household):
    done = _record(household, users_by_role[Role.VILLAGE].owner, open_case=False)
    assert done.case is None and not MonitoringCase.objects.exists()
    assert done.recorded.event.recorded_by == users_by_role[Role.VILLAGE].owner


def test_recording_the_same_event_again_changes_nothing(users_by_role, household):
    village = users_by_role[Role.VILLAGE].owner
    _record(household, village, open_case=False)
    again = _record(household, village, open_case=False)
    assert again.recorded.outcome == "unchanged"
    assert HouseholdEvent.objects.count() == 1
    assert ChangeRecord.objects.filter(entity="event").count() == 1


def test_recording_it_with_another_loss_updates_it_with_history(users_by_role, household):
    village = users_by_role[Role.VILLAGE].owner
    _record(household, village, open_case=False)
    again = _record(household, village, open_case=False, loss=Decimal("30000"))
    assert again.recorded.outcome == "updated"
    assert HouseholdEvent.objects.get().loss == Decimal("30000")
    latest = ChangeRecord.objects.filter(entity="event").latest("id")
    assert "23000" in latest.old_value and "30000" in latest.new_value


@pytest.mark.parametrize(
    ("on", "reason"), [(dt.date(2012, 12, 31), "早于 2013-01-01"), (TODAY + dt.timedelta(days=1), "晚于今天")]
)
def test_dates_before_2013_or_after_today_are_refused_and_nothing_is_written(users_by_role, household, on, reason):
    with pytest.raises(EventRefused, match=reason):
        _record(household, users_by_role[Role.VILLAGE].owner, occurred_on=on)
    assert not HouseholdEvent.objects.exists() and not MonitoringCase.objects.exists()


def test_a_county_user_does_not_record_events(users_by_role, household):
    with pytest.raises(PermissionDenied):
        _record(household, users_by_role[Role.COUNTY].owner)
    assert not HouseholdEvent.objects.exists()


def test_a_village_user_of_another_area_is_refused(users_by_role, household):
    with pytest.raises(PermissionDenied, match="不在您的管辖区域内"):
        _record(household, users_by_role[Role.VILLAGE].outsider)


def test_the_paired_helper_records_and_opens(household, paired_helper):
    assert _record(household, paired_helper).case_opened


def test_an_unpaired_helper_of_the_village_is_refused(users_by_role, household, paired_helper):
    with pytest.raises(PermissionDenied):
        _record(household, users_by_role[Role.HELPER].colleague)
