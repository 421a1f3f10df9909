"""A helper records a visit on a phone (390×844) in real headless Chromium: my households → one tap → the form.

Screenshots go to ``/tmp/shots/`` (or ``$JINGZHUN_SHOTS``) for a human to look at.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jingzhun.accounts.models import Role
from jingzhun.assistance.models import Visit
from tests.browser import PHONE
from tests.factories import TEST_PASSWORD, AreaFactory, HouseholdFactory, MemberFactory, UserFactory

from .factories import HelperFactory, PairingFactory

SHOTS = Path(os.environ.get("JINGZHUN_SHOTS", "/tmp/shots"))  # noqa: S108 - screenshots for a human, not secrets

pytestmark = pytest.mark.browser


def test_a_helper_records_a_visit_from_a_phone(live_server, browser):
    village = AreaFactory(name="王家村")
    user = UserFactory(username="helper_phone", role=Role.HELPER, area=village, first_name="张帮扶")
    helper = HelperFactory(area=village, user=user, name="张帮扶", unit="县农业农村局")
    for name in ("郝建业", "钱志远"):
        home = HouseholdFactory(village=village)
        MemberFactory(household=home, name=name)
        PairingFactory(helper=helper, household=home, started_on=dt.date(2024, 1, 1))

    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_server.url}/assistance/mine/")
    page.get_by_label("用户名").fill("helper_phone")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server.url}/assistance/mine/")
    expect(page.get_by_role("heading", name="我的帮扶户")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "assistance-mine-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    row = page.locator(".due-item", has_text="郝建业")
    tap = row.get_by_role("link", name="记录走访")
    box = tap.bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb-sized target
    tap.click()
    expect(page.get_by_role("heading", name="记录走访")).to_be_visible()
    page.get_by_label("走访情况").fill("房屋漏雨，家人身体尚好")
    page.get_by_label("农户诉求").fill("希望申请危房改造")
    page.get_by_label("跟进事项").fill("联系住建局核查房屋")
    page.screenshot(path=SHOTS / "assistance-visit-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="保存走访").click()

    expect(page).to_have_url(f"{live_server.url}/assistance/mine/")
    expect(page.get_by_text("走访已记录。")).to_be_visible()
    expect(page.locator("#my-follow-ups")).to_contain_text("联系住建局核查房屋")
    page.screenshot(path=SHOTS / "assistance-mine-after-phone.png", full_page=True)
    visit = Visit.objects.get()
    assert (visit.helper, visit.needs, visit.visited_on) == (helper, "希望申请危房改造", timezone.localdate())
    assert [e for e in errors if "status of 40" not in e] == []
    context.close()
