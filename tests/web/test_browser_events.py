"""A village cadre records a sudden event on the household record and includes the household in monitoring at
once, in real headless Chromium at desktop and phone width. Screenshots go to ``/tmp/shots/`` (or
``$JINGZHUN_SHOTS``) for a human to look at."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from jingzhun.accounts.models import Role
from jingzhun.monitoring.models import MonitoringCase
from tests.browser import DESKTOP, PHONE
from tests.factories import TEST_PASSWORD, AreaFactory, HouseholdFactory, IncomeFactory, MemberFactory, UserFactory

SHOTS = Path(os.environ.get("JINGZHUN_SHOTS", "/tmp/shots"))  # noqa: S108 - screenshots for a human, not secrets

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_village_cadre_records_a_flood_and_opens_a_case(live_server, browser: Browser, viewport):
    village = AreaFactory(name="王家村")
    UserFactory(username="cungan", role=Role.VILLAGE, area=village)
    home = HouseholdFactory(village=village, poverty_status="non_poor")
    MemberFactory(household=home, name="赵铁柱", relation="head", labor="ordinary")
    IncomeFactory(household=home, year=2020, wage=Decimal("21000"))
    phone = viewport == PHONE
    context = browser.new_context(
        viewport=viewport, locale="zh-CN", device_scale_factor=2 if phone else 1, is_mobile=phone, has_touch=phone
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    record = f"{live_server.url}/households/{home.household_no}/"

    page.goto(record)
    page.get_by_label("用户名").fill("cungan")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(record)
    form = page.get_by_test_id("event-form")
    expect(form).to_be_visible()
    form.get_by_label("事件类型").select_option(label="自然灾害")
    form.get_by_label("发生日期").fill((timezone.localdate() - dt.timedelta(days=2)).isoformat())
    form.get_by_label("损失（元）").fill("30000")
    form.get_by_label("事件描述").fill("暴雨引发山洪，房屋倒塌")
    form.get_by_label("立即纳入监测").check()
    name = "desktop" if not phone else "phone"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_test_id("events-panel").screenshot(path=SHOTS / f"household-event-form-{name}.png")
    page.screenshot(path=SHOTS / f"household-record-events-{name}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    form.get_by_role("button", name="登记事件").click()
    expect(page.get_by_test_id("messages")).to_contain_text("已纳入监测")
    expect(page.locator("#event-list")).to_contain_text("暴雨引发山洪")
    page.get_by_test_id("events-panel").screenshot(path=SHOTS / f"household-event-recorded-{name}.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    case = MonitoringCase.objects.get(household=home)
    assert (case.category, case.help_tier) == ("sudden", "A")
    assert errors == []
