"""The population table in real headless Chromium: from the nav to the table, down to a town and to the households
behind a village's figure; readable on a phone without the page scrolling sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from jingzhun.accounts.models import Role
from tests.browser import DESKTOP, PHONE
from tests.web.test_browser_pages import _log_in, _no_sideways_scroll, _page, _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_from_the_nav_to_a_town_and_to_the_households_behind_a_figure(live_server, browser, users_by_role, county):
    watched = _page(browser, DESKTOP)
    page = watched.page
    _log_in(page, live_server.url, users_by_role[Role.COUNTY].owner.username, "/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="统计报表").click()
    page.get_by_role("link", name="建档立卡人口分布表（按贫困户状态和属性）").click()
    table = page.get_by_test_id("report-table")
    total = table.locator(f"tr[data-code='{users_by_role.county_a.code}']")
    expect(total).to_contain_text("合计")
    expect(total.locator("td").first).to_have_text("8")
    _shot(page, "reports-population-desktop")
    table.get_by_role("link", name=f"{users_by_role.town_a.name}小计").click()
    expect(table.locator("tbody tr")).to_have_count(3)  # the town and its two villages
    village = table.locator(f"tr[data-code='{users_by_role.village_a.code}']")
    village.locator("td").nth(4).get_by_role("link").click()  # 未脱贫 户数: after 合计 and 非贫困户
    expect(page).to_have_url(f"{live_server.url}/households/?status=not_exited&village={users_by_role.village_a.code}")
    expect(page.locator("#households tbody tr")).to_have_count(1)  # the one household the figure counted
    watched.clean()
    page.context.close()


def test_the_table_on_a_phone_scrolls_inside_its_frame(live_server, browser, users_by_role, county):
    watched = _page(browser, PHONE)
    page = watched.page
    _log_in(page, live_server.url, users_by_role[Role.TOWN].owner.username, "/reports/population/")
    expect(page.get_by_test_id("report-table")).to_contain_text("合计")
    _no_sideways_scroll(page, PHONE)
    _shot(page, "reports-population-phone")
    watched.clean()
    page.context.close()
