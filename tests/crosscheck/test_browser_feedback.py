"""A clue sent back to its department in real headless Chromium: the county office sends it back from the list,
the department's clerk answers it with a file from its queue, the county office reads the answer; the queue fits
a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from jingzhun.accounts.models import Role
from jingzhun.core.scope import SYSTEM
from jingzhun.crosscheck.models import Clue
from jingzhun.crosscheck.services import crosscheck_run
from tests.browser import DESKTOP, PHONE
from tests.crosscheck.factories_clues import AS_OF, BatchFactory, listed, member_aged
from tests.factories import HouseholdFactory
from tests.web.test_browser_pages import _log_in, _no_sideways_scroll, _page, _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def clue(users_by_role):
    owner = member_aged(40, household=HouseholdFactory(village=users_by_role.village_a), name="李大山")
    listed(owner, BatchFactory(department="vehicles"), kind="小型轿车", text1="鲁A12345")
    crosscheck_run(user=SYSTEM, as_of=AS_OF)
    return Clue.objects.get()


@pytest.fixture
def clerk(users_by_role):
    clerk = users_by_role[Role.DEPARTMENT].owner
    clerk.department = "vehicles"
    clerk.save(update_fields=["department"])
    return clerk


def test_sent_back_answered_and_read(live_server, browser, users_by_role, clue, clerk, tmp_path):
    # The county office filters the list to the vehicles department, ticks the clue and sends it back.
    county = _page(browser, DESKTOP)
    page = county.page
    _log_in(page, live_server.url, users_by_role[Role.COUNTY].owner.username, "/crosscheck/?department=vehicles")
    page.locator(f'tr[data-clue="{clue.pk}"] input[type=checkbox]').check()
    page.get_by_test_id("send-back-selected").click()
    expect(page.get_by_text("已将 1 条线索退回部门核实")).to_be_visible()
    expect(page.locator(f'tr[data-clue="{clue.pk}"] [data-testid=feedback]')).to_contain_text("待部门反馈")
    _shot(page, "crosscheck-clues-sent-back-desktop")
    assert county.errors == []

    # The clerk of the vehicles department finds it in its queue and answers with a PDF.
    desk = _page(browser, DESKTOP)
    page = desk.page
    _log_in(page, live_server.url, clerk.username, "/crosscheck/feedback/")
    expect(page.locator(f'tr[data-clue="{clue.pk}"]')).to_be_visible()
    _shot(page, "crosscheck-feedback-queue-desktop")
    page.get_by_role("link", name=clue.detail).click()
    proof = tmp_path / "过户证明.pdf"
    proof.write_bytes(PDF)
    form = page.get_by_test_id("feedback-form")
    form.get_by_label("部门核实情况").fill("经核实，该车已于 2025 年 3 月过户他人")
    form.locator("input[type=file]").set_input_files(str(proof))
    _shot(page, "crosscheck-feedback-answer-desktop")
    form.get_by_role("button", name="提交反馈").click()
    expect(page.get_by_text("核实情况已反馈")).to_be_visible()
    expect(page.get_by_test_id("empty")).to_be_visible()  # nothing left awaiting an answer
    assert desk.errors == []

    # The county office reads the answer and its file on the clue, and decides as usual.
    page = county.page
    page.goto(f"{live_server.url}/crosscheck/clues/{clue.pk}/")
    expect(page.get_by_test_id("feedback-answer")).to_contain_text("该车已于 2025 年 3 月过户他人")
    expect(page.get_by_test_id("attachment")).to_have_text("过户证明.pdf")
    expect(page.get_by_test_id("answer-form")).to_be_visible()
    _shot(page, "crosscheck-clue-answered-desktop")
    assert county.errors == []


def test_the_queue_fits_a_phone(live_server, browser, users_by_role, clue, clerk):
    from jingzhun.crosscheck.services import clue_send_back

    clue_send_back(clue_id=clue.pk, user=users_by_role[Role.COUNTY].owner, expected_version=clue.version)
    watched = _page(browser, PHONE)
    _log_in(watched.page, live_server.url, clerk.username, "/crosscheck/feedback/")
    expect(watched.page.get_by_text(clue.detail)).to_be_visible()
    _shot(watched.page, "crosscheck-feedback-queue-phone")
    _no_sideways_scroll(watched.page, PHONE)
    assert watched.errors == []
