"""The pages in a real headless Chromium (Debian's, driven by Playwright) against the live server.

Screenshots go to ``/tmp/shots/`` (or ``$JINGZHUN_SHOTS``) for a human to look at. Every page is checked for
Content-Security-Policy violations and script errors, which would mean a chart or HTMX silently not working.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.areas.models import Level
from jingzhun.core.idnumber import mask
from jingzhun.policy.services import assessment_run
from tests.browser import DESKTOP, PHONE
from tests.factories import TEST_PASSWORD, HouseholdFactory, MemberFactory, UserFactory, sample_area

from .conftest import County

SHOTS = Path(os.environ.get("JINGZHUN_SHOTS", "/tmp/shots"))  # noqa: S108 - screenshots for a human, not secrets

pytestmark = pytest.mark.browser


class Watched:
    """A page that records console errors (CSP violations among them) and uncaught script errors."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def clean(self) -> None:
        # A 404 or 403 page logs the failed load of the document itself; that is the point of those pages.
        real = [e for e in self.errors if "status of 404" not in e and "status of 403" not in e]
        assert real == []


def _page(browser: Browser, viewport: dict[str, int]) -> Watched:
    phone = viewport == PHONE
    context = browser.new_context(
        viewport=viewport, locale="zh-CN", device_scale_factor=2 if phone else 1, is_mobile=phone, has_touch=phone
    )
    context.set_default_timeout(15_000)
    return Watched(context.new_page())


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def _log_in(page: Page, base_url: str, username: str, next_path: str = "/", lands_on: str | None = None) -> None:
    page.goto(f"{base_url}{next_path}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base_url}{lands_on or next_path}")


def _no_sideways_scroll(page: Page, viewport: dict[str, int]) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.fixture
def assessed_county(county: County) -> County:
    # Enough households for a second page of the list.
    for _ in range(55):
        MemberFactory(household=HouseholdFactory(village=county.ours))
    county.run = assessment_run(year=2020)
    return county


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_login_leads_to_dashboard_with_charts(live_server, browser, assessed_county, viewport):
    UserFactory(username="xianban", first_name="县办", role=Role.COUNTY, area=sample_area(Level.COUNTY))
    watched = _page(browser, viewport)
    page = watched.page
    size = "desktop" if viewport == DESKTOP else "phone"

    _log_in(page, live_server.url, "xianban")

    expect(page.get_by_role("heading", level=1)).to_have_text("济阳区建档立卡概况")
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="农户档案")).to_be_visible()
    expect(page.get_by_test_id("monitoring-flags")).to_have_text("2")
    for name in ("status", "tiers", "villages"):
        chart = page.locator(f'[data-chart="{name}"]')
        expect(chart).to_have_attribute("data-ready", "true")
        expect(chart.locator("canvas")).to_have_count(1)
    _no_sideways_scroll(page, viewport)
    _shot(page, f"dashboard-{size}")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="评估").click()
    page.locator("#runs").get_by_role("link", name=f"#{assessed_county.run.pk}").click()
    expect(page.locator("#transitions")).to_contain_text("未脱贫")
    page.locator("#transitions tbody tr").first.get_by_role("link").first.click()
    expect(page.locator("#cell")).to_contain_text(assessed_county.poor.household_no)
    _no_sideways_scroll(page, viewport)
    _shot(page, f"run-{size}")
    watched.clean()
    page.context.close()


def test_search_and_filters_update_the_list_in_place(live_server, browser, assessed_county, village_user):
    watched = _page(browser, DESKTOP)
    page = watched.page
    _log_in(page, live_server.url, village_user.username, "/households/")
    rows = page.locator("#households tbody tr")
    expect(rows).to_have_count(50)
    page.get_by_role("link", name="下一页").click()
    expect(rows).to_have_count(7)
    assert "after=" in page.url
    page.get_by_role("link", name="第一页").click()
    expect(rows).to_have_count(50)

    # Typing searches without a submit: HTMX swaps the results and keeps the URL shareable.
    page.get_by_label("查找").fill("建业")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("郝建业")
    expect(page).to_have_url(f"{live_server.url}/households/?q=%E5%BB%BA%E4%B8%9A&village=&status=&tier=&failed=&flag=")
    _shot(page, "search-desktop")

    page.get_by_label("查找").fill("")
    expect(rows).to_have_count(50)
    page.get_by_label("未达标指标").select_option("water_ok")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(assessed_county.poor.household_no)
    page.get_by_label("未达标指标").select_option("")
    page.get_by_label("预警标记").select_option("monitoring_flag")
    expect(rows).to_have_count(1)
    page.get_by_label("贫困户状态").select_option("exited")
    expect(page.get_by_role("status")).to_contain_text("没有符合搜索和筛选条件的户")
    _shot(page, "filters-empty-desktop")

    # The page works as a plain GET too (bookmarks, no JavaScript).
    page.goto(f"{live_server.url}/households/?q={assessed_county.poor.household_no}")
    expect(rows).to_have_count(1)
    watched.clean()
    page.context.close()


