"""Downloading the monitoring and instant-help ledgers from the case list."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from jingzhun.accounts.models import AccessLog, Role
from tests.spreadsheets.printed import print_setup, printed_as

pytestmark = pytest.mark.django_db


def _rows(response):
    content = b"".join(response.streaming_content)
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


def test_the_county_downloads_the_monitoring_ledger_and_it_is_logged(client, users_by_role, case):
    county = users_by_role[Role.COUNTY].owner
    client.force_login(county)
    response = client.get("/monitoring/export/monitoring.xlsx")
    assert response.status_code == 200
    assert ".xlsx" in response["Content-Disposition"]
    assert any(case.household.household_no in row for row in _rows(response))
    assert AccessLog.objects.filter(user=county, action="export", target=f"monitoring:{county.scope_prefix}").exists()


def test_the_county_downloads_the_instant_help_ledger(client, users_by_role, case):
    county = users_by_role[Role.COUNTY].owner
    client.force_login(county)
    response = client.get("/monitoring/export/instant-help.xlsx")
    assert response.status_code == 200
    assert _rows(response)[0][0].endswith("即时帮扶台账")
    assert AccessLog.objects.filter(user=county, target=f"instant_help:{county.scope_prefix}").exists()


@pytest.mark.parametrize("url", ["/monitoring/export/monitoring.xlsx", "/monitoring/export/instant-help.xlsx"])
def test_the_downloaded_ledger_prints_with_its_header_on_every_page(client, users_by_role, case, url):
    client.force_login(users_by_role[Role.COUNTY].owner)
    content = b"".join(client.get(url).streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    assert print_setup(sheet) == printed_as(header_row=3, freeze="B4")


def test_a_village_user_may_not_download_a_ledger(client, users_by_role, case):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert client.get("/monitoring/export/monitoring.xlsx").status_code == 403
    assert client.get("/monitoring/export/instant-help.xlsx").status_code == 403
    assert not AccessLog.objects.exists()


def test_the_list_offers_the_downloads_to_exporting_roles_only(client, users_by_role, case):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert b"export-monitoring" not in client.get("/monitoring/").content
    client.force_login(users_by_role[Role.TOWN].owner)
    assert b"export-monitoring" in client.get("/monitoring/").content
