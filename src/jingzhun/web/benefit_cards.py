"""The household benefit card (政策明白卡): one A4 page per household that the village office prints and files —
the members, every benefit received this year with its amount and date, what the household is entitled to and
has not yet received, the helper (帮扶责任人) and the village's first secretary with their phones, and lines for
the signatures.

It composes the registry, the benefits center and assistance, so it lives here in ``web``. A village prints
all its registered covered households' cards in one file: the data is read a batch of households at a time with
a few queries per batch (members, payments, entitlements, helpers), never one query per household, and the
PDF is written as it goes to a file that spills to disk.

Drawn with reportlab in the Chinese TrueType font :mod:`jingzhun.core.fonts` finds; without one,
:class:`~jingzhun.core.fonts.FontMissing` (never boxes).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from jingzhun.accounts.permissions import user_sees_id_numbers
from jingzhun.areas.models import Area
from jingzhun.assistance.selectors import helpers_current_of, village_leaders_on
from jingzhun.benefits.card_selectors import village_entitlements
from jingzhun.benefits.catalogue import Catalogue
from jingzhun.benefits.gap_selectors import EntitlementLine, household_entitlements
from jingzhun.benefits.selectors import catalogue_in_force, payments_for_user
from jingzhun.core.fonts import cjk_font_register
from jingzhun.core.idnumber import mask
from jingzhun.monitoring.selectors import cases_open
from jingzhun.registry.models import Household, Member
from jingzhun.registry.selectors import households_for_user
from jingzhun.registry.vocab import Health, MemberStatus, PovertyStatus, Relation, SchoolStatus

# Households that enjoy the policies (RULES §12): these statuses, or an open monitoring case.
COVERED_STATUSES = (PovertyStatus.NOT_EXITED, PovertyStatus.RELAPSED, PovertyStatus.PRE_EXIT, PovertyStatus.EXITED)
BATCH = 100  # households read (and drawn) at a time when a village prints its cards


@dataclass(frozen=True)
class MemberLine:
    name: str
    relation: str
    id_number: str
    age: int
    facts: str


@dataclass(frozen=True)
class ReceivedLine:
    benefit: str
    member: str
    amount: Decimal
    paid_on: dt.date


@dataclass(frozen=True)
class DueLine:
    benefit: str
    member: str
    amount: Decimal
    department: str


@dataclass(frozen=True)
class Contact:
    title: str
    name: str
    phone: str
    unit: str


@dataclass(frozen=True)
class Card:
    year: int
    household_no: str
    area: str
    head: str
    phone: str
    status: str
    members: tuple[MemberLine, ...]
    received: tuple[ReceivedLine, ...]
    due: tuple[DueLine, ...]
    contacts: tuple[Contact, ...]
    printed_on: dt.date

    @property
    def received_total(self) -> Decimal:
        return sum((line.amount for line in self.received), Decimal(0))

    @property
    def due_total(self) -> Decimal:
        return sum((line.amount for line in self.due), Decimal(0))


# --- the data -----------------------------------------------------------------------------------------------------


def covered() -> Q:
    """On a query of households: those that enjoy the policies (RULES §12)."""
    return Q(poverty_status__in=COVERED_STATUSES) | Q(Exists(cases_open().filter(household=OuterRef("pk"))))


def _area_text(village: Area) -> str:
    """County, town and village (read with the household: ``village__parent__parent``)."""
    town = village.parent
    county = town.parent if town is not None else None
    return " ".join(area.name for area in (county, town, village) if area is not None)


def _facts(member: Member) -> str:
    facts = []
    if member.health and member.health != Health.HEALTHY:
        health = member.get_health_display()
        if member.disability_grade:
            health = f"{health}（{member.get_disability_grade_display()}）"
        facts.append(health)
    if member.school_status and member.school_status not in (SchoolStatus.NOT_IN_SCHOOL, SchoolStatus.HOME_SCHOOLED):
        facts.append(member.get_school_status_display())
    if member.work_status:
        facts.append(member.get_work_status_display())
    if member.medical_insurance:
        facts.append(member.get_medical_insurance_display())
    return "；".join(str(fact) for fact in facts)


def _member_name(member: Any) -> str:
    return member.name if member is not None else "全户"


def _cards(
    *, user: Any, households: Sequence[Household], year: int, entitlements: dict[int, list[EntitlementLine]]
) -> Iterator[Card]:
    """The cards of ``households`` (read through the user's scope, with their villages): a few queries in all."""
    today = timezone.localdate()
    ids = [household.pk for household in households]
    unmasked = user_sees_id_numbers(user)
    members: dict[int, list[Member]] = defaultdict(list)
    for member in Member.objects.filter(household_id__in=ids, status=MemberStatus.ACTIVE).order_by(
        "household_id", "birth_date", "pk"
    ):
        members[member.household_id].append(member)
    received: dict[int, list[ReceivedLine]] = defaultdict(list)
    payments = (
        payments_for_user(user=user)
        .filter(year=year, household_id__in=ids)
        .select_related("member")
        .order_by("household_id", "paid_on", "benefit", "pk")
    )
    for payment in payments:
        received[payment.household_id].append(
            ReceivedLine(payment.benefit_name, _member_name(payment.member), payment.amount, payment.paid_on)
        )
    helpers = helpers_current_of(households=ids)
    leaders = village_leaders_on(village_codes={household.village_id for household in households}, on=today)
    catalogue = catalogue_in_force()
    for household in households:
        people = sorted(members[household.pk], key=lambda m: m.relation != Relation.HEAD)
        head = next((m for m in people if m.relation == Relation.HEAD), None)
        contacts = []
        if (helper := helpers.get(household.pk)) is not None:
            contacts.append(Contact("帮扶责任人", helper.name, helper.phone, helper.unit))
        if (leader := leaders.get(household.village_id)) is not None:
            contacts.append(Contact("驻村第一书记", leader.name, leader.phone, leader.unit))

        yield Card(
            year=year,
            household_no=household.household_no,
            area=_area_text(household.village),
            head=head.name if head else "",
            phone=household.phone,
            status=str(household.get_poverty_status_display()),
            members=tuple(_member_line(m, today, unmasked=unmasked) for m in people),
            received=tuple(received[household.pk]),
            due=_due(entitlements.get(household.pk, []), catalogue),
            contacts=tuple(contacts),
            printed_on=today,
        )


def _member_line(member: Member, today: dt.date, *, unmasked: bool) -> MemberLine:
    return MemberLine(
        name=member.name,
        relation=str(member.get_relation_display()),
        id_number=member.id_number if unmasked else mask(member.id_number),
        age=member.age_shown(today, unmasked=unmasked),
        facts=_facts(member),
    )


def _due(lines: list[EntitlementLine], catalogue: Catalogue) -> tuple[DueLine, ...]:
    """What is entitled and not received, one line per benefit (its members named together)."""
    grouped: dict[str, list[EntitlementLine]] = defaultdict(list)
    for line in lines:
        if not line.received:
            grouped[line.benefit.code].append(line)
    return tuple(
        DueLine(
            benefit=group[0].benefit.name,
            member="、".join(_member_name(line.member) for line in group),
            amount=sum((line.amount for line in group), Decimal(0)),
            department=catalogue.department_name(group[0].benefit.department),
        )
        for group in grouped.values()
    )


def card_for_household(*, user: Any, household: Household, year: int) -> Card:
    """The card of one household the caller read through the user's scope."""
    lines = household_entitlements(household=household, year=year)
    return next(_cards(user=user, households=[household], year=year, entitlements={household.pk: lines}))


def village_households(*, user: Any, village: Area) -> QuerySet[Household]:
    """The village's registered covered households the user may see, by household number."""
    return (
        households_for_user(user=user)
        .filter(village=village)
        .filter(covered())
        .select_related("village__parent__parent")
        .order_by("household_no")
    )


def cards_for_village(*, user: Any, village: Area, year: int, batch: int = BATCH) -> Iterator[Card]:
    """The cards of the village's registered covered households, read ``batch`` households at a time (the
    village's entitlements once, in one query)."""
    households = village_households(user=user, village=village)
    entitlements = village_entitlements(village_code=village.code, year=year)  # the village's, in one query
    after = ""
    while True:
        chunk = list(households.filter(household_no__gt=after)[:batch])
        if not chunk:
            return
        yield from _cards(user=user, households=chunk, year=year, entitlements=entitlements)
        after = chunk[-1].household_no


# --- the PDF ------------------------------------------------------------------------------------------------------


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


class _Styles:
    """The card's type sizes, all times ``scale`` (a long card is set smaller to stay on its page)."""

    def __init__(self, font: str, scale: float = 1.0) -> None:
        from reportlab.lib import colors
        from reportlab.lib.enums import TA_CENTER, TA_RIGHT
        from reportlab.lib.styles import ParagraphStyle

        def style(name: str, size: float, leading: float, **more: Any) -> ParagraphStyle:
            return ParagraphStyle(
                name, fontName=font, fontSize=size * scale, leading=leading * scale, wordWrap="CJK", **more
            )

        self.font = font
        self.scale = scale
        self.grey = colors.HexColor("#555555")
        self.line = colors.HexColor("#333333")
        self.head_fill = colors.HexColor("#e8e8e8")
        self.title = style("title", 22, 28, alignment=TA_CENTER)
        self.subtitle = style("subtitle", 11, 16, alignment=TA_CENTER)
        self.section = style("section", 12, 16, spaceBefore=8 * scale, spaceAfter=4 * scale)
        self.cell = style("cell", 9.5, 12.5)
        self.cell_right = style("cell_right", 9.5, 12.5, alignment=TA_RIGHT)
        self.note = style("note", 9.5, 13, textColor=self.grey)
        self.sign = style("sign", 11, 18)


# A card too long for its page at full size is set smaller, step by step, then as small as it takes.
SCALES = (1.0, 0.92, 0.84, 0.76, 0.68)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(styles: _Styles, header: list[str], rows: list[list[str]], widths: list[str], right: set[int]) -> Any:
    """A ruled table whose columns are shares of the width it is given (so that a card shrunk onto its page
    shrinks its tables with its text)."""
    from reportlab.platypus import Paragraph, Table, TableStyle

    def cell(text: str, column: int) -> Paragraph:
        return Paragraph(_escape(text), styles.cell_right if column in right else styles.cell)

    data = [[cell(text, i) for i, text in enumerate(header)]]
    data += [[cell(text, i) for i, text in enumerate(row)] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, styles.line),
                ("BACKGROUND", (0, 0), (-1, 0), styles.head_fill),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5 * styles.scale),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5 * styles.scale),
            ]
        )
    )
    return table


