"""``/api/households/<no>/events/``: a household's sudden events, read and recorded through the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.accounts.services import api_token_collect, api_token_issue
from jingzhun.core.scope import SYSTEM
from jingzhun.monitoring.models import MonitoringCase
from jingzhun.registry.models import HouseholdEvent
from jingzhun.registry.services import household_event_record

from .conftest import user_of

pytestmark = pytest.mark.django_db


def _url(household) -> str:
    return f"/api/households/{household.household_no}/events/"


def _body(**fields) -> dict[str, object]:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    return {"kind": "laborer_disability", "occurred_on": yesterday.isoformat(), "loss": "12000.50"} | fields


def test_the_events_of_a_household_are_listed_newest_first(api, county, village_user):
    for on, kind in ((dt.date(2020, 5, 1), "disaster"), (dt.date(2021, 1, 3), "accident")):
        household_event_record(household=county.home, kind=kind, occurred_on=on, loss=Decimal(100), user=SYSTEM)
    response = api(village_user).get(_url(county.home))
    assert response.status_code == 200
    assert [(e["kind"], e["kind_text"], e["occurred_on"]) for e in response.json()] == [
        ("accident", "意外事故", "2021-01-03"),
        ("disaster", "自然灾害", "2020-05-01"),
    ]
    assert response.json()[0]["loss"] == "100.00"


def test_a_household_of_another_town_is_not_found(api, county, outsider):
    assert api(outsider).get(_url(county.home)).status_code == 404
    assert api(outsider).post(_url(county.home), _body(), content_type="application/json").status_code == 404


def test_a_village_user_records_an_event_once(api, county, village_user):
    client = api(village_user)
    first = client.post(_url(county.home), _body(), content_type="application/json")
    assert first.status_code == 201, first.json()
    assert first.json()["outcome"] == "created" and first.json()["event"]["recorded_by"] == "owner"
    again = client.post(_url(county.home), _body(), content_type="application/json")
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged"
    assert HouseholdEvent.objects.get().loss == Decimal("12000.50")


def test_open_case_opens_a_tier_a_case_for_a_monitorable_household(api, county, village_user):
    response = api(village_user).post(_url(county.second), _body(open_case=True), content_type="application/json")
    assert response.status_code == 201
    case = MonitoringCase.objects.get(household=county.second)
    assert response.json()["case_id"] == case.pk and response.json()["case_opened"] is True
    assert (case.category, case.help_tier, case.risk_types) == ("sudden", "A", ["03"])


def test_a_county_user_may_read_but_not_record(api, county, county_user):
    client = api(county_user)
    assert client.get(_url(county.home)).status_code == 200
    response = client.post(_url(county.home), _body(), content_type="application/json")
    assert response.status_code == 403
    assert "村级、乡镇用户或该户的帮扶责任人" in response.json()["detail"]


def test_a_date_before_2013_is_a_400_with_the_reason(api, county, village_user):
    response = api(village_user).post(
        _url(county.home), _body(occurred_on="2012-06-01"), content_type="application/json"
    )
    assert response.status_code == 400
    assert "早于 2013-01-01" in response.json()["detail"]
    assert not HouseholdEvent.objects.exists()


def test_an_unknown_kind_is_a_400_naming_the_field(api, county, village_user):
    response = api(village_user).post(_url(county.home), _body(kind="fire"), content_type="application/json")
    assert response.status_code == 400
    assert "kind" in response.json()["errors"]


def test_a_token_records_as_its_user(county, village_user):
    security = user_of(Role.SECURITY_ADMIN, None, username="anquan")
    token = api_token_issue(by=security, user=village_user, name="村级 App", days=1)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_collect(user=village_user, token=token)}")
    response = client.post(_url(county.home), _body(), content_type="application/json")
    assert response.status_code == 201, response.json()
    assert HouseholdEvent.objects.get().recorded_by == village_user
    assert client.get(_url(county.home)).status_code == 200
