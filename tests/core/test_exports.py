"""One design for every browser export (core.uploads' export kinds, accounts.export_pages), tried on the monitoring
ledger: the job and its progress, its failures, the file kept for its user only until replaced or expired."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import (
    EXPORT_ABANDONED,
    EXPORT_INTERNAL_ERROR,
    EXPORT_REPLACED,
    EXPORT_SCOPE_CHANGED,
    ExportFailed,
    export_files_purge,
    rows_counted,
    upload_job_progress,
    upload_job_run,
    upload_jobs_abandon,
)
from tests.exports import download_link, export_start
from tests.factories import HouseholdFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

START = reverse("monitoring:export_monitoring")
NOT_RUN = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def cases(users_by_role):
    """Three open cases in village A and one in village B."""
    from jingzhun.monitoring.services import case_open

    day = dt.date(2026, 3, 2)
    villagers = users_by_role[Role.VILLAGE]
    for village, user in [(users_by_role.village_a, villagers.owner)] * 3 + [
        (users_by_role.village_b, villagers.outsider)
    ]:
        home = HouseholdFactory(village=village)
        MemberFactory(household=home, relation="head")
        case_open(household=home, channel="self_report", user=user, discovered_on=day, today=day)


@pytest.fixture
def county(client, users_by_role):
    user = users_by_role[Role.COUNTY].owner
    client.force_login(user)
    return user


def _job_page(client, response):
    assert response.status_code == 302
    return client.get(response.url).content.decode()


def test_the_job_counts_the_rows_of_the_users_area_and_the_file_has_them(client, county, cases):
    page = _job_page(client, export_start(client, START))
    job = UploadJob.objects.get()
    assert job.summary["rows"] == 3  # not village B's
    assert upload_job_progress(job=job) == {"done": 3, "total": 3}
    assert re.search(r'data-testid="export-summary">[^<]*\b3\b', page)
    file = Path(job.report_path)
    assert file.parent == _data_dir() / "jobs" / "monitoring_ledger" / job.id.hex
    assert file.name == f"防止返贫监测对象台账-{county.scope_prefix}-{timezone.localdate():%Y%m%d}.xlsx"


def test_progress_is_reported_as_rows_are_written():
    seen = []
    rows = list(rows_counted(range(2500), total=2500, progress=lambda done, total: seen.append((done, total))))
    assert rows == list(range(2500))
    assert seen == [(0, 2500), (1000, 2500), (2000, 2500), (2500, 2500)]


def test_a_queued_job_shows_its_progress_and_polls(client, county, cases):
    with override_settings(TASKS=NOT_RUN):
        response = client.post(START)
    job = UploadJob.objects.get()
    assert job.status == "queued"
    fragment = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith("<section") and 'hx-trigger="every 1s"' in fragment
    assert 'data-testid="export-download"' not in fragment
    assert client.get(reverse("monitoring:export_monitoring_download", args=[job.pk])).status_code == 404


def test_a_second_click_while_the_export_is_queued_gets_the_same_job(client, county, cases):
    with override_settings(TASKS=NOT_RUN):
        first = client.post(START)
        second = client.post(START)
    assert first.url == second.url and UploadJob.objects.count() == 1


def test_another_users_job_is_not_found_nor_is_it_under_another_kind(client, county, cases, users_by_role):
    response = export_start(client, START)
    job = UploadJob.objects.get()
    link = download_link(_job_page(client, response))
    other_kind = reverse("monitoring:export_instant_help_job", args=[job.pk])
    assert client.get(other_kind).status_code == 404
    client.force_login(users_by_role[Role.COUNTY].outsider)
    assert client.get(response.url).status_code == 404
    assert client.get(link).status_code == 404


def test_a_user_without_an_area_is_refused(client):
    client.force_login(UserFactory(role=Role.COUNTY, area=None))
    assert export_start(client, START).status_code == 403
    assert not UploadJob.objects.exists()


def test_the_download_is_logged_as_the_request_logged_it_and_each_time(client, county, cases):
    link = download_link(_job_page(client, export_start(client, START)))
    job = UploadJob.objects.get()
    for _ in range(2):
        b"".join(client.get(link).streaming_content)  # read to the end (closing it here would close the database)
    entries = AccessLog.objects.filter(user=county, action="export", target=f"monitoring:{county.scope_prefix}")
    assert entries.count() == 2
    assert entries.first().detail == {"file": job.report_path, "rows": 3, "closed": False, "job": str(job.pk)}


def test_an_export_that_raises_fails_with_a_reason_and_leaves_no_file(client, county, cases, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("jingzhun.monitoring.export_jobs.monitoring_ledger_export", broken)
    page = _job_page(client, export_start(client, START))
    job = UploadJob.objects.get()
    assert (job.status, job.message, job.report_path) == ("failed", EXPORT_INTERNAL_ERROR, "")
    assert 'data-status="failed"' in page and EXPORT_INTERNAL_ERROR in page and "hx-trigger" not in page
    assert not (_data_dir() / "jobs" / job.kind / job.id.hex).exists()


def test_an_export_that_cannot_be_written_says_why(client, county, cases, monkeypatch):
    def refused(**kwargs):
        raise ExportFailed("没有可导出的内容")

    monkeypatch.setattr("jingzhun.monitoring.export_jobs.monitoring_ledger_export", refused)
    page = _job_page(client, export_start(client, START))
    assert UploadJob.objects.get().message == "没有可导出的内容" and "没有可导出的内容" in page


def test_an_export_whose_user_changed_area_before_it_ran_writes_nothing(client, county, cases, users_by_role):
    with override_settings(TASKS=NOT_RUN):
        client.post(START)
    job = UploadJob.objects.get()
    county.area = users_by_role.county_b
    county.save()
    upload_job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", EXPORT_SCOPE_CHANGED)


def test_an_export_a_stopped_worker_left_running_is_failed_and_its_folder_removed(county):
    job = UploadJob.objects.create(kind="monitoring_ledger", user=county, area_prefix="370125", status="running")
    folder = _data_dir() / "jobs" / job.kind / job.id.hex
    folder.mkdir(parents=True)
    (folder / "防止返贫监测对象台账.xlsx.tmp").write_bytes(b"half")
    assert upload_jobs_abandon() == 1
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", EXPORT_ABANDONED)
    assert not folder.exists()


def test_the_next_export_of_the_kind_replaces_the_users_file(client, county, cases):
    first = export_start(client, START)
    first_job = UploadJob.objects.get()
    first_link = download_link(_job_page(client, first))
    export_start(client, START)
    first_job.refresh_from_db()
    assert (first_job.report_path, first_job.message) == ("", EXPORT_REPLACED)
    assert not (_data_dir() / "jobs" / first_job.kind / first_job.id.hex).exists()
    assert client.get(first_link).status_code == 404
    page = _job_page(client, first)
    assert EXPORT_REPLACED in page and 'data-testid="export-download"' not in page
    # Another kind's file of the same user stays.
    export_start(client, reverse("monitoring:export_instant_help"))
    assert UploadJob.objects.filter(status="done").exclude(report_path="").count() == 2


def test_export_files_are_deleted_after_the_days_they_are_kept(client, county, cases, settings):
    export_start(client, START)
    job = UploadJob.objects.get()
    assert export_files_purge(now=timezone.now() + dt.timedelta(days=settings.EXPORT_KEEP_DAYS - 1)) == 0
    assert export_files_purge(now=timezone.now() + dt.timedelta(days=settings.EXPORT_KEEP_DAYS, hours=1)) == 1
    job.refresh_from_db()
    assert job.report_path == "" and f"{settings.EXPORT_KEEP_DAYS} 天" in job.message
    assert not (_data_dir() / "jobs" / job.kind / job.id.hex).exists()


def test_the_case_list_offers_a_button_that_posts(client, county, cases):
    page = client.get(reverse("monitoring:case_list")).content.decode()
    start = page.index(f'action="{START}"')
    form = page[page.rindex("<form", 0, start) : page.index("</form>", start)]
    assert 'method="post"' in form and "csrfmiddlewaretoken" in form


def _data_dir() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR)
