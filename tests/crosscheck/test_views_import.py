"""Importing department lists from the browser: upload, the task, progress, the report, who may, and the
list of batches received (counts only)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import upload_job_for_user
from jingzhun.crosscheck.list_import import department_list_import
from jingzhun.crosscheck.models import Batch, Department, Row
from tests.crosscheck.factories_lists import headers_for, list_row, read_report, write_list_csv

pytestmark = pytest.mark.django_db

EDU = Department.EDUCATION


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def clerk(client, users_by_role):
    user = users_by_role[Role.DEPARTMENT].owner
    client.force_login(user)
    return user


def _upload(client, capture, tmp_path, rows, *, name="教体.csv", headers=None, **fields):
    path = write_list_csv(tmp_path / name, rows, headers=headers)
    data = {"department": EDU, "as_of": "2026-01-05", "source": "县教体局"} | fields
    with capture(execute=True):
        return client.post(
            reverse("crosscheck:import_new"), data | {"file": SimpleUploadedFile(name, path.read_bytes(), "text/csv")}
        )


def _job(response, user):
    job_id = response.url.rstrip("/").split("/")[-1]
    return upload_job_for_user(user=user, kind="department_list", job_id=uuid.UUID(job_id))


def test_upload_as_department_clerk_imports_the_list_and_shows_the_outcome(
    client, clerk, tmp_path, django_capture_on_commit_callbacks
):
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, [list_row(EDU), list_row(EDU)])
    assert response.status_code == 302
    job = _job(response, clerk)
    assert job.status == UploadJob.Status.DONE
    batch = Batch.objects.get()
    assert (batch.department, batch.as_of, batch.source, batch.rows) == (EDU, dt.date(2026, 1, 5), "县教体局", 2)
    assert (batch.user, batch.area_prefix) == (clerk, clerk.scope_prefix)
    page = client.get(response.url).content.decode()
    assert f"批次 {batch.pk}" in page and "2 行" in page


def test_progress_request_from_htmx_gets_only_the_progress_panel(
    client, clerk, tmp_path, django_capture_on_commit_callbacks
):
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, [list_row(EDU)])
    page = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert page.lstrip().startswith("<section") and "<html" not in page


def test_rejected_row_is_counted_and_the_report_download_is_logged_as_an_export(
    client, clerk, tmp_path, django_capture_on_commit_callbacks
):
    rows = [list_row(EDU), list_row(EDU, 学籍状态="在学")]
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, rows)
    job = _job(response, clerk)
    assert (job.summary["imported"], job.summary["rejected"]) == (1, 1)
    assert read_report(job.report_path)["错误"][1][2] == "学籍状态"
    download = client.get(reverse("crosscheck:import_report", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"PK")
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, user=clerk).count() == 1


def test_missing_required_header_fails_the_job_with_the_reason(
    client, clerk, tmp_path, django_capture_on_commit_callbacks
):
    headers = [h for h in headers_for(EDU) if h != "学籍状态"]
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, [list_row(EDU)], headers=headers)
    job = _job(response, clerk)
    assert job.status == UploadJob.Status.FAILED and "学籍状态" in job.message
    assert not Batch.objects.exists()
    assert "学籍状态" in client.get(response.url).content.decode()


def test_only_spreadsheets_are_accepted(client, clerk):
    data = {"department": EDU, "as_of": "2026-01-05", "file": SimpleUploadedFile("l.pdf", b"%PDF", "application/pdf")}
    response = client.post(reverse("crosscheck:import_new"), data)
    assert response.status_code == 400
    assert "只能导入 .xlsx 或 .csv" in response.content.decode()


def test_a_data_date_in_the_future_is_refused(client, clerk, tmp_path, django_capture_on_commit_callbacks):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, [list_row(EDU)], as_of=tomorrow)
    assert response.status_code == 400
    assert not Batch.objects.exists()


def test_county_office_may_import_lists(client, users_by_role, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, [list_row(EDU)])
    assert response.status_code == 302 and Batch.objects.count() == 1


@pytest.mark.parametrize("role", [Role.VILLAGE, Role.TOWN, Role.HELPER, Role.INSPECTOR, Role.SYSTEM_ADMIN])
def test_roles_that_do_not_import_lists_are_refused(client, users_by_role, role):
    client.force_login(users_by_role[role].owner)
    assert client.get(reverse("crosscheck:import_new")).status_code == 403


def test_village_user_cannot_upload(client, users_by_role, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, [list_row(EDU)])
    assert response.status_code == 403 and not Batch.objects.exists()


def test_another_users_job_is_not_found(client, users_by_role, tmp_path, django_capture_on_commit_callbacks):
    clerk = users_by_role[Role.DEPARTMENT].owner
    client.force_login(clerk)
    rows = [list_row(EDU), list_row(EDU, 学籍状态="在学")]
    url = _upload(client, django_capture_on_commit_callbacks, tmp_path, rows).url
    job_id = uuid.UUID(url.rstrip("/").split("/")[-1])
    for other in (users_by_role[Role.DEPARTMENT].outsider, users_by_role[Role.DEPARTMENT].colleague):
        client.force_login(other)
        assert client.get(url).status_code == 404
        assert client.get(reverse("crosscheck:import_report", args=[job_id])).status_code == 404


def test_batch_list_shows_counts_of_the_users_area_only(client, users_by_role, tmp_path):
    clerk_a, clerk_b = users_by_role[Role.DEPARTMENT].owner, users_by_role[Role.DEPARTMENT].outsider
    department_list_import(
        department=EDU,
        path=write_list_csv(tmp_path / "甲县教体.csv", [list_row(EDU, 姓名="甲县学生")]),
        user=clerk_a,
        area_prefix=clerk_a.scope_prefix,
    )
    department_list_import(
        department=EDU,
        path=write_list_csv(tmp_path / "乙县教体.csv", [list_row(EDU)]),
        user=clerk_b,
        area_prefix=clerk_b.scope_prefix,
    )
    client.force_login(clerk_a)
    page = client.get(reverse("crosscheck:batch_list")).content.decode()
    assert "甲县教体.csv" in page and "乙县教体.csv" not in page
    assert "甲县学生" not in page and Row.objects.get(batch__file_name="甲县教体.csv").id_number not in page


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.COUNTY, Role.TOWN, Role.VILLAGE, Role.INSPECTOR])
def test_batch_list_is_open_to_importers_and_people_viewers(client, users_by_role, role):
    client.force_login(users_by_role[role].owner)
    assert client.get(reverse("crosscheck:batch_list")).status_code == 200


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, Role.NONE])
def test_batch_list_is_refused_to_others(client, users_by_role, role):
    client.force_login(users_by_role[role].owner)
    assert client.get(reverse("crosscheck:batch_list")).status_code == 403


def test_batches_imported_from_the_command_line_are_seen_by_every_area(client, users_by_role, tmp_path):
    department_list_import(department=EDU, path=write_list_csv(tmp_path / "全县.csv", [list_row(EDU)]))
    client.force_login(users_by_role[Role.TOWN].outsider)
    assert "全县.csv" in client.get(reverse("crosscheck:batch_list")).content.decode()


# --- the report names only what the uploader may see (issue 24, item 6) -------------------------------------------


def test_the_same_file_as_another_countys_batch_is_not_pointed_out(
    client, clerk, users_by_role, tmp_path, django_capture_on_commit_callbacks
):
    rows = [list_row(EDU), list_row(EDU)]
    outsider = users_by_role[Role.DEPARTMENT].outsider
    path = write_list_csv(tmp_path / "乙县.csv", rows)
    department_list_import(department=EDU, path=path, user=outsider, area_prefix=outsider.scope_prefix)
    first = _job(_upload(client, django_capture_on_commit_callbacks, tmp_path, rows), clerk)
    assert first.summary["same_as_batch"] is None
    # The clerk's own earlier batch of the same file is still pointed out.
    again = _job(_upload(client, django_capture_on_commit_callbacks, tmp_path, rows), clerk)
    assert again.summary["same_as_batch"] == first.result_id


def test_the_list_report_shows_the_files_name_not_where_the_server_keeps_it(
    client, clerk, tmp_path, django_capture_on_commit_callbacks, settings
):
    rows = [list_row(EDU), list_row(EDU, 学籍状态="在学")]
    job = _job(_upload(client, django_capture_on_commit_callbacks, tmp_path, rows), clerk)
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(job.report_path)
    cells = [str(c) for name in workbook.sheet_names for r in workbook.get_sheet_by_name(name).to_python() for c in r]
    assert "教体.csv" in cells
    assert not any(str(settings.DATA_DIR) in cell for cell in cells)
