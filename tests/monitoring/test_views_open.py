"""Recording a discovery (opening a case) from the household's page."""

from __future__ import annotations

import pytest

from jingzhun.accounts.models import Role
from jingzhun.monitoring.models import CaseDiscovery, MonitoringCase

from .conftest import DISCOVERED

pytestmark = pytest.mark.django_db


def _form(household, **fields):
    return {
        "household": household.household_no,
        "channel": "self_report",
        "discovered_on": DISCOVERED.isoformat(),
    } | fields


def test_the_form_offers_only_the_channels_of_the_users_role(client, users_by_role, household):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    body = client.get("/monitoring/open/", {"household": household.household_no}).content.decode()
    assert "农户自主申报" in body
    assert "部门筛查预警" not in body


def test_a_village_user_opens_a_case(client, users_by_role, household):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = client.post("/monitoring/open/", _form(household, category="sudden", risk_types=["05"], note="车祸"))
    case = MonitoringCase.objects.get(household=household)
    assert response.status_code == 302
    assert response.url == f"/monitoring/{case.pk}/"
    assert (case.category, case.risk_types, case.help_tier, case.opened_on) == ("sudden", ["05"], "A", DISCOVERED)


def test_a_second_discovery_joins_the_open_case_and_says_so(client, users_by_role, household, case):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = client.post("/monitoring/open/", _form(household, channel="cadre_screening"), follow=True)
    assert MonitoringCase.objects.filter(household=household).count() == 1
    assert CaseDiscovery.objects.filter(case=case).count() == 2
    assert "本次发现已加入" in response.content.decode()


def test_a_refused_opening_shows_the_reason(client, users_by_role, household):
    household.poverty_status = "not_exited"
    household.save()
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = client.post("/monitoring/open/", _form(household))
    assert response.status_code == 400
    assert "不作为防返贫监测对象" in response.content.decode()


def test_a_discovery_dated_year_one_is_refused_on_the_field(client, users_by_role, household):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = client.post("/monitoring/open/", _form(household, discovered_on="0001-01-01"))
    assert response.status_code == 400
    assert "不能早于 2013-01-01" in response.content.decode()
    assert not MonitoringCase.objects.filter(household=household).exists()


def test_a_household_of_another_area_is_not_found(client, users_by_role, household):
    client.force_login(users_by_role[Role.VILLAGE].outsider)
    assert client.get("/monitoring/open/", {"household": household.household_no}).status_code == 404
    assert client.post("/monitoring/open/", _form(household)).status_code == 404
