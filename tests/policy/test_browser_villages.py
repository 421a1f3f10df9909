"""The pre-assessment page and the poor villages' exit pages in real headless Chromium, at 1280 and 390 px."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Level
from jingzhun.assistance.models import Measure
from jingzhun.policy.models import AreaExit
from jingzhun.policy.services import ExitInput, area_exit_record, assessment_run
from jingzhun.registry.vocab import PovertyStatus
from tests.browser import DESKTOP, PHONE
from tests.factories import AreaFactory, HouseholdFactory, IncomeFactory, MemberFactory, UserFactory, sample_area
from tests.web.test_browser_pages import _log_in, _no_sideways_scroll, _page, _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ZERO = Decimal("0")


def _county():
    county = sample_area(Level.COUNTY)
    town = AreaFactory(level=Level.TOWN, parent=county, name="新市镇")
    villages = [
        AreaFactory(level=Level.VILLAGE, parent=town, name=name, population=population, poor_village=True)
        for name, population in (("王家村", 900), ("李家村", 60), ("张家村", 1200))
    ]
    for village in villages:
        for wage in (1800, 30000):
            household = HouseholdFactory(village=village, poverty_status=PovertyStatus.NOT_EXITED)
            MemberFactory(household=household)
            MemberFactory(household=household)
            for year in (2019, 2020):
                IncomeFactory(household=household, year=year, wage=Decimal(wage), business_income=ZERO,
                              business_expense=ZERO, pension=ZERO)  # fmt: skip
            if wage < 5000 and village.name != "李家村":
                Measure.objects.create(
                    household=household, kind="public_welfare_job", content="安排村保洁公益岗位",
                    started_on=dt.date(2019, 11, 5),
                )  # fmt: skip
    assessment_run(year=2020)
    return county, villages


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_pre_assessment_page_with_measures(live_server, browser, viewport):
    county, _villages = _county()
    user = UserFactory(role=Role.COUNTY, area=county)
    width = viewport["width"]
    watched = _page(browser, viewport)
    page = watched.page
    _log_in(page, live_server.url, user.username, "/preassessment/?from=2019-10&to=2020-06&pack=shandong-2020")
    expect(page.get_by_test_id("window")).to_contain_text("2019-10 至 2020-06")
    expect(page.get_by_test_id("with-measures")).to_have_text("2")
    expect(page.get_by_test_id("without-measures")).to_have_text("1")
    _no_sideways_scroll(page, viewport)
    _shot(page, f"preassessment-{width}")
    watched.clean()
    page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_poor_villages_and_recording_an_exit(live_server, browser, viewport):
    county, villages = _county()
    user = UserFactory(role=Role.COUNTY, area=county)
    area_exit_record(
        user=user,
        area_code=villages[2].code,
        entry=ExitInput(year=2020, document_no="济阳政发〔2020〕8号", decided_on=dt.date(2020, 12, 20),
                        documents=[SimpleUploadedFile("决定.pdf", b"%PDF-1.4\n" + b"0" * 64)]),
    )  # fmt: skip
    width = viewport["width"]
    watched = _page(browser, viewport)
    page = watched.page
    _log_in(page, live_server.url, user.username, "/assessments/villages/")
    expect(page.locator("#poor-villages tbody tr")).to_have_count(3)
    _no_sideways_scroll(page, viewport)
    _shot(page, f"poor-villages-{width}")
    page.goto(f"{live_server.url}/assessments/areas/{villages[1].code}/exit/")
    page.get_by_label("摘帽年度").fill("2020")
    page.get_by_label("决定文号").fill("济阳政发〔2020〕9号")
    page.get_by_label("县级确定日期").fill("2020-12-20")
    page.get_by_test_id("exit-submit").click()
    expect(page.get_by_test_id("exit-error")).to_contain_text("不满足退出条件")
    _no_sideways_scroll(page, viewport)
    _shot(page, f"area-exit-refused-{width}")
    assert [e for e in watched.errors if "status of 400" not in e] == []  # the refusal is a 400 page, on purpose
    watched.errors.clear()
    page.get_by_label("覆盖理由").fill("省第三方评估核定退出")
    page.get_by_test_id("exit-submit").click()
    expect(page.get_by_test_id("exit-record")).to_contain_text("济阳政发〔2020〕9号")
    _no_sideways_scroll(page, viewport)
    _shot(page, f"area-exit-{width}")
    assert AreaExit.objects.count() == 2
    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("poor-village").first).to_be_visible()
    watched.clean()
    page.context.close()
