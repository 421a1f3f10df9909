"""The household ledger downloaded from the browser: written in the background for the user's whole area, in the
layout of the command line's export, with ID numbers as the user may see them."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.core.idnumber import mask
from jingzhun.core.models import UploadJob
from jingzhun.registry.models import Member
from jingzhun.registry.services import ledger_export, ledger_import
from tests.exports import export_content, export_download, export_start

from .ledger_files import family, write_csv

pytestmark = pytest.mark.django_db

START = reverse("registry:ledger_export")


@pytest.fixture
def ledger(tmp_path):
    """Two households of two members each in the sample county (370125)."""
    ledger_import(path=write_csv(tmp_path / "in.csv", family("H001") + family("H002")))


def _rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_a_county_user_with_the_right_gets_the_command_lines_file(client, users_by_role, ledger, tmp_path):
    user = users_by_role[Role.COUNTY].owner
    user.may_see_id_numbers = True
    user.save()
    client.force_login(user)
    downloaded = _rows(export_content(client, START))
    ledger_export(path=tmp_path / "cli.xlsx")
    assert downloaded == _rows((tmp_path / "cli.xlsx").read_bytes())
    job = UploadJob.objects.get(kind="household_ledger")
    assert job.summary["rows"] == 4
    entry = AccessLog.objects.get(user=user, action="export")
    assert entry.target == f"ledger:{user.scope_prefix}"
    assert (entry.detail["rows"], entry.detail["households"], entry.detail["unmasked"]) == (4, 2, True)


def test_a_user_without_the_right_gets_masked_id_numbers(client, users_by_role, ledger):
    user = users_by_role[Role.COUNTY].owner
    client.force_login(user)
    rows = _rows(export_content(client, START))
    column = rows[0].index("证件号码")
    numbers = sorted(Member.objects.values_list("id_number", flat=True))
    assert sorted(row[column] for row in rows[1:]) == sorted(mask(n) for n in numbers)
    assert AccessLog.objects.get(user=user, action="export").detail["unmasked"] is False


def test_the_csv_is_the_command_lines_csv(client, users_by_role, ledger, tmp_path):
    user = users_by_role[Role.COUNTY].owner
    user.may_see_id_numbers = True
    user.save()
    client.force_login(user)
    response = export_download(client, f"{START}?format=csv")
    content = b"".join(response.streaming_content)
    assert quote(f"贫困人口台账-{user.scope_prefix}-") in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith(".csv")
    ledger_export(path=tmp_path / "cli.csv")
    assert content == (tmp_path / "cli.csv").read_bytes()


def test_a_ledger_too_long_for_a_worksheet_fails_at_once_with_its_reason(client, users_by_role, ledger, monkeypatch):
    monkeypatch.setattr("jingzhun.spreadsheets.writing.SHEET_MAX_ROWS", 4)  # 4 members and the header
    client.force_login(users_by_role[Role.COUNTY].owner)
    page = client.get(export_start(client, START).url).content.decode()
    job = UploadJob.objects.get()
    assert job.status == "failed" and job.message.startswith("共 5 行，超过 Excel 一个工作表最多 4 行的上限")
    assert job.message in page
    assert export_start(client, f"{START}?format=csv").status_code == 302  # the CSV has no such limit
    assert UploadJob.objects.get(params={"format": "csv"}).status == "done"


def test_another_countys_user_gets_none_of_its_households(client, users_by_role, ledger):
    client.force_login(users_by_role[Role.COUNTY].outsider)
    assert _rows(export_content(client, START))[1:] == []


def test_only_exporting_roles_see_the_button_and_may_start(client, users_by_role, ledger):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert b'data-testid="export-ledger"' not in client.get(reverse("registry:household_list")).content
    assert export_start(client, START).status_code == 403
    client.force_login(users_by_role[Role.TOWN].owner)
    assert b'data-testid="export-ledger"' in client.get(reverse("registry:household_list")).content


def test_the_command_line_counts_households_across_their_members(ledger, tmp_path):
    outcome = ledger_export(path=tmp_path / "out.csv")
    assert (outcome.households, outcome.rows) == (2, 4)
    entry = AccessLog.objects.get(action="export")
    assert "unmasked" not in entry.detail and entry.user is None
