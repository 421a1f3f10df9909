"""Starting an assessment run from the browser and watching it finish, in real headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Level
from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import upload_job_run
from jingzhun.policy.models import AssessmentRun
from tests.browser import DESKTOP, PHONE
from tests.factories import UserFactory, sample_area
from tests.web.test_browser_pages import _log_in, _no_sideways_scroll, _page, _shot

from .builders import passing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _tasks_wait_for_the_worker(settings):
    # The job is queued and stays so until the test plays the worker: the page must poll to see it end.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_a_county_user_starts_a_run_and_sees_it_finish(live_server, browser, viewport):
    user = UserFactory(role=Role.COUNTY, area=sample_area(Level.COUNTY))
    passing()
    passing()
    width = viewport["width"]
    watched = _page(browser, viewport)
    page = watched.page
    _log_in(page, live_server.url, user.username, "/assessments/")
    _no_sideways_scroll(page, viewport)
    _shot(page, f"assess-start-{width}")

    page.get_by_label("年度").select_option("2020")
    page.get_by_label("政策规则包").select_option("national")
    page.get_by_test_id("assess-start").click()

    status = page.get_by_test_id("assess-status")
    expect(status).to_have_attribute("data-status", "queued")
    _shot(page, f"assess-queued-{width}")
    upload_job_run(job_id=str(UploadJob.objects.get(kind="assessment").pk))  # the worker's turn

    expect(status).to_have_attribute("data-status", "done")  # seen by polling, without a reload
    expect(page.get_by_test_id("assess-summary")).to_contain_text("已评估 2 户")
    _no_sideways_scroll(page, viewport)
    _shot(page, f"assess-done-{width}")
    page.get_by_test_id("assess-run").click()
    run = AssessmentRun.objects.get()
    expect(page).to_have_url(f"{live_server.url}/assessments/{run.pk}/")
    assert run.user == user
    watched.clean()
    page.context.close()
