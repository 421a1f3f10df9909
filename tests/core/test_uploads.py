"""One upload-job design: every browser upload is refused, queued, run and ended the same way."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.areas.models import Level
from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import ABANDONED, INTERNAL_ERROR, upload_job_progress, upload_jobs_abandon
from tests.factories import UserFactory, sample_area
from tests.registry.ledger_files import family, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def county_user(client):
    user = UserFactory(role=Role.COUNTY, area=sample_area(Level.COUNTY))
    client.force_login(user)
    return user


def _upload_ledger(client, capture, tmp_path):
    path = write_csv(tmp_path / "台账.csv", family("H001"))
    with capture(execute=True):
        return client.post(reverse("imports:new"), {"file": SimpleUploadedFile("台账.csv", path.read_bytes())})


def test_an_import_that_raises_fails_the_job_instead_of_leaving_it_running(
    client, county_user, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("jingzhun.registry.import_jobs.ledger_import", broken)
    response = _upload_ledger(client, django_capture_on_commit_callbacks, tmp_path)
    job = UploadJob.objects.get()
    assert (job.status, job.message) == (UploadJob.Status.FAILED, INTERNAL_ERROR)
    assert job.finished_at is not None
    page = client.get(response.url)
    assert 'data-status="failed"' in page.content.decode()
    assert "hx-trigger" not in page.content.decode()  # the page stops polling


def test_a_department_list_import_that_raises_fails_its_job_too(
    client, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    client.force_login(UserFactory(role=Role.DEPARTMENT, area=sample_area(Level.COUNTY)))

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("jingzhun.crosscheck.import_jobs.department_list_import", broken)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("crosscheck:import_new"),
            {
                "department": "education",
                "as_of": "2026-01-05",
                "file": SimpleUploadedFile("名单.csv", "姓名,证件号码\n".encode()),
            },
        )
    job = UploadJob.objects.get()
    assert (job.kind, job.status, job.message) == ("department_list", UploadJob.Status.FAILED, INTERNAL_ERROR)


def test_jobs_a_stopped_worker_left_running_are_failed_at_the_next_start(county_user):
    running = UploadJob.objects.create(
        kind="ledger", user=county_user, area_prefix="370125", file_name="a.csv", path="/x/a.csv", status="running"
    )
    queued = UploadJob.objects.create(
        kind="ledger", user=county_user, area_prefix="370125", file_name="b.csv", path="/x/b.csv"
    )
    assert upload_jobs_abandon() == 1
    running.refresh_from_db()
    queued.refresh_from_db()
    assert (running.status, running.message) == (UploadJob.Status.FAILED, ABANDONED)
    assert queued.status == UploadJob.Status.QUEUED  # the worker still runs it


def test_progress_of_a_job_not_started_is_zero(county_user):
    job = UploadJob.objects.create(
        kind="ledger", user=county_user, area_prefix="370125", file_name="a.csv", path="/x/a.csv"
    )
    assert upload_job_progress(job=job) == {"done": 0, "total": 0}


def test_a_browser_import_is_in_the_access_log(client, county_user, tmp_path, django_capture_on_commit_callbacks):
    _upload_ledger(client, django_capture_on_commit_callbacks, tmp_path)
    entry = AccessLog.objects.get(action=AccessLog.Action.IMPORT)
    assert (entry.user, entry.target) == (county_user, "贫困人口台账 台账.csv")
    assert entry.detail["created"] == 1


def test_a_job_address_is_not_a_counter(client, county_user, tmp_path, django_capture_on_commit_callbacks):
    response = _upload_ledger(client, django_capture_on_commit_callbacks, tmp_path)
    assert str(UploadJob.objects.get().pk) in response.url
    assert len(response.url.rstrip("/").split("/")[-1]) == 36