def _flowables(card: Card, styles: _Styles) -> list[Any]:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    def p(text: str, style: Any) -> Paragraph:
        return Paragraph(_escape(text), style)

    story: list[Any] = [
        p("政策明白卡", styles.title),
        p(f"{card.year} 年度", styles.subtitle),
        Spacer(1, 3 * mm * styles.scale),
    ]
    info = [
        [
            p("所在村", styles.cell),
            p(card.area, styles.cell),
            p("户编号", styles.cell),
            p(card.household_no, styles.cell),
        ],
        [
            p("户主", styles.cell),
            p(card.head, styles.cell),
            p("联系电话", styles.cell),
            p(card.phone or "—", styles.cell),
        ],
        [
            p("户类别", styles.cell),
            p(card.status, styles.cell),
            p("家庭人口", styles.cell),
            p(f"{len(card.members)} 人", styles.cell),
        ],
    ]
    info_table = Table(info, colWidths=["14%", "36%", "14%", "36%"])
    info_table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, styles.line),
                ("BACKGROUND", (0, 0), (0, -1), styles.head_fill),
                ("BACKGROUND", (2, 0), (2, -1), styles.head_fill),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story.append(info_table)

    story.append(p("一、家庭成员", styles.section))
    story.append(
        _table(
            styles,
            ["姓名", "与户主关系", "身份证号", "年龄", "主要情况"],
            [[m.name, m.relation, m.id_number, str(m.age), m.facts] for m in card.members],
            ["13%", "12%", "25%", "7%", "43%"],
            right={3},
        )
    )

    story.append(p(f"二、{card.year} 年已享受的政策", styles.section))
    if card.received:
        rows = [[r.benefit, r.member, _yuan(r.amount), f"{r.paid_on:%Y-%m-%d}"] for r in card.received]
        rows.append(["合计", "", _yuan(card.received_total), ""])
        widths = ["40%", "22%", "19%", "19%"]
        story.append(_table(styles, ["政策名称", "享受人", "金额（元）", "发放日期"], rows, widths, right={2}))
    else:
        story.append(p("本年度尚无发放记录。", styles.note))

    story.append(p("三、应享受但尚未享受的政策", styles.section))
    if card.due:
        rows = [[d.benefit, d.member, _yuan(d.amount), d.department] for d in card.due]
        rows.append(["合计", "", _yuan(card.due_total), ""])
        widths = ["30%", "32%", "19%", "19%"]
        story.append(_table(styles, ["政策名称", "享受人", "应享金额（元）", "办理部门"], rows, widths, right={2}))
        story.append(p("请携带户口簿、身份证等材料到政策兑现中心或向帮扶责任人申请办理。", styles.note))
    else:
        story.append(p("无（应享政策均已兑现，或本年度应享政策尚未测算）。", styles.note))

    story.append(p("四、帮扶联系人", styles.section))
    if card.contacts:
        rows = [[c.title, c.name, c.phone or "—", c.unit] for c in card.contacts]
        widths = ["22%", "20%", "22%", "36%"]
        story.append(_table(styles, ["职责", "姓名", "联系电话", "工作单位"], rows, widths, right=set()))
    else:
        story.append(p("尚未结对帮扶责任人，请联系村委会。", styles.note))

    story.append(Spacer(1, 8 * mm * styles.scale))
    story.append(p("以上政策已向本户宣讲，本户已知晓。", styles.sign))
    story.append(Spacer(1, 6 * mm * styles.scale))
    story.append(p("户主（签字）：____________　　帮扶责任人（签字）：____________", styles.sign))
    story.append(Spacer(1, 4 * mm * styles.scale))
    story.append(p("日期：______年____月____日", styles.sign))
    return story


