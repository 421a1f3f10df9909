"""The case list and the instant-help ledger page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.monitoring.services import case_open
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def _open(users, village, user, **fields):
    household = HouseholdFactory(village=village, poverty_status="exited")
    return case_open(household=household, channel="cadre_screening", user=user, **fields).case


def test_the_list_shows_the_cases_of_the_users_area_only(client, users_by_role, case):
    theirs = _open(users_by_role, users_by_role.village_b, users_by_role[Role.VILLAGE].outsider)
    client.force_login(users_by_role[Role.TOWN].owner)
    body = client.get("/monitoring/").content.decode()
    assert case.household.household_no in body
    assert theirs.household.household_no not in body


def test_the_overdue_filter_keeps_the_overdue_cases_and_marks_them(client, users_by_role, case):
    fresh = _open(users_by_role, users_by_role.village_a, users_by_role[Role.VILLAGE].owner)
    client.force_login(users_by_role[Role.VILLAGE].owner)
    body = client.get("/monitoring/", {"overdue": "decision"}).content.decode()
    assert case.household.household_no in body  # discovered in March, the decision was due in April
    assert fresh.household.household_no not in body
    assert 'data-testid="overdue">逾期' in body


def test_a_live_filter_request_gets_only_the_results(client, users_by_role, case):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = client.get("/monitoring/", {"stage": "discovered"}, headers={"HX-Request": "true"})
    assert b"<html" not in response.content
    assert case.household.household_no.encode() in response.content


def test_the_instant_help_page_counts_the_tiers(client, users_by_role):
    _open(users_by_role, users_by_role.village_a, users_by_role[Role.VILLAGE].owner, category="sudden")
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.get("/monitoring/instant-help/")
    assert response.status_code == 200
    assert b'data-testid="tier-a">1<' in response.content
    assert timezone.localdate().isoformat().encode() in response.content  # tier A since today
