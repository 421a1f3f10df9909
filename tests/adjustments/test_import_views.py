"""Importing the year's decision workbook from the browser (docs/LEDGER.md §8), for the county office only: the
upload, the job, its progress and outcome, the error report, and who may."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.adjustments.models import AdjustmentCase
from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import upload_job_for_user
from tests.factories import HouseholdFactory

from .decision_files import decision, write

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def county_user(client, users_by_role):
    user = users_by_role[Role.COUNTY].owner
    client.force_login(user)
    return user


def _upload(client, capture, tmp_path, rows, *, name="动态调整决定.csv"):
    data = write(tmp_path / name, rows).read_bytes()
    with capture(execute=True):
        return client.post(reverse("adjustment_imports:new"), {"file": SimpleUploadedFile(name, data, "text/csv")})


def _job(response, user):
    return upload_job_for_user(user=user, kind="adjustments", job_id=uuid.UUID(response.url.rstrip("/").split("/")[-1]))


def test_the_form_page_offers_the_upload(client, county_user):
    page = client.get("/adjustments/import/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="decisions-import-form"' in text
    assert "导入动态调整决定" in text and "动态调整决定表（.xlsx 或 .csv）" in text
    assert "同一户的各行按文件中的顺序一并导入" in text


def test_an_upload_applies_the_decisions_and_shows_the_outcome(
    client, county_user, household, tmp_path, django_capture_on_commit_callbacks
):
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, [decision(household)])
    assert response.status_code == 302
    job = _job(response, county_user)
    assert job.status == UploadJob.Status.DONE
    assert (job.summary["applied"], job.summary["rejected"]) == (1, 0)
    case = AdjustmentCase.objects.get()
    assert (case.opened_by, case.steps.get().by) == (county_user, county_user)
    page = client.get(response.url).content.decode()
    assert "共 1 行：导入 1 项决定（1 户），0 项已导入过、未变化，未导入 0 行（0 户）。" in page
    assert 'data-testid="import-report"' not in page


def test_a_household_of_another_county_is_rejected_and_the_report_download_is_logged(
    client, county_user, household, users_by_role, tmp_path, django_capture_on_commit_callbacks
):
    outside = HouseholdFactory(village=users_by_role.village_b, poverty_status="not_exited")
    rows = [decision(household), decision(outside)]
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, rows)
    job = _job(response, county_user)
    assert (job.summary["applied"], job.summary["rejected"]) == (1, 1)
    page = client.get(response.url).content.decode()
    assert 'data-testid="import-report"' in page
    report = client.get(reverse("adjustment_imports:report", args=[job.pk]))
    assert report.status_code == 200
    assert report["Content-Disposition"].startswith("attachment")
    assert b"".join(report.streaming_content).startswith(b"PK")
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, user=county_user).exists()
    outside.refresh_from_db()
    assert outside.poverty_status == "not_exited"


@pytest.mark.parametrize("role", [Role.TOWN, Role.VILLAGE, Role.INSPECTOR, Role.HELPER, Role.SYSTEM_ADMIN])
def test_only_the_county_office_may_import_decisions(client, users_by_role, role):
    client.force_login(users_by_role[role].owner)
    assert client.get("/adjustments/import/").status_code == 403
    assert client.post("/adjustments/import/").status_code == 403


def test_another_county_users_job_is_not_found(
    client, county_user, household, users_by_role, tmp_path, django_capture_on_commit_callbacks
):
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, [decision(household)])
    job = _job(response, county_user)
    client.force_login(users_by_role[Role.COUNTY].colleague)
    assert client.get(reverse("adjustment_imports:detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("adjustment_imports:report", args=[job.pk])).status_code == 404


def test_a_file_of_another_type_is_refused(client, county_user):
    upload = SimpleUploadedFile("决定.pdf", b"%PDF-1.4", "application/pdf")
    response = client.post("/adjustments/import/", {"file": upload})
    assert response.status_code == 400
    assert "只能导入" in response.content.decode()
