"""Importing a findings file from the browser (docs/LEDGER.md §6) for the county office and inspectors: the upload,
the job, its progress and outcome, the error report, and who may."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import upload_job_for_user
from jingzhun.supervision.models import Finding

from .finding_files import finding_row, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def county_user(client, users_by_role):
    user = users_by_role[Role.COUNTY].owner
    client.force_login(user)
    return user


def _rows(users_by_role, *extra):
    return [finding_row("JY-1", users_by_role.village_a.code, users_by_role.town_a.code), *extra]


def _upload(client, capture, tmp_path, rows, *, name="督导问题.csv"):
    data = write_csv(tmp_path / name, rows).read_bytes()
    with capture(execute=True):
        return client.post(reverse("supervision:import_new"), {"file": SimpleUploadedFile(name, data, "text/csv")})


def _job(response, user):
    return upload_job_for_user(user=user, kind="findings", job_id=uuid.UUID(response.url.rstrip("/").split("/")[-1]))


def test_the_form_page_offers_the_upload(client, county_user):
    page = client.get(reverse("supervision:import_new"))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="findings-import-form"' in text
    assert "导入督导问题" in text and "督导问题文件（.xlsx 或 .csv）" in text


def test_an_upload_imports_the_findings_and_shows_the_outcome(
    client, county_user, users_by_role, tmp_path, django_capture_on_commit_callbacks
):
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, _rows(users_by_role))
    assert response.status_code == 302
    job = _job(response, county_user)
    assert job.status == UploadJob.Status.DONE
    assert (job.summary["created"], job.summary["rejected"]) == (1, 0)
    assert Finding.objects.get().created_by == county_user
    page = client.get(response.url).content.decode()
    assert "共 1 行：新登记 1 个问题，更新 0 个，未变化 0 个，未导入 0 行。" in page
    assert 'data-testid="import-report"' not in page


def test_an_inspector_may_upload_too(client, users_by_role, tmp_path, django_capture_on_commit_callbacks):
    inspector = users_by_role[Role.INSPECTOR].owner
    client.force_login(inspector)
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, _rows(users_by_role))
    assert _job(response, inspector).status == UploadJob.Status.DONE


def test_rejected_rows_are_counted_and_the_report_download_is_logged(
    client, county_user, users_by_role, tmp_path, django_capture_on_commit_callbacks
):
    bad = finding_row("JY-2", users_by_role.village_b.code, users_by_role.town_a.code)  # outside the county
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, _rows(users_by_role, bad))
    job = _job(response, county_user)
    assert (job.summary["created"], job.summary["rejected"]) == (1, 1)
    page = client.get(response.url).content.decode()
    assert 'data-testid="import-report"' in page
    report = client.get(reverse("supervision:import_report", args=[job.pk]))
    assert report.status_code == 200
    assert report["Content-Disposition"].startswith("attachment")
    assert b"".join(report.streaming_content).startswith(b"PK")
    assert AccessLog.objects.filter(user=county_user, action=AccessLog.Action.EXPORT).exists()


def test_an_unusable_file_fails_the_job_with_its_reason(
    client, county_user, users_by_role, tmp_path, django_capture_on_commit_callbacks
):
    data = "问题编号,问题来源\nJY-1,月度督导\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("supervision:import_new"), {"file": SimpleUploadedFile("x.csv", data, "text/csv")}
        )
    job = _job(response, county_user)
    assert job.status == UploadJob.Status.FAILED
    assert "缺少必需的列" in job.message
    assert "缺少必需的列" in client.get(response.url).content.decode()


def test_a_file_of_another_type_is_refused_on_the_form(client, county_user):
    upload = SimpleUploadedFile("问题.pdf", b"%PDF-1.4", "application/pdf")
    response = client.post(reverse("supervision:import_new"), {"file": upload})
    assert response.status_code == 400
    assert "只能导入 .xlsx 或 .csv 文件" in response.content.decode()
    assert not UploadJob.objects.exists()


def test_progress_request_from_htmx_gets_only_the_progress_panel(
    client, county_user, users_by_role, tmp_path, django_capture_on_commit_callbacks
):
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, _rows(users_by_role))
    page = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert page.lstrip().startswith("<section") and "<html" not in page


def test_another_users_job_is_not_found(
    client, county_user, users_by_role, tmp_path, django_capture_on_commit_callbacks
):
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, _rows(users_by_role))
    client.force_login(users_by_role[Role.COUNTY].colleague)
    assert client.get(response.url).status_code == 404


@pytest.mark.parametrize("role", [Role.TOWN, Role.VILLAGE, Role.DEPARTMENT, Role.HELPER])
def test_roles_that_do_not_record_findings_may_not_import(client, users_by_role, role):
    client.force_login(users_by_role[role].owner)
    assert client.get(reverse("supervision:import_new")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("supervision:import_new"))
    assert response.status_code == 302 and "login" in response.url
