"""Starting an assessment run from the browser: a background job for a county user who may run assessments,
one at a time, logged, and failed with a Chinese reason when the run breaks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.areas.models import Level
from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import upload_job_progress, upload_jobs_abandon
from jingzhun.policy.jobs import ABANDONED, BUSY, INTERNAL_ERROR
from jingzhun.policy.models import AssessmentRun
from tests.factories import AreaFactory, UserFactory, sample_area

from .builders import household, member, passing

pytestmark = pytest.mark.django_db

START = reverse("policy:run_start")


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def county_user(client):
    user = UserFactory(role=Role.COUNTY, area=sample_area(Level.COUNTY))
    client.force_login(user)
    return user


def _start(client, capture, year="2020", pack="national"):
    with capture(execute=True):
        return client.post(START, {"year": year, "pack": pack})


def test_a_county_user_starts_a_run_that_completes_and_appears(client, county_user, django_capture_on_commit_callbacks):
    passing()
    member(household())  # no income: not assessed
    response = _start(client, django_capture_on_commit_callbacks)

    job = UploadJob.objects.get(kind="assessment")
    assert response.status_code == 302 and response.url == reverse("policy:job_detail", args=[job.pk])
    run = AssessmentRun.objects.get()
    assert (job.status, job.result_id, job.summary["households"], job.summary["excluded"]) == ("done", run.pk, 1, 1)
    assert (run.year, run.pack, run.user, run.area_prefix) == (2020, "national", county_user, "370125")
    assert upload_job_progress(job=job)["done"] == upload_job_progress(job=job)["total"] > 0
    page = client.get(response.url).content.decode()
    assert 'data-status="done"' in page and reverse("policy:run_detail", args=[run.pk]) in page
    assert "hx-trigger" not in page
    assert reverse("policy:run_detail", args=[run.pk]) in client.get(reverse("policy:run_list")).content.decode()


def test_the_start_is_recorded_in_the_access_log(client, county_user, django_capture_on_commit_callbacks):
    _start(client, django_capture_on_commit_callbacks, year="2019")
    entry = AccessLog.objects.get(action=AccessLog.Action.ASSESS)
    job = UploadJob.objects.get(kind="assessment")
    assert (entry.user, entry.target) == (county_user, "评估 2019 年（规则包 national）")
    assert entry.detail == {"job": str(job.pk), "year": 2019, "pack": "national", "area_prefix": "370125"}
    assert entry.get_action_display() == "评估"


def test_the_county_user_sees_the_start_form(client, county_user):
    page = client.get(reverse("policy:run_list")).content.decode()
    assert 'data-testid="assess-form"' in page and 'name="csrfmiddlewaretoken"' in page


@pytest.mark.parametrize("role", [Role.TOWN, Role.VILLAGE])
def test_town_and_village_users_are_refused_and_see_no_button(client, role, django_capture_on_commit_callbacks):
    level = Level.TOWN if role == Role.TOWN else Level.VILLAGE
    client.force_login(UserFactory(role=role, area=AreaFactory(level=level)))
    assert _start(client, django_capture_on_commit_callbacks).status_code == 403
    assert 'data-testid="assess-form"' not in client.get(reverse("policy:run_list")).content.decode()
    assert not UploadJob.objects.exists() and not AccessLog.objects.filter(action=AccessLog.Action.ASSESS).exists()


def test_a_county_role_placed_on_a_town_is_refused(client, django_capture_on_commit_callbacks):
    # The capability alone is not enough: the run covers the whole county, so the scope must too.
    client.force_login(UserFactory(role=Role.COUNTY, area=AreaFactory(level=Level.TOWN)))
    assert _start(client, django_capture_on_commit_callbacks).status_code == 403
    assert 'data-testid="assess-form"' not in client.get(reverse("policy:run_list")).content.decode()


def test_a_user_without_the_capability_is_refused(client, django_capture_on_commit_callbacks):
    # An inspector sees the assessment pages but may not run one.
    client.force_login(UserFactory(role=Role.INSPECTOR, area=sample_area(Level.COUNTY)))
    assert _start(client, django_capture_on_commit_callbacks).status_code == 403
    assert 'data-testid="assess-form"' not in client.get(reverse("policy:run_list")).content.decode()
    assert not UploadJob.objects.exists()


def test_the_start_is_post_only(client, county_user):
    assert client.get(START).status_code == 405


def test_the_start_needs_the_csrf_token(county_user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(county_user)
    assert strict.post(START, {"year": "2020", "pack": "national"}).status_code == 403
    assert not UploadJob.objects.exists()


def test_a_second_start_while_one_is_queued_answers_409(client, county_user):
    # Without running the on-commit callbacks the first job stays queued.
    first = client.post(START, {"year": "2020", "pack": "national"})
    assert first.status_code == 302
    client.force_login(UserFactory(role=Role.COUNTY, area=sample_area(Level.COUNTY)))  # another county user
    second = client.post(START, {"year": "2019", "pack": "national"})
    assert second.status_code == 409
    assert BUSY in second.content.decode()
    assert UploadJob.objects.filter(kind="assessment").count() == 1
    assert AccessLog.objects.filter(action=AccessLog.Action.ASSESS).count() == 1


def test_a_start_is_refused_while_one_is_running(client, county_user):
    UploadJob.objects.create(
        kind="assessment", user=county_user, area_prefix="370125", status="running", exclusive=True
    )
    assert client.post(START, {"year": "2020", "pack": "national"}).status_code == 409


def test_the_database_refuses_a_second_active_run_too():
    # Two requests at the same moment both pass the first check; the constraint decides.
    from django.db import IntegrityError, transaction

    user = UserFactory(role=Role.COUNTY, area=sample_area(Level.COUNTY))
    UploadJob.objects.create(kind="assessment", user=user, area_prefix="370125", exclusive=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        UploadJob.objects.create(kind="assessment", user=user, area_prefix="370125", exclusive=True)


def test_a_start_that_passes_the_check_at_the_same_moment_is_refused_by_the_database(client, county_user, monkeypatch):
    # The other request's job is created between this request's check and its insert.
    UploadJob.objects.create(kind="assessment", user=county_user, area_prefix="370125", exclusive=True)
    monkeypatch.setattr("jingzhun.core.uploads.ACTIVE", ())  # the check sees nothing
    response = client.post(START, {"year": "2020", "pack": "national"})
    assert response.status_code == 409 and BUSY in response.content.decode()
    assert UploadJob.objects.count() == 1
    assert not AccessLog.objects.filter(action=AccessLog.Action.ASSESS).exists()


def test_a_new_run_may_start_once_the_last_one_ended(client, county_user, django_capture_on_commit_callbacks):
    assert _start(client, django_capture_on_commit_callbacks).status_code == 302
    assert _start(client, django_capture_on_commit_callbacks).status_code == 302
    assert AssessmentRun.objects.count() == 2


def test_a_run_that_raises_fails_the_job_with_a_chinese_reason(
    client, county_user, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("engine on fire")

    monkeypatch.setattr("jingzhun.policy.services.assessment_plan", broken)
    passing()
    response = _start(client, django_capture_on_commit_callbacks)
    job = UploadJob.objects.get(kind="assessment")
    assert (job.status, job.message, job.result_id) == ("failed", INTERNAL_ERROR, None)
    assert job.finished_at is not None
    assert not AssessmentRun.objects.exists()  # the run is all or nothing
    page = client.get(response.url).content.decode()
    assert 'data-status="failed"' in page and INTERNAL_ERROR in page and "hx-trigger" not in page
    # Failed is ended: the next start is allowed.
    monkeypatch.undo()
    assert _start(client, django_capture_on_commit_callbacks).status_code == 302


def test_a_year_the_pack_does_not_cover_is_refused_before_queueing(
    client, county_user, django_capture_on_commit_callbacks
):
    response = _start(client, django_capture_on_commit_callbacks, year="2013")
    assert response.status_code == 400
    assert "2013" in response.content.decode()
    assert not UploadJob.objects.exists()


@pytest.mark.parametrize("year", ["", "abc", "２０２０", "20200"])
def test_a_year_that_is_not_a_year_is_refused(client, county_user, django_capture_on_commit_callbacks, year):
    assert _start(client, django_capture_on_commit_callbacks, year=year).status_code == 400
    assert not UploadJob.objects.exists()


def test_an_unknown_pack_is_refused(client, county_user, django_capture_on_commit_callbacks):
    response = _start(client, django_capture_on_commit_callbacks, pack="nowhere")
    assert response.status_code == 400 and "nowhere" in response.content.decode()


def test_another_users_job_is_not_found(client, county_user):
    other = UserFactory(role=Role.COUNTY, area=sample_area(Level.COUNTY))
    job = UploadJob.objects.create(kind="assessment", user=other, area_prefix="370125", params={"year": 2020})
    assert client.get(reverse("policy:job_detail", args=[job.pk])).status_code == 404


def test_the_progress_request_from_htmx_gets_only_the_panel(client, county_user):
    job = UploadJob.objects.create(
        kind="assessment", user=county_user, area_prefix="370125", params={"year": 2020, "pack": "national"}
    )
    page = client.get(reverse("policy:job_detail", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert page.lstrip().startswith("<section") and 'hx-trigger="every 1s"' in page


def test_a_run_a_stopped_worker_left_running_is_failed_with_its_own_reason(county_user):
    job = UploadJob.objects.create(
        kind="assessment", user=county_user, area_prefix="370125", status="running", exclusive=True
    )
    assert upload_jobs_abandon() == 1
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", ABANDONED)


def test_the_page_says_when_another_users_run_is_under_way(client, county_user):
    other = UserFactory(role=Role.COUNTY, area=sample_area(Level.COUNTY), first_name="", last_name="", username="zhao")
    UploadJob.objects.create(kind="assessment", user=other, area_prefix="370125", exclusive=True)
    page = client.get(reverse("policy:run_list")).content.decode()
    assert "zhao 开始的评估正在排队或进行" in page


def test_a_queued_run_without_its_folder_still_runs(county_user):
    # The progress file's folder is made when the job is queued; a worker on a cleaned data directory makes it again.
    from jingzhun.core.uploads import upload_job_run

    passing()
    job = UploadJob.objects.create(
        kind="assessment", user=county_user, area_prefix="370125", params={"year": 2020, "pack": "national"}
    )
    upload_job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.summary["households"]) == ("done", 1)
