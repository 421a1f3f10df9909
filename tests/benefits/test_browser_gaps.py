"""The 应享未享 page in real headless Chromium as the county office: compute now, filter by a department count,
the list at desktop and phone width (no sideways scroll)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from jingzhun.accounts.models import Role
from jingzhun.registry.vocab import HousingGrade
from tests.browser import DESKTOP, PHONE
from tests.web.test_browser_pages import _log_in, _no_sideways_scroll, _page

from .entitlement_helpers import YEAR, household, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("JINGZHUN_SHOTS", "/tmp/jz/shots-engine"))  # noqa: S108 - screenshots for a human


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_compute_and_read_the_gaps(live_server, browser, users_by_role, viewport):
    for n in range(3):
        home = household(users_by_role.village_a, housing_grade=HousingGrade.D if n == 0 else "A")
        member(home, born=dt.date(1975 + n, 3, 1))
        member(home, born=dt.date(2008, 3, 1))
    watched = _page(browser, viewport)
    page = watched.page
    base = live_server.url
    _log_in(page, base, users_by_role[Role.COUNTY].owner.username, f"/benefits/gaps/?year={YEAR}")
    expect(page.get_by_text("本年度的应享政策尚未计算。")).to_be_visible()
    page.get_by_role("button", name="立即计算").click()
    expect(page.get_by_test_id("gap-list")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = "desktop" if viewport == DESKTOP else "phone"
    page.screenshot(path=SHOTS / f"gaps-{name}.png", full_page=True)
    _no_sideways_scroll(page, viewport)
    page.get_by_test_id("by-department").get_by_role("link").first.click()
    expect(page.get_by_test_id("gap-list")).to_be_visible()
    page.goto(f"{base}/benefits/gaps/unentitled/?year={YEAR}")
    page.screenshot(path=SHOTS / f"unentitled-{name}.png", full_page=True)
    _no_sideways_scroll(page, viewport)
