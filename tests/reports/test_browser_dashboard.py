"""The leadership dashboard in real headless Chromium at each level: the county's, down to a town's and a village's
by their names, and from a figure to the list behind it; the charts drawn; a phone without sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from jingzhun.accounts.models import Role
from tests.browser import DESKTOP, PHONE
from tests.web.test_browser_pages import _log_in, _no_sideways_scroll, _page, _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_from_the_county_down_to_a_village_and_to_the_households_behind_a_figure(
    live_server, browser, users_by_role, county
):
    watched = _page(browser, DESKTOP)
    page = watched.page
    _log_in(page, live_server.url, users_by_role[Role.COUNTY].owner.username, "/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="统计报表").click()
    page.get_by_test_id("dashboard-link").click()
    expect(page.get_by_test_id("dashboard-title")).to_contain_text(users_by_role.county_a.name)
    expect(page.locator("[data-chart='exits'][data-ready='true']")).to_have_count(1)
    _shot(page, "dashboard-county-desktop")
    page.get_by_test_id("dash-children").get_by_role("link", name=users_by_role.town_a.name, exact=True).click()
    expect(page.get_by_test_id("dashboard-title")).to_contain_text(users_by_role.town_a.name)
    page.get_by_test_id("dash-children").get_by_role("link", name=users_by_role.village_a.name, exact=True).click()
    expect(page.get_by_test_id("dashboard-title")).to_contain_text(users_by_role.village_a.name)
    _shot(page, "dashboard-village-desktop")
    figure = page.get_by_test_id("dash-registry").get_by_role("link").filter(has_text="未脱贫")
    expect(figure.locator(".stat__value")).to_contain_text("1")
    figure.click()
    expect(page).to_have_url(f"{live_server.url}/households/?status=not_exited&village={users_by_role.village_a.code}")
    expect(page.locator("#households tbody tr")).to_have_count(1)
    watched.clean()
    page.context.close()


def test_a_town_dashboard_on_a_phone_draws_its_charts_without_sideways_scrolling(
    live_server, browser, users_by_role, county
):
    watched = _page(browser, PHONE)
    page = watched.page
    _log_in(page, live_server.url, users_by_role[Role.TOWN].owner.username, "/reports/dashboard/")
    expect(page.get_by_test_id("dashboard-title")).to_contain_text(users_by_role.town_a.name)
    expect(page.locator("[data-chart='exits'][data-ready='true']")).to_have_count(1)
    _no_sideways_scroll(page, PHONE)
    _shot(page, "dashboard-town-phone")
    watched.clean()
    page.context.close()
