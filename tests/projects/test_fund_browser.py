"""The fund pages in real headless Chromium at desktop and phone width: a town office records a payment with its
voucher scan from the project's page; the progress page, the fund, the project and the early-disbursement page
show without sideways scrolling (wide tables scroll inside their frame). Screenshots go to /tmp/shots/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jingzhun.accounts.models import Role
from jingzhun.projects.models import Payment, ProjectLevel
from tests.browser import DESKTOP, PHONE
from tests.factories import FundFactory, ProjectFactory
from tests.web.test_browser_pages import _log_in, _no_sideways_scroll, _page, _shot

from .fund_data import PDF, allocate, pay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_fund_pages_on_a_desktop_and_a_phone(live_server, browser, users_by_role, project, tmp_path):
    county = users_by_role.county_a
    central = FundFactory(area=county, amount=Decimal("3000000"))
    province = FundFactory(area=county, source="province", amount=Decimal("2000000"), issued_on=dt.date(2024, 12, 5))
    allocation = allocate(central, project, "800000.00")
    pay(pay(allocation, "200000.00").allocation, "150000.00", on=dt.date(2025, 8, 1))
    county_project = ProjectFactory(area=county, level=ProjectLevel.COUNTY, name="县级冷链物流中心")
    pay(allocate(province, county_project, "1500000.00"), "1200000.00", on=dt.date(2025, 2, 1))
    scan = tmp_path / "凭证.pdf"
    scan.write_bytes(PDF)

    town = _page(browser, PHONE)
    _log_in(
        town.page, live_server.url, users_by_role[Role.TOWN].owner.username, f"/projects/funds/project/{project.code}/"
    )
    form = town.page.get_by_test_id("payment-form")
    form.get_by_label("支付金额（元）").fill("1000.50")
    form.get_by_label("凭证号").fill("记-2025-0815")
    form.get_by_label("支付日期").fill(timezone.localdate().isoformat())
    form.locator("input[type=file]").set_input_files(str(scan))
    form.get_by_role("button", name="登记支付").click()
    expect(town.page.get_by_text("支付已登记。")).to_be_visible()
    town.clean()
    assert Payment.objects.get(voucher_no="记-2025-0815").attachments.count() == 1

    for viewport, size in ((DESKTOP, "desktop"), (PHONE, "phone")):
        watched = _page(browser, viewport)
        page = watched.page
        _log_in(page, live_server.url, users_by_role[Role.COUNTY].owner.username, "/projects/funds/?year=2025")
        for path, name in (
            ("/projects/funds/?year=2025", "index"),
            (f"/projects/funds/{central.pk}/", "fund"),
            (f"/projects/funds/project/{project.code}/", "project"),
            ("/projects/funds/early/?year=2025", "early"),
        ):
            page.goto(f"{live_server.url}{path}")
            _no_sideways_scroll(page, viewport)
            _shot(page, f"funds-{name}-{size}")
        watched.clean()
