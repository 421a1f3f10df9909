"""The demo county's supervision findings (督导问题): a finding in every state, some late, taken through the real
services by the demo accounts (the inspector records, assigns, verifies and sends back; the demo town and the
medical-insurance clerk rectify), and a few in the county's other towns so the statistics compare towns.

Done once: the findings numbered ``DEMO-…`` are the demo's mark, and a rerun leaves them as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.areas.models import Area, Level
from jingzhun.core.scope import SYSTEM
from jingzhun.crosscheck import selectors as crosscheck_selectors
from jingzhun.registry.selectors import households_for_user
from jingzhun.supervision import selectors as supervision_selectors
from jingzhun.supervision import services as supervision
from jingzhun.supervision.models import Category, Finding, Source

DEMO_PREFIX = "DEMO-"
DEMO_DEPARTMENT = "medical_insurance"  # the demo clerk's department (医保)
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass(frozen=True)
class _Story:
    """One demo finding: found ``age`` days ago, and how far it got."""

    source: str
    category: str
    description: str
    age: int
    department: str = DEMO_DEPARTMENT
    town: bool = True
    assign_after: int | None = None  # days after finding; None: not assigned
    town_done_after: int | None = None  # days after assignment
    department_done_after: int | None = None
    reopen_town_after: int | None = None  # days after the town's rectification
    verify_after: int | None = None  # days after the last rectification
    household: bool = False


_STORIES = (
    _Story(Source.MONTHLY, Category.POLICY, "入户走访发现：慢性病签约服务未落实，户内无签约记录。", 2, household=True),
    _Story(
        Source.UNANNOUNCED,
        Category.HOUSING_WATER,
        "暗访发现：一户住房墙体开裂，未纳入危房改造鉴定。",
        12,
        household=True,
    ),
    _Story(Source.SUPERIOR, Category.SPECIAL_GROUPS, "上级反馈：独居老人未落实定期探视制度。", 9, assign_after=2),
    _Story(
        Source.MONTHLY,
        Category.POLICY,
        "医保参保资助未到位：两名脱贫人口未享受个人缴费补贴。",
        40,
        assign_after=3,
        department_done_after=10,
        household=True,
    ),
    _Story(
        Source.AUDIT,
        Category.FUNDS_PROJECTS,
        "审计发现：村级光伏电站收益分配台账不完整。",
        35,
        assign_after=4,
        town_done_after=12,
        department_done_after=15,
    ),
    _Story(
        Source.INSPECTION_TOUR,
        Category.CONDUCT,
        "巡察反馈：村级帮扶手册填写不规范，走访记录与实际不符。",
        70,
        assign_after=3,
        town_done_after=10,
        department_done_after=14,
        verify_after=5,
    ),
    _Story(
        Source.PETITION,
        Category.SPECIAL_GROUPS,
        "群众信访：重度残疾人护理补贴停发，未说明原因。",
        50,
        assign_after=2,
        town_done_after=8,
        department_done_after=9,
        reopen_town_after=4,
        household=True,
    ),
    _Story(Source.MONTHLY, Category.DATA_QUALITY, "台账中两户家庭人口与户籍信息不一致。", 5, department=""),
)
# The county's other towns: a few findings each, in different states (the system takes the steps).
_OTHER_TOWNS = 6
_OTHER_STORIES = (
    _Story(
        Source.MONTHLY,
        Category.POLICY,
        "教育资助未按学期发放到位。",
        45,
        department="education",
        assign_after=3,
        town_done_after=15,
        department_done_after=12,
        verify_after=4,
    ),
    _Story(
        Source.UNANNOUNCED,
        Category.HOUSING_WATER,
        "集中供水点水压不足，部分农户饮水不稳定。",
        30,
        department="",
        assign_after=5,
    ),
    _Story(Source.DATA_COMPARISON, Category.DATA_QUALITY, "已故人员仍在享受低保。", 15, department="civil_affairs"),
)


def demo_findings(*, county: Area, town: Area, people: dict[str, Any], today: dt.date) -> dict[str, int]:
    """The demo's findings, made once; what exists by state (as the findings list counts them)."""
    if (
        not Finding.objects.filter(number__startswith=DEMO_PREFIX).exists()
        and {
            "inspector",
            "town",
            "department",
        }
        <= people.keys()
    ):
        _make(county, town, people, today)
    return _states(Finding.objects.filter(area_code__startswith=county.prefix), today)


