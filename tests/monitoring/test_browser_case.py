"""A monitoring case from discovery to the county's decision, in real headless Chromium: each step taken on the
case's page by the role that takes it, with the attachments uploaded from the browser."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from jingzhun.accounts.models import Role
from jingzhun.monitoring.models import MonitoringCase, Stage
from tests.browser import DESKTOP, PHONE
from tests.web.test_browser_pages import _log_in, _no_sideways_scroll, _page, _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _days_ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def _as(browser, live_server, user, path: str, viewport=DESKTOP):
    watched = _page(browser, viewport)
    _log_in(watched.page, live_server.url, user.username, path)
    return watched


def _step(page: Page, label: str, days_ago: int, **fields: str) -> None:
    form = page.get_by_test_id("next-step")
    form.get_by_label("日期").fill(_days_ago(days_ago))
    for name, value in fields.items():
        if name == "files":
            form.locator("input[type=file]").set_input_files(value)
        else:
            form.get_by_label(name, exact=True).fill(value)
    form.get_by_role("button", name=f"办理：{label}").click()
    expect(page.get_by_test_id("messages")).to_contain_text(f"已办理「{label}」")


def test_a_case_goes_from_discovery_to_the_county_decision(live_server, browser, users_by_role, household, tmp_path):
    photo = tmp_path / "签字照片.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 a photo")

    village = _as(
        browser, live_server, users_by_role[Role.VILLAGE].owner, f"/monitoring/open/?household={household.household_no}"
    )
    page = village.page
    page.get_by_label("农户自主申报").check()
    page.get_by_label("发现日期").fill(_days_ago(20))
    page.get_by_label("备注").fill("户主住院，申请纳入监测")
    _shot(page, "monitoring-open-desktop")
    page.get_by_role("button", name="登记发现").click()
    expect(page).to_have_url(re.compile(r"/monitoring/\d+/$"))
    case_path = page.url.removeprefix(live_server.url)
    _step(page, "入户核实", 19)
    _step(page, "签署授权承诺", 18, files=str(photo))
    expect(page.get_by_test_id("waiting")).to_have_text("待县级、乡镇办理")
    village.clean()
    page.context.close()

    town = _as(browser, live_server, users_by_role[Role.TOWN].owner, case_path)
    _step(town.page, "数据比对", 17, 比对结果="民政、医保、人社数据无异常")
    town.clean()
    town.page.context.close()

    village = _as(browser, live_server, users_by_role[Role.VILLAGE].owner, case_path)
    _step(village.page, "村级民主评议", 16, files=str(photo))
    _step(village.page, "村级公示", 15, files=str(photo))
    village.clean()
    village.page.context.close()

    town = _as(browser, live_server, users_by_role[Role.TOWN].owner, case_path)
    _step(town.page, "乡镇审核", 9)
    town.clean()
    town.page.context.close()

    county = _as(browser, live_server, users_by_role[Role.COUNTY].owner, case_path)
    page = county.page
    _shot(page, "monitoring-decide-desktop")
    page.get_by_label("监测对象类别").select_option(label="边缘易致贫户")
    page.get_by_label("01 因病").check()
    _step(page, "县级确定", 8)
    expect(page.get_by_test_id("case-stage")).to_have_text("监测帮扶中")
    expect(page.get_by_test_id("history").locator("[data-testid=attachment]")).to_have_count(3)
    _shot(page, "monitoring-case-desktop")
    page.goto(f"{live_server.url}/monitoring/")
    expect(page.locator("#cases")).to_contain_text(household.household_no)
    _shot(page, "monitoring-list-desktop")
    county.clean()
    page.context.close()

    case = MonitoringCase.objects.get(household=household)
    assert (case.stage, case.category, case.risk_types, case.help_tier) == (Stage.MONITORED, "marginal", ["01"], "B")

    for path, name in ((case_path, "case"), ("/monitoring/", "list"), ("/monitoring/instant-help/", "instant-help")):
        phone = _as(browser, live_server, users_by_role[Role.COUNTY].owner, path, PHONE)
        _shot(phone.page, f"monitoring-{name}-phone")
        _no_sideways_scroll(phone.page, PHONE)
        phone.clean()
        phone.page.context.close()
