"""A project from its approval through a fund's allocation, a payment and its completion to its first dividend
paid, in real headless Chromium as the county office, then the household's record shows the dividend."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from jingzhun.accounts.models import Role
from jingzhun.policy.services import assessment_run
from jingzhun.projects.models import Distribution, Stage
from jingzhun.registry.models import Income
from tests.browser import DESKTOP, PHONE
from tests.factories import FundFactory, HouseholdFactory, IncomeFactory, MemberFactory, ProjectFactory
from tests.web.test_browser_pages import _log_in, _no_sideways_scroll, _page, _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _step(page: Page, label: str, on: str) -> None:
    form = page.get_by_test_id("next-step").filter(has_text=label)
    form.get_by_label("日期").fill(on)
    form.get_by_role("button", name=f"办理：{label}").click()
    expect(page.get_by_text("项目环节已登记。")).to_be_visible()


def test_a_project_from_approval_to_its_first_dividend_paid(live_server, browser, users_by_role):
    village = users_by_role.village_a
    home = HouseholdFactory(village=village, poverty_status="exited", year_exited=2019, water_quality_ok=True)
    MemberFactory(household=home, relation="head", labor="ordinary")
    IncomeFactory(household=home, year=2020, wage=Decimal("9000"), dividend=Decimal("0"))
    assessment_run(year=2020, area_prefix=users_by_role.county_a.prefix)
    project = ProjectFactory(
        area=village, year=2020, stage=Stage.DECLARED, declared_on=dt.date(2020, 2, 10), approved_on=None
    )
    fund = FundFactory(area=users_by_role.county_a, year=2020, issued_on=dt.date(2020, 3, 1))

    watched = _page(browser, DESKTOP)
    page = watched.page
    base = live_server.url
    _log_in(page, base, users_by_role[Role.COUNTY].owner.username, f"/projects/p/{project.code}/")
    _step(page, "立项", "2020-03-10")

    page.get_by_test_id("beneficiaries-link").click()
    form = page.get_by_test_id("beneficiary-form")
    form.get_by_label("户编号").fill(home.household_no)
    form.get_by_label("分红").check()
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_text("受益户已保存。")).to_be_visible()

    page.goto(f"{base}/projects/funds/{fund.pk}/")
    form = page.get_by_test_id("allocation-form")
    form.get_by_label("项目编号").fill(project.code)
    form.get_by_label("分配金额（元）").fill("400000")
    form.get_by_label("分配日期").fill("2020-03-12")
    form.get_by_role("button", name="登记分配").click()
    expect(page.get_by_text("资金分配已登记。")).to_be_visible()

    page.goto(f"{base}/projects/p/{project.code}/")
    _step(page, "开工", "2020-04-01")
    page.get_by_test_id("funds-link").click()
    form = page.get_by_test_id("payment-form")
    form.get_by_label("支付金额（元）").fill("400000")
    form.get_by_label("凭证号").fill("记-2020-0001")
    form.get_by_label("支付日期").fill("2020-08-20")
    form.get_by_role("button", name="登记支付").click()
    expect(page.get_by_text("支付已登记。")).to_be_visible()

    page.goto(f"{base}/projects/p/{project.code}/")
    _step(page, "完工", "2020-08-01")
    expect(page.get_by_test_id("funds-progress")).to_have_text("100.0%")
    page.get_by_test_id("dividends-link").click()
    form = page.get_by_test_id("preview-form")
    form.get_by_label("分红年度").fill("2020")
    form.get_by_label("项目收益（元）").fill("10000")
    form.get_by_role("button", name="预览").click()
    page.get_by_role("button", name="批准：分配 6000.00 元").click()
    expect(page.get_by_text("已批准 2020 年分红")).to_be_visible()
    # Approved today: paid out today (a payment is not dated before its approval).
    page.get_by_test_id("pay-form").get_by_label("发放日期").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="登记为已发放").click()
    expect(page.get_by_text("已登记发放。")).to_be_visible()
    assert Distribution.objects.get(project=project).stage == "paid"

    page.goto(f"{base}/households/{home.household_no}/")
    expect(page.get_by_test_id("dividend-share")).to_have_text("6,000.00 元")
    assert Income.objects.get(household=home, year=2020).dividend == Decimal("6000.00")
    _shot(page, "project-dividend-household")
    watched.clean()

    phone = _page(browser, PHONE)
    _log_in(phone.page, base, users_by_role[Role.COUNTY].owner.username, f"/projects/p/{project.code}/")
    _no_sideways_scroll(phone.page, PHONE)
    _shot(phone.page, "project-detail-phone")
    phone.clean()
