"""The payment pages in real headless Chromium: a payments file uploaded, its progress shown while it waits, then
the result and the report; a payment entered at the window; the list and the form at desk and phone width."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from jingzhun.accounts.models import Role
from jingzhun.benefits.models import Payment
from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import upload_job_run
from jingzhun.registry.models import Income
from tests.browser import DESKTOP, PHONE
from tests.factories import PaymentFactory
from tests.web.test_browser_pages import _log_in, _no_sideways_scroll, _page, _shot

from .payment_files import payment_row, write

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_upload_shows_its_progress_then_the_result(live_server, browser, users_by_role, covered_household, tmp_path):
    # The default task backend queues the job and no worker runs here: the page waits until the test runs it.
    son = covered_household.members.get(relation="son")
    path = write(
        tmp_path / "九月发放.xlsx",
        [payment_row("B01", covered_household, son), payment_row("B06", covered_household, son)],
    )
    watched = _page(browser, DESKTOP)
    page = watched.page
    _log_in(page, live_server.url, users_by_role[Role.COUNTY].owner.username, "/benefits/payments/import/")
    _shot(page, "payments-import")
    page.get_by_label("发放记录文件（.xlsx 或 .csv）").set_input_files(str(path))
    page.get_by_role("button", name="导入").click()
    status = page.get_by_test_id("import-status")
    expect(status).to_have_attribute("data-status", "queued")
    expect(status.locator("progress")).to_be_visible()
    _shot(page, "payments-import-waiting")
    upload_job_run(job_id=str(UploadJob.objects.get().pk))
    expect(status).to_have_attribute("data-status", "done")  # htmx polled the page
    expect(page.get_by_test_id("import-summary")).to_contain_text("新登记发放 1 笔（3,000.00 元）")
    expect(page.get_by_test_id("import-summary")).to_contain_text("未导入 1 行")
    _shot(page, "payments-import-done")
    with page.expect_download() as download:
        page.get_by_test_id("import-report").click()
    assert download.value.suggested_filename == "九月发放.错误报告.xlsx"
    assert Payment.objects.get().benefit == "B01"
    watched.clean()
    page.context.close()


def test_a_payment_entered_at_the_window_shows_in_the_list(live_server, browser, users_by_role, covered_household):
    before = Income.objects.get(household=covered_household, year=2025).dibao
    watched = _page(browser, DESKTOP)
    page = watched.page
    _log_in(page, live_server.url, users_by_role[Role.COUNTY].owner.username, "/benefits/payments/new/")
    page.get_by_label("户编号").fill(covered_household.household_no)
    page.get_by_role("button", name="查找").click()
    form = page.get_by_test_id("payment-form")
    form.get_by_label("政策").select_option("B06")
    form.get_by_label("金额（元）").fill("1200.50")
    form.get_by_label("发放日期").fill("2025-06-30")
    _shot(page, "payments-form")
    form.get_by_role("button", name="登记发放").click()
    expect(page.get_by_test_id("messages")).to_contain_text("已登记：农村低保，1,200.50 元")
    expect(page.get_by_test_id("payment-count")).to_have_text("1")
    assert Income.objects.get(household=covered_household, year=2025).dibao == before + Decimal("1200.50")
    for day in range(1, 8):
        PaymentFactory(member=covered_household.members.get(relation="son"), paid_on=dt.date(2025, 3, day))
    page.goto(f"{live_server.url}/benefits/payments/")
    _shot(page, "payments-list")
    watched.clean()
    page.context.close()

    phone = _page(browser, PHONE)
    _log_in(phone.page, live_server.url, users_by_role[Role.COUNTY].owner.username, "/benefits/payments/")
    _no_sideways_scroll(phone.page, PHONE)
    _shot(phone.page, "payments-list-phone")
    phone.page.goto(f"{live_server.url}/benefits/payments/new/?household={covered_household.household_no}")
    _no_sideways_scroll(phone.page, PHONE)
    _shot(phone.page, "payments-form-phone")
    phone.page.goto(f"{live_server.url}/benefits/payments/import/")
    _no_sideways_scroll(phone.page, PHONE)
    _shot(phone.page, "payments-import-phone")
    phone.clean()
