"""The case list and the instant-help ledger page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Level
from jingzhun.monitoring.models import RiskType
from jingzhun.monitoring.services import case_open
from tests.factories import AreaFactory, HouseholdFactory

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


def _listed(client, user, **params) -> list[str]:
    client.force_login(user)
    response = client.get("/monitoring/", params)
    assert response.status_code == 200
    return sorted(case.household.household_no for case in response.context["page"].rows)


def test_the_town_filter_keeps_the_cases_of_that_town(client, users_by_role, case):
    other_town = AreaFactory(level=Level.TOWN, parent=users_by_role.county_a)
    county = users_by_role[Role.COUNTY].owner
    elsewhere = _open(users_by_role, AreaFactory(parent=other_town), county)
    assert _listed(client, county, town=users_by_role.town_a.code) == [case.household.household_no]
    assert _listed(client, county, town=other_town.code) == [elsewhere.household.household_no]


def test_the_town_filter_ignores_a_town_outside_the_scope(client, users_by_role, case):
    _open(users_by_role, users_by_role.village_b, users_by_role[Role.VILLAGE].outsider)
    town = users_by_role[Role.TOWN].owner
    assert _listed(client, town, town=users_by_role.town_b.code) == [case.household.household_no]


@pytest.mark.parametrize(
    ("risk", "expected"),
    # "01" (illness) is the end of "0201" (flood): neither may match the other.
    [(RiskType.ILLNESS, ["illness", "both"]), (RiskType.FLOOD, ["flood", "both"]), (RiskType.DISABILITY, [])],
)
def test_the_risk_filter_keeps_exactly_the_cases_with_that_risk_type(client, users_by_role, risk, expected):
    village = users_by_role[Role.VILLAGE].owner
    cases = {
        "illness": _open(users_by_role, users_by_role.village_a, village, risk_types=[RiskType.ILLNESS]),
        "flood": _open(users_by_role, users_by_role.village_a, village, risk_types=[RiskType.FLOOD]),
        "both": _open(users_by_role, users_by_role.village_a, village, risk_types=[RiskType.FLOOD, RiskType.ILLNESS]),
        "none": _open(users_by_role, users_by_role.village_a, village),
    }
    wanted = sorted(cases[name].household.household_no for name in expected)
    assert _listed(client, village, risk=risk) == wanted


def test_a_risk_code_that_is_no_risk_type_is_ignored(client, users_by_role, case):
    # "02" is no risk type, though every natural-disaster code begins with it.
    village = users_by_role[Role.VILLAGE].owner
    flood = _open(users_by_role, users_by_role.village_a, village, risk_types=[RiskType.FLOOD])
    listed = _listed(client, village, risk="02")
    assert listed == sorted([case.household.household_no, flood.household.household_no])


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


def test_the_monitored_state_keeps_the_included_cases_also_in_risk_elimination(client, users_by_role, case):
    from jingzhun.monitoring.models import MonitoringCase, Stage

    village = users_by_role[Role.VILLAGE].owner
    since = timezone.localdate()
    monitored = _open(users_by_role, users_by_role.village_a, village)
    eliminating = _open(users_by_role, users_by_role.village_a, village)
    MonitoringCase.objects.filter(pk=monitored.pk).update(stage=Stage.MONITORED, monitored_since=since)
    MonitoringCase.objects.filter(pk=eliminating.pk).update(stage=Stage.ELIMINATION_PROPOSED, monitored_since=since)
    wanted = sorted([monitored.household.household_no, eliminating.household.household_no])
    assert _listed(client, village, state="monitored") == wanted  # not the case still being identified