def test_household_record_with_assessment_and_unmasking(live_server, browser, assessed_county, unmasking_user):
    watched = _page(browser, DESKTOP)
    page = watched.page
    poor = assessed_county.poor
    _log_in(page, live_server.url, unmasking_user.username, "/households/")
    page.get_by_label("查找").fill("郝晓梅")
    page.locator("#households").get_by_role("link", name=poor.household_no).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("郝建业户")
    members = page.locator("#members tbody tr")
    expect(members).to_have_count(2)
    numbers = sorted(poor.members.values_list("id_number", flat=True))
    for number in numbers:
        expect(page.locator("#members")).to_contain_text(mask(number))
    expect(page.locator("#indicators")).to_contain_text("饮水水质不达标")
    expect(page.locator("#triggers")).to_contain_text("低于监测范围")
    expect(page.locator("#status-history")).to_contain_text("建档立卡识别")
    expect(page.get_by_test_id("monitoring-panel")).to_contain_text("该户从未作为监测对象")
    expect(page.get_by_test_id("assistance-panel")).to_contain_text("尚未结对")
    _shot(page, "record-desktop")

    page.get_by_role("button", name="显示完整号码").click()
    for number in numbers:
        expect(page.locator("#members")).to_contain_text(number)
    expect(page.locator("#members")).to_contain_text("本次查看已记录")
    assert AccessLog.objects.filter(action="unmask", user=unmasking_user).count() == 1
    _shot(page, "record-unmasked-desktop")
    watched.clean()
    page.context.close()


def test_household_of_another_area_is_refused(live_server, browser, assessed_county, village_user):
    watched = _page(browser, DESKTOP)
    page = watched.page
    _log_in(page, live_server.url, village_user.username)
    response = page.goto(f"{live_server.url}/households/{assessed_county.other.household_no}/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("alert")).to_contain_text("未找到")
    expect(page.locator("body")).not_to_contain_text("邓海燕")
    _shot(page, "refused-cross-area")

    page.goto(f"{live_server.url}/households/?q={assessed_county.other.household_no}")
    expect(page.get_by_role("status")).to_contain_text("没有符合搜索和筛选条件的户")
    watched.clean()
    page.context.close()


def test_department_clerk_is_refused_household_pages(live_server, browser, assessed_county):
    clerk = UserFactory(role=Role.DEPARTMENT, area=assessed_county.ours)
    watched = _page(browser, DESKTOP)
    page = watched.page
    # A department clerk lands on the lists it receives, not on the dashboard of people data.
    _log_in(page, live_server.url, clerk.username, lands_on=reverse("crosscheck:batch_list"))
    # The clerk's navigation has only their own account's page: no people-data pages.
    navigation = page.get_by_role("navigation", name="主导航")
    expect(navigation.get_by_role("link", name="农户档案")).to_have_count(0)
    expect(navigation.get_by_role("link", name="修改密码")).to_have_count(1)
    response = page.goto(f"{live_server.url}/households/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("alert")).to_contain_text("无权")
    watched.clean()
    page.context.close()


def test_record_and_list_read_well_on_a_phone(live_server, browser, assessed_county, village_user):
    watched = _page(browser, PHONE)
    page = watched.page
    _log_in(page, live_server.url, village_user.username, "/households/")
    _no_sideways_scroll(page, PHONE)
    # On a phone each household is a card whose cells carry their column names.
    first = page.locator("#households tbody tr").first
    expect(first).to_be_visible()
    assert first.bounding_box()["width"] <= PHONE["width"]
    _shot(page, "list-phone")

    page.goto(f"{live_server.url}/households/{assessed_county.poor.household_no}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("郝建业户")
    _no_sideways_scroll(page, PHONE)
    member = page.locator("#members tbody tr").first
    box = member.bounding_box()
    assert box is not None
    assert box["width"] <= PHONE["width"]
    _shot(page, "record-phone")
    watched.clean()
    page.context.close()
