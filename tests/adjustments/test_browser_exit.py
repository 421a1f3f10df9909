"""An exit from the village's application to the county's decision in real headless Chromium, then the
household's record, the dashboard and the next assessment show it; a member removed, and the household's size and
income per person follow."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from jingzhun.accounts.models import Role
from jingzhun.adjustments.models import AdjustmentCase
from jingzhun.policy.selectors import household_result_latest
from jingzhun.policy.services import assessment_run
from tests.browser import DESKTOP, PHONE
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory
from tests.web.test_browser_pages import _log_in, _no_sideways_scroll, _page, _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _days_ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def _as(browser, live_server, user, path: str, viewport=DESKTOP):
    watched = _page(browser, viewport)
    _log_in(watched.page, live_server.url, user.username, path)
    return watched


def _step(page: Page, label: str, days_ago: int, *, files: str = "", **fields: str) -> None:
    form = page.get_by_test_id("next-step")
    form.get_by_label("日期").fill(_days_ago(days_ago))
    if files:
        form.locator("input[type=file]").set_input_files(files)
    for name, value in fields.items():
        form.get_by_label(name, exact=True).fill(value)
    form.get_by_role("button", name=f"办理：{label}").click()
    expect(page.get_by_test_id("messages")).to_contain_text(f"已办理「{label}」")


def _close(watched) -> None:
    watched.clean()
    watched.page.context.close()


@pytest.fixture
def household(users_by_role):
    """A household of village A that has not exited and meets the standard: two workers, safe water."""
    home = HouseholdFactory(
        village=users_by_role.village_a,
        poverty_status="not_exited",
        year_exited=None,
        water_quality_ok=True,
        water_lpd=Decimal("60"),
        water_piped=True,
        water_supply_rate=Decimal("95"),
    )
    MemberFactory(
        household=home, relation="head", name="王建国", labor="ordinary", medical_insurance="resident", school_status=""
    )
    MemberFactory(
        household=home,
        relation="spouse",
        name="李秀英",
        labor="ordinary",
        medical_insurance="resident",
        school_status="",
    )
    IncomeFactory(household=home, year=2020, wage=Decimal("30000"), business_income=0, business_expense=0, pension=0)
    return home


def test_an_exit_and_a_member_removal_reach_the_record_the_dashboard_and_the_next_assessment(
    live_server, browser, users_by_role, household, tmp_path
):
    assessment_run(year=2020)
    minutes = tmp_path / "评议会议记录.jpg"
    minutes.write_bytes(b"\xff\xd8\xff\xe0 minutes")
    number = household.household_no

    village = _as(browser, live_server, users_by_role[Role.VILLAGE].owner, f"/households/{number}/")
    page = village.page
    page.get_by_test_id("apply-adjustment").click()
    page.get_by_label("调整类型").select_option(label="脱贫")
    page.get_by_label("申请日期").fill(_days_ago(20))
    page.get_by_label("调整原因").fill("两人在县内务工，收入稳定，申请脱贫")
    _shot(page, "adjustment-apply-desktop")
    page.get_by_role("button", name="登记申请").click()
    expect(page).to_have_url(re.compile(r"/adjustments/\d+/$"))
    case_path = page.url.removeprefix(live_server.url)
    _step(page, "村级民主评议", 19, files=str(minutes))
    _step(page, "村级公示", 18, files=str(minutes))
    expect(page.get_by_test_id("waiting")).to_have_text("待乡镇办理")
    _close(village)

    town = _as(browser, live_server, users_by_role[Role.TOWN].owner, case_path)
    _step(town.page, "乡镇审核", 10)
    _close(town)

    county = _as(browser, live_server, users_by_role[Role.COUNTY].owner, case_path)
    page = county.page
    _shot(page, "adjustment-decide-desktop")
    _step(page, "县级决定", 9, 决定文号="某县扶发〔2026〕3号")
    expect(page.get_by_test_id("case-stage")).to_have_text("县级已决定")
    expect(page.get_by_test_id("decision-no")).to_have_text("某县扶发〔2026〕3号")
    _shot(page, "adjustment-case-desktop")

    page.goto(f"{live_server.url}/households/{number}/")
    expect(page.locator(".page-head .status-pill")).to_contain_text("已脱贫")
    expect(page.locator("#status-history")).to_contain_text("某县扶发〔2026〕3号")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("exit-eligible")).to_have_text("1")  # the run before the decision
    assessment_run(year=2020)  # the next assessment
    page.reload()
    expect(page.get_by_test_id("exit-eligible")).to_have_text("0")
    _close(county)
    result = household_result_latest(household=household)
    assert (result.poverty_status, result.exit_eligible) == ("exited", False)
    assert result.income_per_capita == Decimal("15000.00")

    # The spouse dies: removed by the village's application, the town's review and the county's decision.
    village = _as(browser, live_server, users_by_role[Role.VILLAGE].owner, f"/adjustments/new/{number}/")
    page = village.page
    page.get_by_label("调整类型").select_option(label="减少成员")
    page.get_by_label("申请日期").fill(_days_ago(8))
    page.get_by_label("调整原因").fill("李秀英因病去世")
    page.get_by_label("涉及成员").select_option(label="李秀英（配偶）")
    page.get_by_label("减少后的成员状态").select_option(label="死亡")
    page.get_by_role("button", name="登记申请").click()
    expect(page).to_have_url(re.compile(r"/adjustments/\d+/$"))
    removal_path = page.url.removeprefix(live_server.url)
    _close(village)
    town = _as(browser, live_server, users_by_role[Role.TOWN].owner, removal_path)
    _step(town.page, "乡镇审核", 7)
    _close(town)
    county = _as(browser, live_server, users_by_role[Role.COUNTY].owner, removal_path)
    _step(county.page, "县级决定", 6, 决定文号="某县扶发〔2026〕4号")
    county.page.goto(f"{live_server.url}/households/{number}/")
    expect(county.page.locator(".facts")).to_contain_text("在册人数1")
    _close(county)
    assessment_run(year=2020)
    result = household_result_latest(household=household)
    assert (result.size, result.income_per_capita) == (1, Decimal("30000.00"))
    assert AdjustmentCase.objects.filter(household=household, stage="decided").count() == 2

    for path, name in ((case_path, "case"), ("/adjustments/", "list"), ("/adjustments/year/", "year")):
        phone = _as(browser, live_server, users_by_role[Role.COUNTY].owner, path, PHONE)
        _shot(phone.page, f"adjustment-{name}-phone")
        _no_sideways_scroll(phone.page, PHONE)
        _close(phone)
    desktop = _as(browser, live_server, users_by_role[Role.COUNTY].owner, "/adjustments/year/")
    expect(desktop.page.get_by_test_id("changes-total")).to_contain_text("2")
    _shot(desktop.page, "adjustment-year-desktop")
    _close(desktop)