def _make(county: Area, town: Area, people: dict[str, Any], today: dt.date) -> None:
    serial = iter(range(1, 1000))
    number: Callable[[], str] = lambda: f"{DEMO_PREFIX}{today.year}-{next(serial):03d}"  # noqa: E731
    villages = list(Area.objects.filter(parent=town, level=Level.VILLAGE).order_by("code")[:4])
    for index, story in enumerate(_STORIES):
        _tell(story, number(), villages[index % len(villages)], town, people, today)
    clue = _a_clue_of(town)
    if clue is not None:
        supervision.finding_from_clue(clue_id=clue.pk, user=people["inspector"], today=today)
    others = Area.objects.filter(parent=county, level=Level.TOWN).exclude(pk=town.pk).order_by("code")
    system = {"inspector": SYSTEM, "town": SYSTEM, "department": SYSTEM}
    for other in others[:_OTHER_TOWNS]:
        village = Area.objects.filter(parent=other, level=Level.VILLAGE).order_by("code").first()
        for story in _OTHER_STORIES:
            _tell(story, number(), village or other, other, system, today)


def _tell(story: _Story, number: str, village: Area, town: Area, people: dict[str, Any], today: dt.date) -> None:
    found = today - dt.timedelta(days=story.age)
    household_no = ""
    if story.household:
        first = households_for_user(user=SYSTEM).filter(village=village).order_by("household_no").first()
        household_no = first.household_no if first else ""
    finding = supervision.finding_record(
        user=people["inspector"],
        number=number,
        source=story.source,
        found_on=found,
        area_code=village.code,
        category=story.category,
        description=story.description,
        town_code=town.code if story.town else "",
        department=story.department,
        household_no=household_no,
        today=today,
    )
    if story.assign_after is None:
        return
    assigned = found + dt.timedelta(days=story.assign_after)
    finding = supervision.finding_assign(
        finding_id=finding.pk, user=people["inspector"], on=assigned, expected_version=finding.version, today=today
    )
    done: list[dt.date] = []
    for kind, after in (("town", story.town_done_after), ("department", story.department_done_after)):
        if after is None or (kind == "town" and not story.town) or (kind == "department" and not story.department):
            continue
        on = assigned + dt.timedelta(days=after)
        finding = supervision.part_rectify(
            finding_id=finding.pk,
            kind=kind,
            user=people[kind],
            on=on,
            rectification="已逐户核实并整改到位，相关台账已更新。",
            evidence=[SimpleUploadedFile("整改佐证.pdf", _PDF, content_type="application/pdf")],
            expected_version=finding.version,
            today=today,
        )
        done.append(on)
        if kind == "town" and story.reopen_town_after is not None:
            finding = supervision.part_reopen(
                finding_id=finding.pk,
                kind="town",
                user=people["inspector"],
                on=on + dt.timedelta(days=story.reopen_town_after),
                reason="整改佐证不足：未见补发记录，请补充发放凭证。",
                expected_version=finding.version,
                today=today,
            )
    if story.verify_after is not None and done:
        supervision.finding_verify(
            finding_id=finding.pk,
            user=people["inspector"],
            on=max(done) + dt.timedelta(days=story.verify_after),
            expected_version=finding.version,
            note="现场核验：整改到位，同意销号。",
            today=today,
        )


def _a_clue_of(town: Area) -> Any:
    """A clue of the demo town with a household, not yet taken up as a finding."""
    latest = crosscheck_selectors.run_latest()
    if latest is None:
        return None
    return (
        crosscheck_selectors.clues_of_run(run=latest)
        .filter(village_code__startswith=town.prefix, findings__isnull=True)
        .order_by("id")
        .first()
    )


def _states(findings: Any, today: dt.date) -> dict[str, int]:
    late = supervision_selectors.late_counts(findings=findings, as_of=today)
    return {
        "findings": findings.count(),
        "unassigned": findings.filter(assigned_on__isnull=True).count(),
        "verified": findings.filter(verified_on__isnull=False).count(),
        "late_county": late["县级"],
        "late_city": late["市级"],
    }
