"""A clue in real headless Chromium: the county office finds it in the list, opens it and sends it to the town;
the pages are usable on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from jingzhun.accounts.models import Role
from jingzhun.core.scope import SYSTEM
from jingzhun.crosscheck.models import Clue, ClueState
from jingzhun.crosscheck.services import crosscheck_run
from tests.browser import DESKTOP, PHONE
from tests.crosscheck.factories_clues import AS_OF, BatchFactory, listed, member_aged
from tests.factories import HouseholdFactory
from tests.web.test_browser_pages import _log_in, _no_sideways_scroll, _page, _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clue(users_by_role):
    owner = member_aged(40, household=HouseholdFactory(village=users_by_role.village_a), name="李大山")
    listed(owner, BatchFactory(department="vehicles"), kind="小型轿车", text1="鲁A12345")
    crosscheck_run(user=SYSTEM, as_of=AS_OF)
    return Clue.objects.get()


def test_the_county_sends_a_clue_to_the_town(live_server, browser, users_by_role, clue):
    watched = _page(browser, DESKTOP)
    page = watched.page
    _log_in(page, live_server.url, users_by_role[Role.COUNTY].owner.username, "/crosscheck/")
    expect(page.get_by_text("李大山")).to_be_visible()
    _shot(page, "crosscheck-clues-desktop")
    page.get_by_role("link", name=clue.detail).click()
    expect(page.get_by_text("鲁A12345").first).to_be_visible()
    _shot(page, "crosscheck-clue-desktop")
    page.get_by_role("button", name="分派乡镇核实").click()
    expect(page.get_by_text("李大山").first).to_be_visible()
    clue.refresh_from_db()
    assert clue.state == ClueState.DISPATCHED


@pytest.mark.parametrize("path", ["/crosscheck/", "clue"])
def test_clue_pages_fit_a_phone(live_server, browser, users_by_role, clue, path):
    path = f"/crosscheck/clues/{clue.pk}/" if path == "clue" else path
    watched = _page(browser, PHONE)
    _log_in(watched.page, live_server.url, users_by_role[Role.COUNTY].owner.username, path)
    expect(watched.page.get_by_text("李大山").first).to_be_visible()
    _shot(watched.page, "crosscheck-clue-phone" if "clues" in path else "crosscheck-clues-phone")
    _no_sideways_scroll(watched.page, PHONE)
