"""A supervision finding from record to 销号 in real headless Chromium: an inspector records it for a town and the
medical-insurance department and assigns it (一案双转), each assignee rectifies its part with a photo uploaded from
the browser, the inspector verifies it; and a finding left unassigned past its deadline shows 挂牌督办.

"Today" is the server's own (``timezone.localdate()``). The flow and the first escalation test compute every date
from it; the last test moves the server's clock (time-machine, in this process: the live server is a thread of
it) across both deadlines of one finding and looks at the list on each side of them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from jingzhun.supervision.models import Finding
from jingzhun.supervision.services import finding_assign, finding_record
from tests.browser import DESKTOP, PHONE
from tests.web.test_browser_pages import _log_in, _no_sideways_scroll, _page, _shot

from .conftest import PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def _as(browser, live_server, user, path: str, viewport=DESKTOP):
    watched = _page(browser, viewport)
    _log_in(watched.page, live_server.url, user.username, path)
    return watched


def _rectify(browser, live_server, user, finding_path: str, kind: str, photo) -> None:
    assignee = _as(browser, live_server, user, "/supervision/queue/")
    page = assignee.page
    expect(page.locator("#queue")).to_contain_text(re.compile(r"DC\d{4}-\d{6}"))
    page.locator("#queue").get_by_role("link").first.click()
    expect(page).to_have_url(f"{live_server.url}{finding_path}")
    form = page.get_by_test_id(f"next-rectify-{kind}")
    form.get_by_label("整改情况").fill("已入户核实，落实医保参保资助" if kind == "department" else "已落实低保并公示")
    form.locator("input[type=file]").set_input_files(str(photo))
    form.get_by_role("button", name="提交整改情况").click()
    expect(page.get_by_test_id("messages")).to_contain_text("已提交整改情况")
    expect(page.locator(f"#parts tr[data-part={kind}] [data-testid=part-done]")).to_have_text(
        timezone.localdate().isoformat()
    )
    assignee.clean()
    page.context.close()


def test_a_finding_goes_to_both_assignees_is_rectified_and_closed(
    live_server, browser, users_by_role, inspector, town_user, clerk, tmp_path
):
    photo = tmp_path / "整改照片.png"
    photo.write_bytes(PNG)

    watched = _as(browser, live_server, inspector, "/supervision/new/")
    page = watched.page
    page.get_by_label("问题来源").select_option(label="督查暗访")
    page.get_by_label("发现日期").fill(_days_ago(5).isoformat())
    page.get_by_label("发现地点").select_option(users_by_role.village_a.code)
    page.get_by_label("问题类别").select_option(label="政策落实")
    page.get_by_label("问题描述").fill("低保户未享受医保参保资助")
    page.get_by_label("责任乡镇").select_option(users_by_role.town_a.code)
    page.get_by_label("责任部门").fill("医保")
    _shot(page, "supervision-new-desktop")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page).to_have_url(re.compile(r"/supervision/\d+/$"))
    finding_path = page.url.removeprefix(live_server.url)
    expect(page.get_by_test_id("finding-state")).to_have_text("未交办")

    assign = page.get_by_test_id("next-assign")
    expect(assign.get_by_label("责任部门")).to_have_value("医保")
    assign.get_by_role("button", name="交办").click()
    expect(page.get_by_test_id("messages")).to_contain_text("已交办")
    expect(page.get_by_test_id("finding-state")).to_have_text("整改中")
    expect(page.get_by_test_id("waiting")).to_have_count(2)
    watched.clean()
    page.context.close()

    _rectify(browser, live_server, town_user, finding_path, "town", photo)

    queue = _as(browser, live_server, clerk, "/supervision/queue/")
    _shot(queue.page, "supervision-queue-desktop")
    queue.clean()
    queue.page.context.close()
    phone = _as(browser, live_server, clerk, "/supervision/queue/", PHONE)
    _shot(phone.page, "supervision-queue-phone")
    _no_sideways_scroll(phone.page, PHONE)
    phone.clean()
    phone.page.context.close()
    _rectify(browser, live_server, clerk, finding_path, "department", photo)

    watched = _as(browser, live_server, inspector, finding_path)
    page = watched.page
    expect(page.get_by_test_id("finding-state")).to_have_text("待核验")
    expect(page.get_by_test_id("history").get_by_test_id("evidence")).to_have_count(2)
    page.get_by_test_id("next-verify").get_by_role("button", name="核验销号").click()
    expect(page.get_by_test_id("messages")).to_contain_text("已核验销号")
    expect(page.get_by_test_id("finding-state")).to_have_text("已销号")
    _shot(page, "supervision-detail-desktop")
    watched.clean()
    page.context.close()

    finding = Finding.objects.get()
    assert finding.verified_on == timezone.localdate()
    assert sorted(finding.parts.values_list("kind", flat=True)) == ["department", "town"]
    assert all(part.done_on for part in finding.parts.all())

    phone = _as(browser, live_server, inspector, finding_path, PHONE)
    _shot(phone.page, "supervision-detail-phone")
    _no_sideways_scroll(phone.page, PHONE)
    phone.clean()
    phone.page.context.close()


def test_a_finding_left_unassigned_past_its_deadline_is_escalated(live_server, browser, users_by_role, inspector):
    # Found 8 days ago: the assignment was due (7 days, RULES §11) yesterday.
    late = finding_record(
        user=inspector,
        source="monthly",
        found_on=_days_ago(8),
        area_code=users_by_role.village_a.code,
        category="housing_water",
        description="安全饮水设施损坏未修复",
        town_code=users_by_role.town_a.code,
    )
    in_time = finding_record(
        user=inspector,
        source="audit",
        found_on=_days_ago(7),
        area_code=users_by_role.village_a.code,
        category="funds_projects",
        description="项目资金拨付滞后",
        department="医保",
    )
    for viewport, size in ((DESKTOP, "desktop"), (PHONE, "phone")):
        watched = _as(browser, live_server, inspector, "/supervision/", viewport)
        page = watched.page
        late_row = page.locator(f"#findings tr[data-finding='{late.pk}']")
        expect(late_row.get_by_test_id("late-mark")).to_have_text("挂牌督办 市级")
        expect(page.locator(f"#findings tr[data-finding='{in_time.pk}']").get_by_test_id("late-mark")).to_have_count(0)
        expect(page.get_by_test_id("late-city")).to_have_text("1")
        _shot(page, f"supervision-list-{size}")
        if viewport == PHONE:
            _no_sideways_scroll(page, PHONE)
        page.get_by_label("逾期", exact=True).select_option("市级")
        expect(page.locator("#findings tbody tr")).to_have_count(1)
        watched.clean()
        page.context.close()


def _marks(browser, live_server, user, finding: Finding) -> tuple[list[str], str, str]:
    """The finding's 挂牌督办 marks on the findings list, and the two escalation counts, as the user sees them now."""
    watched = _as(browser, live_server, user, "/supervision/?state=all")
    page = watched.page
    row = page.locator(f"#findings tr[data-finding='{finding.pk}']")
    expect(row).to_have_count(1)
    marks = row.get_by_test_id("late-mark").all_inner_texts()
    city, county = page.get_by_test_id("late-city").inner_text(), page.get_by_test_id("late-county").inner_text()
    watched.clean()
    page.context.close()
    return marks, city, county


