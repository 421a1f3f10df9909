"""Printing the benefit cards (明白卡) in real headless Chromium: the card page at desktop and phone width, one
household's card and a village's cards downloaded and read back as PDF."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from jingzhun.accounts.models import Role
from jingzhun.registry.vocab import Relation
from tests.benefits.test_cards import card_household  # noqa: F401 - the fixture
from tests.browser import DESKTOP, PHONE
from tests.web.test_browser_pages import _log_in, _no_sideways_scroll, _page, _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _read(download, tmp_path) -> PdfReader:
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return PdfReader(io.BytesIO(path.read_bytes()))


def test_printing_a_household_card_and_a_village_s_cards(live_server, browser, users_by_role, card_household, tmp_path):  # noqa: F811
    head = card_household.members.get(relation=Relation.HEAD)
    watched = _page(browser, DESKTOP)
    page = watched.page
    _log_in(page, live_server.url, users_by_role[Role.TOWN].owner.username, "/benefits/cards/?year=2025")
    expect(page.get_by_role("heading", name="明白卡", exact=True)).to_be_visible()
    _shot(page, "benefit-cards-desktop")

    page.get_by_label("户编号").fill(card_household.household_no)
    with page.expect_download() as card:
        page.get_by_role("button", name="打印一户的明白卡").click()
    assert card.value.suggested_filename == f"明白卡-{card_household.household_no}-2025.pdf"
    reader = _read(card.value, tmp_path)
    text = reader.pages[0].extract_text()
    assert len(reader.pages) == 1
    assert head.name in text and "扶贫特惠保险" in text and "60.00" in text
    assert "雨露计划" in text and "王帮扶" in text and "13900001234" in text

    with page.expect_download() as village:
        page.get_by_test_id("card-villages").get_by_role("link", name="打印全村明白卡（PDF）").click()
    assert len(_read(village.value, tmp_path).pages) == 1
    watched.clean()


def test_the_card_page_at_phone_width(live_server, browser, users_by_role, card_household):  # noqa: F811
    watched = _page(browser, PHONE)
    page = watched.page
    _log_in(page, live_server.url, users_by_role[Role.TOWN].owner.username, "/benefits/cards/?year=2025")
    expect(page.get_by_test_id("card-villages")).to_be_visible()
    _no_sideways_scroll(page, PHONE)
    _shot(page, "benefit-cards-phone")
    watched.clean()
