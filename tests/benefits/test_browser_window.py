"""The one window in real headless Chromium: a town clerk finds a household and takes an application for 雨露计划
(B01); the rural revitalization bureau's clerk approves it and records the payment; the household's payment
shows and its income of the year grew by the amount. Then the window at phone width."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jingzhun.accounts.models import Role
from jingzhun.benefits.models import Application, ApplicationStage
from jingzhun.registry.models import Income
from tests.browser import DESKTOP, PHONE
from tests.web.test_browser_pages import _log_in, _no_sideways_scroll, _page, _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _other_transfer(household, year):
    income = Income.objects.filter(household=household, year=year).first()
    return income.other_transfer if income is not None else Decimal(0)


def test_an_application_from_the_window_to_its_payment(
    live_server, browser, users_by_role, covered_household, department_clerk
):
    town = users_by_role[Role.TOWN].owner
    clerk = department_clerk("rural_revitalization")
    son = covered_household.members.get(relation="son")
    today = timezone.localdate()
    before = _other_transfer(covered_household, today.year)
    base = live_server.url

    watched = _page(browser, DESKTOP)
    page = watched.page
    _log_in(page, base, town.username, "/benefits/window/")
    page.get_by_label("查找").fill(covered_household.household_no)
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name=covered_household.household_no).click()
    row = page.get_by_test_id("entitlements").locator('tr[data-benefit="B01"]')
    expect(row).to_contain_text("未享")
    expect(row).to_contain_text("3,000.00")
    _shot(page, "window-household")
    row.get_by_role("link", name="申请").click()
    form = page.get_by_test_id("application-form")
    expect(form.get_by_label("申请金额（元）")).to_have_value("3000.00")
    form.get_by_label("学籍证明").check()
    form.get_by_label("身份证").check()
    form.get_by_role("button", name="受理").click()
    expect(page.get_by_test_id("messages")).to_contain_text("转乡村振兴局审批")
    application = Application.objects.get()
    assert (application.member, application.stage) == (son, ApplicationStage.SUBMITTED)
    watched.clean()

    watched = _page(browser, DESKTOP)
    page = watched.page
    _log_in(page, base, clerk.username, "/benefits/applications/")
    queue_row = page.get_by_test_id("queue").locator(f'tr[data-application="{application.pk}"]')
    expect(queue_row).to_contain_text("已受理")
    _shot(page, "window-queue")
    queue_row.get_by_role("link", name=str(application.pk)).click()
    decide = page.get_by_test_id("step-decide")
    decide.get_by_label("批准", exact=True).check()
    decide.get_by_role("button", name="登记审批结果").click()
    expect(page.get_by_test_id("stage")).to_have_text("已批准")
    pay = page.get_by_test_id("step-pay")
    expect(pay.get_by_label("发放金额（元）")).to_have_value("3000.00")
    pay.get_by_role("button", name="登记为已发放").click()
    expect(page.get_by_test_id("stage")).to_have_text("已发放")
    _shot(page, "window-application-paid")

    page.get_by_role("link", name=covered_household.household_no).click()
    payments = page.get_by_test_id("household-payments")
    expect(payments).to_contain_text("雨露计划")
    expect(payments).to_contain_text("3,000.00")
    expect(page.get_by_test_id("entitlements").locator('tr[data-benefit="B01"]')).to_contain_text("已享")
    assert _other_transfer(covered_household, today.year) == before + Decimal("3000")
    watched.clean()


def test_the_window_at_phone_width(live_server, browser, users_by_role, covered_household):
    town = users_by_role[Role.TOWN].owner
    base = live_server.url
    phone = _page(browser, PHONE)
    _log_in(phone.page, base, town.username, f"/benefits/window/?q={covered_household.household_no}")
    _no_sideways_scroll(phone.page, PHONE)
    _shot(phone.page, "window-search-phone")
    phone.page.goto(f"{base}/benefits/window/{covered_household.household_no}/?benefit=B01")
    _no_sideways_scroll(phone.page, PHONE)
    expect(phone.page.get_by_test_id("application-form")).to_be_visible()
    _shot(phone.page, "window-household-phone")
    phone.clean()
