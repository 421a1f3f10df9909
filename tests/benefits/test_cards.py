"""The household benefit card (明白卡) as PDF: what it says, who may print it, a village's cards in one file, the
export log, and the font it needs."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.core import fonts
from jingzhun.registry.vocab import PovertyStatus, Relation
from jingzhun.web.benefit_cards import (
    Card,
    Contact,
    DueLine,
    MemberLine,
    ReceivedLine,
    card_for_household,
    cards_for_village,
    cards_pdf,
)
from tests.assistance.factories import HelperFactory, PairingFactory, WorkTeamFactory
from tests.factories import HouseholdFactory, MemberFactory, PaymentFactory

pytestmark = pytest.mark.django_db
YEAR = 2025


def _pdf_text(response) -> tuple[str, int]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def _card_url(household, year=YEAR):
    return f"/benefits/cards/{household.household_no}.pdf?year={year}"


@pytest.fixture
def card_household(covered_household, users_by_role):
    """``covered_household`` with a payment of 2025 (扶贫特惠保险 60 to the head), its son's 雨露计划 not paid, and a
    helper paired with it; its village has a first secretary."""
    head = covered_household.members.get(relation=Relation.HEAD)
    PaymentFactory(
        member=head, benefit="B07", benefit_name="扶贫特惠保险", amount=Decimal("60.00"), paid_on=dt.date(2025, 4, 8)
    )
    helper = HelperFactory(name="王帮扶", phone="13900001234", area=users_by_role.village_a)
    PairingFactory(helper=helper, household=covered_household)
    WorkTeamFactory(village=users_by_role.village_a, leader__name="李书记", leader__phone="13700005678")
    return covered_household


def test_the_card_lists_members_payments_gaps_and_the_helper(client, users_by_role, card_household):
    client.force_login(users_by_role[Role.COUNTY].owner)
    text, pages = _pdf_text(client.get(_card_url(card_household)))
    head = card_household.members.get(relation=Relation.HEAD)
    son = card_household.members.get(relation=Relation.SON)
    assert pages == 1
    assert "政策明白卡" in text and "2025 年度" in text
    assert card_household.household_no in text and head.name in text and son.name in text
    assert "扶贫特惠保险" in text and "60.00" in text and "2025-04-08" in text
    gaps = text.split("三、应享受但尚未享受的政策")[1].split("四、")[0]
    assert "雨露计划" in gaps and "3,000.00" in gaps
    assert "王帮扶" in text and "13900001234" in text
    assert "李书记" in text and "13700005678" in text
    assert "户主（签字）" in text


def test_id_numbers_are_masked_for_a_user_without_the_right(client, users_by_role, card_household):
    client.force_login(users_by_role[Role.COUNTY].owner)
    text, _pages = _pdf_text(client.get(_card_url(card_household)))
    head = card_household.members.get(relation=Relation.HEAD)
    assert head.id_number not in text
    assert f"{head.id_number[:6]}********{head.id_number[-4:]}" in text


def test_id_numbers_are_whole_for_a_user_granted_the_right(client, users_by_role, card_household):
    user = users_by_role[Role.COUNTY].owner
    user.may_see_id_numbers = True
    user.save()
    client.force_login(user)
    text, _pages = _pdf_text(client.get(_card_url(card_household)))
    assert card_household.members.get(relation=Relation.HEAD).id_number in text


def test_a_household_of_another_area_is_not_found(client, users_by_role, card_household):
    client.force_login(users_by_role[Role.COUNTY].outsider)
    assert client.get(_card_url(card_household)).status_code == 404


def test_a_role_without_the_benefits_center_is_refused(client, users_by_role, card_household):
    client.force_login(users_by_role[Role.HELPER].owner)
    assert client.get(_card_url(card_household)).status_code == 403


def test_a_colleague_of_the_village_may_print_it(client, users_by_role, card_household):
    client.force_login(users_by_role[Role.VILLAGE].colleague)
    _text, pages = _pdf_text(client.get(_card_url(card_household)))
    assert pages == 1


def test_each_download_is_logged_as_an_export(client, users_by_role, card_household):
    user = users_by_role[Role.COUNTY].owner
    client.force_login(user)
    _pdf_text(client.get(_card_url(card_household)))
    log = AccessLog.objects.get(user=user, action=AccessLog.Action.EXPORT)
    assert log.target == f"benefit-card:{card_household.household_no}:{YEAR}"
    assert log.detail["pages"] == 1 and log.detail["id_numbers"] == "masked"


def test_a_village_prints_one_page_per_covered_household(client, users_by_role, card_household):
    village = users_by_role.village_a
    for status in (PovertyStatus.NOT_EXITED, PovertyStatus.RELAPSED):
        MemberFactory(household=HouseholdFactory(village=village, poverty_status=status), relation=Relation.HEAD)
    MemberFactory(household=HouseholdFactory(village=village, poverty_status=PovertyStatus.NON_POOR))
    user = users_by_role[Role.TOWN].owner
    client.force_login(user)
    text, pages = _pdf_text(client.get(f"/benefits/cards/village/{village.code}.pdf?year={YEAR}"))
    assert pages == 3
    assert text.count("政策明白卡") == 3
    log = AccessLog.objects.get(user=user, action=AccessLog.Action.EXPORT)
    assert log.target == f"benefit-cards:{village.code}:{YEAR}" and log.detail["pages"] == 3


def test_a_village_of_another_area_is_not_found(client, users_by_role, card_household):
    client.force_login(users_by_role[Role.TOWN].outsider)
    assert client.get(f"/benefits/cards/village/{users_by_role.village_a.code}.pdf").status_code == 404


def test_a_village_card_says_what_the_household_card_says(users_by_role, card_household):
    user = users_by_role[Role.COUNTY].owner
    alone = card_for_household(user=user, household=card_household, year=YEAR)
    MemberFactory(household=HouseholdFactory(village=users_by_role.village_a), relation=Relation.HEAD)
    cards = list(cards_for_village(user=user, village=users_by_role.village_a, year=YEAR))
    assert len(cards) == 2
    assert next(c for c in cards if c.household_no == card_household.household_no) == alone


def _village_queries(user, village) -> int:
    with CaptureQueriesContext(connection) as queries:
        list(cards_for_village(user=user, village=village, year=YEAR, batch=100))
    return len(queries)


def test_a_village_is_read_with_the_same_queries_whatever_its_size(users_by_role, card_household):
    user, village = users_by_role[Role.COUNTY].owner, users_by_role.village_a
    few = _village_queries(user, village)
    for _ in range(20):
        household = HouseholdFactory(village=village, poverty_status=PovertyStatus.NOT_EXITED)
        PaymentFactory(member=MemberFactory(household=household, relation=Relation.HEAD))
        PairingFactory(household=household)
    assert _village_queries(user, village) == few <= 12


def test_without_a_chinese_font_the_card_says_what_to_do(client, users_by_role, card_household, settings, tmp_path):
    settings.PDF_FONT = str(tmp_path / "none.ttf")
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.get(_card_url(card_household))
    assert response.status_code == 503
    page = response.content.decode()
    assert "没有可用的中文字体" in page and "jingzhun fonts install" in page
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_a_font_without_chinese_glyphs_is_not_used(settings):
    settings.PDF_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    assert fonts.cjk_font_path() is None


def test_fonts_install_says_what_to_do_where_it_cannot_fetch(settings, tmp_path, monkeypatch):
    settings.PDF_FONT = str(tmp_path / "none.ttf")
    monkeypatch.setenv("PATH", str(tmp_path))  # no apt-get here
    with pytest.raises(CommandError, match="不是 Debian") as refused:
        call_command("fonts", "install")
    assert "fonts-wqy-microhei" in str(refused.value)


def test_fonts_names_the_font_found(capsys):
    call_command("fonts")
    assert "PDF 中文字体" in capsys.readouterr().out


def test_the_card_page_lists_the_villages_of_the_area(client, users_by_role, card_household):
    client.force_login(users_by_role[Role.TOWN].owner)
    page = client.get("/benefits/cards/?year=2025").content.decode()
    assert f"/benefits/cards/village/{users_by_role.village_a.code}.pdf?year=2025" in page
    assert users_by_role.village_b.code not in page


def test_a_household_number_on_the_card_page_goes_to_its_card(client, users_by_role, card_household):
    client.force_login(users_by_role[Role.TOWN].owner)
    response = client.get(f"/benefits/cards/?year=2025&household={card_household.household_no}")
    assert response.status_code == 302 and response["Location"] == _card_url(card_household)


def test_a_long_card_stays_on_its_one_page():
    members = tuple(
        MemberLine(f"成员{i}", "之子", "370125********0012", 30, "残疾（一级）；中职；省外务工") for i in range(14)
    )
    received = tuple(ReceivedLine(f"政策{i}", f"成员{i}", Decimal("1234.50"), dt.date(2025, 3, 1)) for i in range(14))
    due = tuple(
        DueLine(f"应享政策{i}", "、".join(f"成员{j}" for j in range(8)), Decimal(60), "乡村振兴局") for i in range(12)
    )
    card = Card(
        year=YEAR,
        household_no="370125100201000001",
        area="济阳区 济北镇 李家村",
        head="成员0",
        phone="13800000000",
        status="已脱贫(享受政策)",
        members=members,
        received=received,
        due=due,
        contacts=(Contact("帮扶责任人", "王帮扶", "13900001234", "县农业农村局"),),
        printed_on=dt.date(2025, 12, 1),
    )
    out = io.BytesIO()
    assert cards_pdf([card, card], out) == 2
    reader = PdfReader(io.BytesIO(out.getvalue()))
    assert len(reader.pages) == 2
    text = reader.pages[0].extract_text()
    assert "成员13" in text and "应享政策11" in text and "户主（签字）" in text