def test_the_server_clock_moved_across_both_deadlines_escalates_on_the_day_after_each(
    live_server, browser, users_by_role, inspector
):
    # A day ahead of the real one, so sessions and password ages stay valid while the clock moves.
    found = timezone.localdate() + dt.timedelta(days=20)
    beijing = dt.timezone(dt.timedelta(hours=8))

    def at(day: dt.date) -> time_machine.travel:
        return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=beijing), tick=True)

    with at(found):
        finding = finding_record(
            user=inspector,
            source="monthly",
            found_on=found,
            area_code=users_by_role.village_a.code,
            category="special_groups",
            description="独居老人未落实定期探视",
            town_code=users_by_role.town_a.code,
        )
    with at(found + dt.timedelta(days=7)):  # the assignment's due day (RULES §11: 1 week): not late
        assert _marks(browser, live_server, inspector, finding) == ([], "0", "0")
    assigned = found + dt.timedelta(days=8)
    with at(assigned):  # the 8th day: late, escalated to the city
        assert _marks(browser, live_server, inspector, finding) == (["挂牌督办 市级"], "1", "0")
        finding_assign(finding_id=finding.pk, user=inspector, on=assigned, expected_version=finding.version)
    with at(assigned + dt.timedelta(days=21)):  # the rectification's due day (3 weeks): not late
        assert _marks(browser, live_server, inspector, finding) == ([], "0", "0")
    with at(assigned + dt.timedelta(days=22)):  # the day after: the town's part escalated to the county
        assert _marks(browser, live_server, inspector, finding) == (["挂牌督办 县级"], "0", "1")
