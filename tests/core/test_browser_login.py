"""Log in through a real headless Chromium (Debian's, driven by Playwright) against the live server.

Screenshots go to ``test-artifacts/`` for a human to look at. Without ``/usr/bin/chromium`` the tests skip,
except in CI where a missing browser is a failure.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from jingzhun.accounts.models import Role
from jingzhun.registry.vocab import PovertyStatus
from tests.browser import DESKTOP, PHONE
from tests.factories import TEST_PASSWORD, AreaFactory, HouseholdFactory, MemberFactory, UserFactory

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.browser


def _page(browser: Browser, viewport: dict[str, int]) -> Page:
    context = browser.new_context(
        viewport=viewport,
        locale="zh-CN",
        device_scale_factor=2 if viewport == PHONE else 1,
        is_mobile=viewport == PHONE,
        has_touch=viewport == PHONE,
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def _screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def _log_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/")
    expect(page).to_have_url(f"{base_url}/accounts/login/?next=/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


@pytest.fixture
def village_user():
    village = AreaFactory(name="王家村", population=1260)
    statuses = [PovertyStatus.NOT_EXITED, PovertyStatus.RELAPSED] + [PovertyStatus.EXITED] * 4
    statuses += [PovertyStatus.EXITED_NO_POLICY, PovertyStatus.PRE_EXIT, PovertyStatus.NON_POOR]
    for i, status in enumerate(statuses):
        household = HouseholdFactory(village=village, poverty_status=status)
        MemberFactory.create_batch(1 + i % 4, household=household)
    return UserFactory(username="wangjiacun", first_name="王建国", role=Role.VILLAGE, area=village)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_village_user_logs_in_and_sees_summary_in_chinese(live_server, browser, village_user, viewport):
    page = _page(browser, viewport)
    size = "desktop" if viewport == DESKTOP else "phone"
    page.goto(f"{live_server.url}/accounts/login/")
    _screenshot(page, f"login-{size}")

    _log_in(page, live_server.url, "wangjiacun", TEST_PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("王家村建档立卡概况")
    expect(page.get_by_test_id("total-households")).to_have_text("9")
    expect(page.get_by_test_id("total-people")).to_have_text("21")
    status_table = page.locator("#by-status")
    for label in ["未脱贫", "返贫", "预脱贫", "已脱贫(享受政策)", "已脱贫(不再享受政策)", "非贫困户"]:
        expect(status_table.get_by_role("rowheader", name=label, exact=True)).to_be_visible()
    village_row = page.locator("#by-village tbody tr")
    expect(village_row).to_have_count(1)
    expect(village_row).to_contain_text("王家村")
    expect(village_row).to_contain_text("1260")
    expect(page.locator(".account")).to_contain_text("王建国")
    expect(page.locator(".account")).to_contain_text("村 · 王家村")
    # Nothing sticks out sideways on a phone: wide tables scroll inside their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    _screenshot(page, f"home-{size}")

    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    page.context.close()


def test_wrong_password_shows_chinese_error(live_server, browser, village_user):
    page = _page(browser, PHONE)

    _log_in(page, live_server.url, "wangjiacun", "not-the-password")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("请输入一个正确的用户名和密码")
    expect(page.get_by_label("用户名")).to_have_value("wangjiacun")
    _screenshot(page, "login-error-phone")
    page.context.close()
