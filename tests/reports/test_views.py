"""The report pages: who may see them, what they show, the workbook download (logged)."""

import pytest
from django.utils import timezone

from jingzhun.accounts.models import AccessLog, Role

pytestmark = pytest.mark.django_db

URL = "/reports/population/"


@pytest.mark.parametrize("role", [Role.HELPER, Role.DEPARTMENT])
def test_roles_without_an_area_office_are_refused(client, users_by_role, role):
    client.force_login(users_by_role[role].owner)
    assert client.get("/reports/").status_code == 403
    assert client.get(URL).status_code == 403


def test_the_index_links_every_table(client, users_by_role):
    client.force_login(users_by_role[Role.TOWN].owner)
    body = client.get("/reports/").content.decode()
    assert f'href="{URL}"' in body


def test_the_page_shows_the_town_total_and_links_a_village_figure_to_its_list(client, users_by_role, county):
    client.force_login(users_by_role[Role.TOWN].owner)
    response = client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "合计（" in body
    village = users_by_role.village_a.code
    assert f"/households/?status=not_exited&amp;village={village}" in body


def test_a_past_year_has_no_links_to_todays_lists(client, users_by_role, county):
    client.force_login(users_by_role[Role.TOWN].owner)
    body = client.get(URL, {"year": timezone.localdate().year - 1}).content.decode()
    assert "/households/?status=" not in body


def test_another_area_is_refused_and_an_unknown_one_not_found(client, users_by_role, county):
    client.force_login(users_by_role[Role.TOWN].owner)
    assert client.get(URL, {"area": county["town_2"].code}).status_code == 403
    assert client.get(URL, {"area": "999999999999"}).status_code == 404
    assert client.get(URL, {"area": "x"}).status_code == 404


def test_the_workbook_download_is_logged(client, users_by_role, county):
    user = users_by_role[Role.COUNTY].owner
    client.force_login(user)
    response = client.get("/reports/population.xlsx")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert AccessLog.objects.filter(user=user, action=AccessLog.Action.EXPORT, target__startswith="report:").exists()


def test_a_table_read_from_the_runs_opens_on_the_latest_runs_year(client, users_by_role, county):
    from jingzhun.policy.services import assessment_run

    assessment_run(year=2020, area_prefix=users_by_role.county_a.prefix)
    client.force_login(users_by_role[Role.COUNTY].owner)
    body = client.get("/reports/assurances/").content.decode()
    assert "2020 年两不愁三保障及饮水安全情况表" in body
