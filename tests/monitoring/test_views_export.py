"""Downloading the monitoring and instant-help ledgers from the case list: written in the background, then
downloaded from the job's page."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.core.models import UploadJob
from tests.exports import export_content, export_start
from tests.spreadsheets.printed import print_setup, printed_as

pytestmark = pytest.mark.django_db

MONITORING = "/monitoring/export/monitoring/"
INSTANT_HELP = "/monitoring/export/instant-help/"


def _rows(content):
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


def test_the_county_downloads_the_monitoring_ledger_and_it_is_logged(client, users_by_role, case):
    county = users_by_role[Role.COUNTY].owner
    client.force_login(county)
    rows = _rows(export_content(client, MONITORING))
    assert any(case.household.household_no in row for row in rows)
    job = UploadJob.objects.get(kind="monitoring_ledger")
    assert (job.user, job.area_prefix, job.status, job.summary["rows"]) == (county, county.scope_prefix, "done", 1)
    entry = AccessLog.objects.get(user=county, action="export", target=f"monitoring:{county.scope_prefix}")
    assert (entry.detail["rows"], entry.detail["closed"], entry.detail["job"]) == (1, False, str(job.pk))


def test_the_county_downloads_the_instant_help_ledger(client, users_by_role, case):
    county = users_by_role[Role.COUNTY].owner
    client.force_login(county)
    assert _rows(export_content(client, INSTANT_HELP))[0][0].endswith("即时帮扶台账")
    assert AccessLog.objects.filter(user=county, target=f"instant_help:{county.scope_prefix}").exists()


@pytest.mark.parametrize("url", [MONITORING, INSTANT_HELP])
def test_the_downloaded_ledger_prints_with_its_header_on_every_page(client, users_by_role, case, url):
    client.force_login(users_by_role[Role.COUNTY].owner)
    sheet = load_workbook(io.BytesIO(export_content(client, url))).active
    assert print_setup(sheet) == printed_as(header_row=3, freeze="B4")


def test_a_village_user_may_not_download_a_ledger(client, users_by_role, case):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert export_start(client, MONITORING).status_code == 403
    assert export_start(client, INSTANT_HELP).status_code == 403
    assert not UploadJob.objects.exists()
    assert not AccessLog.objects.exists()


def test_the_list_offers_the_downloads_to_exporting_roles_only(client, users_by_role, case):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert b"export-monitoring" not in client.get("/monitoring/").content
    client.force_login(users_by_role[Role.TOWN].owner)
    page = client.get("/monitoring/").content.decode()
    assert 'data-testid="export-monitoring"' in page
    assert f'action="{MONITORING}"' in page and 'method="post"' in page  # a button posting, not a link