def _height(story: list[Any], width: float, height: float) -> float:
    """How tall ``story`` is set ``width`` wide (with the space between its parts)."""
    return sum(f.wrap(width, height)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in story)


def _fitted(card: Card, font: str, width: float, height: float) -> list[Any]:
    """The card's parts set at the largest size (of :data:`SCALES`, then smaller) at which they fit the page."""
    scale = 1.0
    for scale in SCALES:
        story = _flowables(card, _Styles(font, scale))
        tall = _height(story, width, height)
        if tall <= height:
            return story
    for _ in range(8):  # a card far beyond a page (a household of dozens): smaller until it fits
        scale *= max(0.5, 0.98 * height / tall)
        story = _flowables(card, _Styles(font, scale))
        tall = _height(story, width, height)
        if tall <= height:
            break
    return story


def cards_pdf(cards: Iterable[Card], out: IO[bytes]) -> int:
    """Draw each card on one A4 page of ``out`` (a card too long for a page is set smaller to fit it); the
    pages."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Frame

    font = cjk_font_register()
    styles = _Styles(font)
    page_width, page_height = A4
    margin = 16 * mm
    width, height = page_width - 2 * margin, page_height - 2 * margin - 6 * mm
    canvas = Canvas(out, pagesize=A4, pageCompression=1, invariant=1, initialFontName=font)
    canvas.setTitle("政策明白卡")
    canvas.setCreator("精准 Jingzhun")
    pages = 0
    for card in cards:
        story = _fitted(card, font, width, height)
        frame = Frame(
            margin, margin + 6 * mm, width, height, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0
        )
        frame.addFromList(story, canvas)
        canvas.setFont(styles.font, 8)
        canvas.setFillColor(styles.grey)
        canvas.drawString(margin, margin, f"户编号 {card.household_no}　打印日期 {card.printed_on:%Y-%m-%d}")
        canvas.drawRightString(page_width - margin, margin, "精准 · 政策兑现中心")
        canvas.showPage()
        pages += 1
    if pages == 0:
        canvas.setFont(styles.font, 12)
        canvas.drawString(margin, page_height - margin - 12, "没有需要打印明白卡的户。")
        canvas.showPage()
    canvas.save()
    return pages


def cards_pdf_file(cards: Iterable[Card]) -> tuple[IO[bytes], int]:
    """The PDF of ``cards`` in a temporary file (kept in memory up to 4 MB, on disk beyond), rewound; the pages."""
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 (handed to the response)
    try:
        pages = cards_pdf(cards, spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, pages
