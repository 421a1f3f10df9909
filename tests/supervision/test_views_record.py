"""Recording a finding in the browser, one click from a data-comparison clue, and a clerk's department on its
account."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from jingzhun.accounts.models import Role, User
from jingzhun.crosscheck.models import Clue
from jingzhun.crosscheck.models import Run as CrosscheckRun
from jingzhun.supervision.models import Evidence, Finding
from tests.factories import HouseholdFactory

from .conftest import photo

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _form(users_by_role, **fields):
    return {
        "source": "unannounced",
        "found_on": TODAY.isoformat(),
        "area": users_by_role.village_a.code,
        "household_no": "",
        "category": "housing_water",
        "description": "饮水管网入户不到位",
        "town": users_by_role.town_a.code,
        "department": "医保",
    } | fields


def test_the_form_offers_the_areas_and_towns_in_scope(client, users_by_role, inspector):
    client.force_login(inspector)
    body = client.get("/supervision/new/").content.decode()
    assert users_by_role.village_a.code in body and users_by_role.town_a.code in body
    assert users_by_role.village_b.code not in body
    assert '<option value="医保">' in body  # the §2 departments offered


def test_an_inspector_records_a_finding_with_evidence(client, users_by_role, inspector):
    client.force_login(inspector)
    response = client.post("/supervision/new/", _form(users_by_role, evidence=[photo("a.png"), photo("b.png")]))
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert response.url == f"/supervision/{finding.pk}/"
    assert (finding.source, finding.department, finding.town_code) == (
        "unannounced",
        "medical_insurance",
        users_by_role.town_a.code,
    )
    assert Evidence.objects.filter(finding=finding).count() == 2


def test_a_household_number_alone_gives_the_area(client, users_by_role, inspector):
    household = HouseholdFactory(village=users_by_role.village_a)
    client.force_login(inspector)
    response = client.post("/supervision/new/", _form(users_by_role, area="", household_no=household.household_no))
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert (finding.household, finding.area_code) == (household, users_by_role.village_a.code)


def test_a_household_of_another_county_is_refused_in_chinese(client, users_by_role, inspector):
    other = HouseholdFactory(village=users_by_role.village_b)
    client.force_login(inspector)
    response = client.post("/supervision/new/", _form(users_by_role, household_no=other.household_no))
    assert response.status_code == 400
    assert "不存在或不在您的管辖区域内" in response.content.decode()
    assert not Finding.objects.exists()


def test_a_finding_without_an_assignee_is_refused(client, users_by_role, inspector):
    client.force_login(inspector)
    response = client.post("/supervision/new/", _form(users_by_role, town="", department=""))
    assert response.status_code == 400
    assert "至少填写一个" in response.content.decode()
    assert not Finding.objects.exists()


def test_a_future_date_is_refused(client, users_by_role, inspector):
    client.force_login(inspector)
    response = client.post("/supervision/new/", _form(users_by_role, found_on="2099-01-01"))
    assert response.status_code == 400
    assert "不能晚于今天" in response.content.decode()
    assert not Finding.objects.exists()


def test_an_area_of_another_county_is_not_offered(client, users_by_role, inspector):
    client.force_login(inspector)
    response = client.post("/supervision/new/", _form(users_by_role, area=users_by_role.village_b.code))
    assert response.status_code == 400
    assert not Finding.objects.exists()


@pytest.mark.parametrize("role", [Role.TOWN, Role.DEPARTMENT, Role.VILLAGE])
def test_who_may_not_record_is_refused(client, users_by_role, role):
    client.force_login(users_by_role[role].owner)
    assert client.get("/supervision/new/").status_code == 403
    assert client.post("/supervision/new/", _form(users_by_role)).status_code == 403
    assert not Finding.objects.exists()


def test_recording_needs_the_csrf_token(users_by_role, inspector):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(inspector)
    assert strict.post("/supervision/new/", _form(users_by_role)).status_code == 403
    assert not Finding.objects.exists()


# --- one click from a clue -----------------------------------------------------------------------------------------


@pytest.fixture
def clue(users_by_role):
    household = HouseholdFactory(village=users_by_role.village_a)
    run = CrosscheckRun.objects.create(as_of=TODAY)
    return Clue.objects.create(
        rule="X02",
        department="medical_insurance",
        household=household,
        village_code=household.village_id,
        detail="未参加城乡居民医保",
        action="核实参保情况",
        fingerprint=f"X02::h{household.pk}",
        first_run=run,
        last_run=run,
    )


def test_the_clue_page_offers_the_button_to_who_records_findings(client, users_by_role, inspector, clue):
    client.force_login(inspector)
    assert 'data-testid="finding-from-clue"' in client.get(f"/crosscheck/clues/{clue.pk}/").content.decode()
    client.force_login(users_by_role[Role.TOWN].owner)
    assert 'data-testid="finding-from-clue"' not in client.get(f"/crosscheck/clues/{clue.pk}/").content.decode()


def test_one_click_raises_the_finding_and_the_clue_links_to_it(client, users_by_role, inspector, clue):
    client.force_login(inspector)
    response = client.post(f"/supervision/from-clue/{clue.pk}/")
    finding = Finding.objects.get(clue=clue)
    assert response.status_code == 302 and response.url == f"/supervision/{finding.pk}/"
    assert (finding.source, finding.department, finding.town_code) == (
        "data_comparison",
        "medical_insurance",
        users_by_role.town_a.code,
    )
    page = client.get(f"/crosscheck/clues/{clue.pk}/").content.decode()
    assert f"/supervision/{finding.pk}/" in page
    assert 'data-testid="finding-from-clue"' not in page


def test_a_second_click_opens_the_same_finding(client, inspector, clue):
    client.force_login(inspector)
    client.post(f"/supervision/from-clue/{clue.pk}/")
    client.post(f"/supervision/from-clue/{clue.pk}/")
    assert Finding.objects.filter(clue=clue).count() == 1


def test_a_clue_of_another_county_is_not_found(client, users_by_role, clue):
    client.force_login(users_by_role[Role.INSPECTOR].outsider)
    assert client.post(f"/supervision/from-clue/{clue.pk}/").status_code == 404
    assert not Finding.objects.exists()


def test_the_clue_button_needs_a_post(client, inspector, clue):
    client.force_login(inspector)
    assert client.get(f"/supervision/from-clue/{clue.pk}/").status_code == 405


# --- the clerk's department on its account -----------------------------------------------------------------------


def test_the_system_administrator_places_a_clerk_in_a_department(client, users_by_role):
    clerk = users_by_role[Role.DEPARTMENT].owner
    client.force_login(users_by_role[Role.SYSTEM_ADMIN].owner)
    page = client.get(f"/accounts/system/{clerk.pk}/").content.decode()
    assert '<option value="医保">' in page
    response = client.post(
        f"/accounts/system/{clerk.pk}/",
        {"display_name": clerk.first_name or "经办人", "area": clerk.area.code, "department": "医保"},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=clerk.pk).department == "medical_insurance"


def test_another_departments_name_is_kept_as_typed(client, users_by_role):
    clerk = users_by_role[Role.DEPARTMENT].owner
    client.force_login(users_by_role[Role.SYSTEM_ADMIN].owner)
    client.post(
        f"/accounts/system/{clerk.pk}/",
        {"display_name": clerk.first_name or "经办人", "area": clerk.area.code, "department": "县农业农村局"},
    )
    assert User.objects.get(pk=clerk.pk).department == "县农业农村局"
