"""Importing a ledger with an error from the browser, in real headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.areas.models import Level
from jingzhun.registry.models import Household
from tests.browser import DESKTOP
from tests.factories import UserFactory, sample_area
from tests.registry.ledger_files import family, write_csv

from .test_browser_pages import _log_in, _page, _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_import_with_an_error_reports_it_and_offers_the_report(live_server, browser, tmp_path):
    user = UserFactory(role=Role.COUNTY, area=sample_area(Level.COUNTY))
    ledger = write_csv(tmp_path / "三月台账.csv", family("H001") + family("H002", 证件号码="370125198001010000"))
    watched = _page(browser, DESKTOP)
    page = watched.page
    _log_in(page, live_server.url, user.username, "/imports/")

    page.get_by_label("台账文件（.xlsx 或 .csv）").set_input_files(str(ledger))
    page.get_by_role("button", name="导入").click()

    status = page.get_by_test_id("import-status")
    expect(status).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("import-summary")).to_contain_text("新建 1 户")
    expect(page.get_by_test_id("import-summary")).to_contain_text("未导入 1 户")
    _shot(page, "import-with-error")
    with page.expect_download() as download:
        page.get_by_test_id("import-report").click()
    assert download.value.suggested_filename == "三月台账.错误报告.xlsx"
    assert list(Household.objects.values_list("household_no", flat=True)) == ["H001"]
    assert AccessLog.objects.filter(user=user, action=AccessLog.Action.EXPORT).exists()
    watched.clean()
    page.context.close()
