"""The sudden-event form on the household record: who sees and sends it, the dates it refuses, 立即纳入监测."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.monitoring.models import MonitoringCase
from jingzhun.registry.models import HouseholdEvent
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(users_by_role):
    """A non-poor household of village A."""
    home = HouseholdFactory(village=users_by_role.village_a, poverty_status="non_poor")
    MemberFactory(household=home, name="赵铁柱", relation="head", labor="ordinary")
    IncomeFactory(household=home, year=2020, wage=Decimal("20000"))
    return home


def _page(household) -> str:
    return reverse("registry:household_detail", args=[household.household_no])


def _post_url(household) -> str:
    return reverse("registry:household_event_add", args=[household.household_no])


def _form(**fields) -> dict[str, str]:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    return {"kind": "accident", "occurred_on": yesterday.isoformat(), "loss": "8000", "note": "车祸"} | fields


@pytest.mark.parametrize("role", [Role.VILLAGE, Role.TOWN], ids=lambda r: r.value)
def test_village_and_town_users_see_the_form_and_record_an_event(client, users_by_role, household, role):
    client.force_login(users_by_role[role].owner)
    assert 'data-testid="event-form"' in client.get(_page(household)).content.decode()
    response = client.post(_post_url(household), _form())
    assert response.status_code == 302 and response.url.endswith("#events")
    event = HouseholdEvent.objects.get(household=household)
    assert (event.kind, event.loss, event.note) == ("accident", Decimal("8000"), "车祸")
    assert "突发事件已登记" in client.get(_page(household)).content.decode()


def test_the_paired_helper_records_an_event(client, users_by_role, household):
    from tests.assistance.factories import HelperFactory, PairingFactory

    helper = users_by_role[Role.HELPER].owner
    PairingFactory(helper=HelperFactory(user=helper, area=users_by_role.village_a), household=household)
    client.force_login(helper)
    assert 'data-testid="event-form"' in client.get(_page(household)).content.decode()
    assert client.post(_post_url(household), _form()).status_code == 302
    assert HouseholdEvent.objects.filter(household=household, recorded_by=helper).exists()


def test_a_county_user_sees_no_form_and_is_refused(client, users_by_role, household):
    client.force_login(users_by_role[Role.COUNTY].owner)
    assert 'data-testid="event-form"' not in client.get(_page(household)).content.decode()
    assert client.post(_post_url(household), _form()).status_code == 403
    assert not HouseholdEvent.objects.exists()


def test_a_town_user_of_another_town_is_refused(client, users_by_role, household):
    client.force_login(users_by_role[Role.TOWN].outsider)
    assert client.post(_post_url(household), _form()).status_code == 404
    assert not HouseholdEvent.objects.exists()


@pytest.mark.parametrize(
    ("day", "reason"),
    [("2012-12-31", "早于 2013-01-01"), ("tomorrow", "晚于今天"), ("2026-02-30", "")],
    ids=["before-2013", "after-today", "no-such-day"],
)
def test_bad_dates_are_refused_on_the_page(client, users_by_role, household, day, reason):
    if day == "tomorrow":
        day = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = client.post(_post_url(household), _form(occurred_on=day))
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not HouseholdEvent.objects.exists()


def test_the_date_is_the_beijing_date(client, users_by_role, household, settings):
    # 2026-03-01 20:00 UTC is 2 March 04:00 in Beijing: an event of 2 March is not in the future.
    from unittest import mock

    client.force_login(users_by_role[Role.VILLAGE].owner)
    now = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)
    with mock.patch("django.utils.timezone.now", return_value=now):
        response = client.post(_post_url(household), _form(occurred_on="2026-03-02"))
    assert response.status_code == 302


def test_include_in_monitoring_opens_a_tier_a_case(client, users_by_role, household):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    client.post(_post_url(household), _form(open_case="on"))
    case = MonitoringCase.objects.get(household=household)
    assert (case.category, case.help_tier, case.risk_types) == ("sudden", "A", ["05"])
    assert "已纳入监测" in client.get(_page(household)).content.decode()


def test_include_in_monitoring_with_an_open_case_records_the_event_and_says_so(client, users_by_role, household):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    client.post(_post_url(household), _form(open_case="on"))
    response = client.post(_post_url(household), _form(open_case="on", kind="disaster"), follow=True)
    assert MonitoringCase.objects.count() == 1
    assert HouseholdEvent.objects.count() == 2
    assert "已有未办结的监测记录" in response.content.decode()
