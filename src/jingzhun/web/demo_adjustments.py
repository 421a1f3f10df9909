"""The demo county's registry adjustments (动态调整): exits, a relapse, an identification, policy changes and member
changes at every stage of the procedure, taken through the real services by the demo accounts (the village
applies, reviews and posts the notice; the town reviews; the county decides and announces).

Done once: a demo village with adjustment cases is left as it is on a rerun.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.adjustments import services as adjustments
from jingzhun.adjustments.models import AdjustmentCase
from jingzhun.areas.models import Area
from jingzhun.core import idnumber
from jingzhun.registry.models import Household, Member

_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 demo photo"
# The steps of a status change in order; a story stops after ``steps`` of them.
_STATUS_STEPS = ("village_review", "notice", "town_review", "county_decide", "announce")
_MEMBER_STEPS = ("town_review", "county_decide")
_ACTOR = {
    "village_review": "village",
    "notice": "village",
    "town_review": "town",
    "county_decide": "county",
    "announce": "county",
}


@dataclass(frozen=True)
class _Story:
    kind: str
    status: str  # the household's status the story needs
    reason: str
    age: int  # applied this many days ago
    steps: int  # how many steps of its procedure were taken
    refused: bool = False  # the last step did not pass


_STORIES = (
    _Story("exit", "not_exited", "两人在县内务工，家庭收入稳定超过标准，申请脱贫。", 60, 5),
    _Story("exit", "not_exited", "发展庭院养殖，收入稳定，申请脱贫。", 40, 4),
    _Story("exit", "not_exited", "子女就业后家庭收入增加，申请脱贫。", 20, 3),
    _Story("exit", "relapsed", "返贫后经帮扶收入恢复，申请脱贫。", 12, 2),
    _Story("exit", "not_exited", "公益岗位收入稳定，申请脱贫。", 6, 1),
    _Story("exit", "not_exited", "申请脱贫，村民代表认为收入不稳定。", 15, 1, refused=True),
    _Story("relapse", "exited", "户主突发重病，医疗支出大，收入骤减。", 30, 4),
    _Story("identify", "non_poor", "因灾房屋受损、收入低于标准，群众评议应纳入。", 10, 2),
    _Story("to_no_policy", "exited", "脱贫后收入稳定超过监测范围，转为不再享受政策。", 50, 5),
    _Story("cancel", "exited", "数据比对发现家庭成员有财政供养人员，属识别不准。", 8, 0),
)


def demo_adjustments(*, village: Area, people: dict[str, Any], today: dt.date) -> dict[str, int]:
    """The demo's adjustments, made once; how many cases exist in the village by stage."""
    cases = AdjustmentCase.objects.filter(household__village=village)
    if not cases.exists() and {"village", "town", "county"} <= people.keys():
        _make(village, people, today)
    counts: dict[str, int] = {}
    for stage in cases.values_list("stage", flat=True):
        counts[stage] = counts.get(stage, 0) + 1
    return counts


def _make(village: Area, people: dict[str, Any], today: dt.date) -> None:
    used: set[int] = set()
    for story in _STORIES:
        household = Household.objects.filter(village=village, poverty_status=story.status).exclude(pk__in=used).first()
        if household is None:
            continue
        used.add(household.pk)
        application = adjustments.Application(
            kind=story.kind, applied_on=today - dt.timedelta(days=story.age), reason=story.reason
        )
        case = adjustments.adjustment_open(household=household, user=people["village"], application=application)
        _walk(case, _STATUS_STEPS[: story.steps], people, today, refused=story.refused)
    _member_stories(village, people, today)


def _member_stories(village: Area, people: dict[str, Any], today: dt.date) -> None:
    """A newborn added, a death recorded, a name corrected — at different stages."""
    # Member changes run beside a status procedure: any household of the village will do.
    households = list(Household.objects.filter(village=village).order_by("pk")[:3])
    if len(households) < 3:
        return
    region = village.code[:6]
    born = today - dt.timedelta(days=60)
    first17 = f"{region}{born:%Y%m%d}" + "061"
    newborn = first17 + idnumber.check_character(first17)
    if not Member.objects.filter(id_number=newborn).exists():
        case = adjustments.adjustment_open(
            household=households[0],
            user=people["village"],
            application=adjustments.Application(
                kind="member_add",
                applied_on=today - dt.timedelta(days=20),
                reason="新生儿落户。",
                member_values={"id_number": newborn, "name": "王小宝", "relation": "grandson"},
            ),
        )
        _walk(case, _MEMBER_STEPS, people, today)
    removed = households[1].members.filter(status="active").exclude(relation="head").first()
    if removed is not None:
        case = adjustments.adjustment_open(
            household=households[1],
            user=people["village"],
            application=adjustments.Application(
                kind="member_remove",
                applied_on=today - dt.timedelta(days=9),
                reason="因病去世。",
                member_id_number=removed.id_number,
                member_status="deceased",
            ),
        )
        _walk(case, _MEMBER_STEPS[:1], people, today)
    corrected = households[2].members.filter(status="active").first()
    if corrected is not None:
        adjustments.adjustment_open(
            household=households[2],
            user=people["village"],
            application=adjustments.Application(
                kind="member_correct",
                applied_on=today - dt.timedelta(days=3),
                reason="姓名录入错误，与户口簿不一致。",
                member_id_number=corrected.id_number,
                member_values={"name": corrected.name[:-1] + ("华" if corrected.name[-1] != "华" else "明")},
            ),
        )


def _walk(
    case: AdjustmentCase, actions: tuple[str, ...], people: dict[str, Any], today: dt.date, *, refused: bool = False
) -> None:
    """Take ``actions`` from the application day on, spaced so that the last lands before today."""
    on = case.applied_on
    for index, action in enumerate(actions):
        last = index == len(actions) - 1
        if action == "town_review" and case.notice_started_on:
            on = max(on, case.notice_started_on + dt.timedelta(days=adjustments.adjustment_rules().notice_days))
        on = min(on, today)
        step = adjustments.StepInput(on=on, note="")
        rule = adjustments.workflow_of(case.kind).rule(action)
        if rule is not None and rule.attachment:
            step.attachments = [(rule.attachment, SimpleUploadedFile(f"{action}.jpg", _JPEG, "image/jpeg"))]
        if refused and last:
            step.passed, step.reason = False, "村民代表评议未通过：收入来源不稳定。"
        if action == "county_decide":
            step.decision_no = f"演示县扶组发〔{on.year}〕{case.pk}号"
            problem = adjustments.exit_standard_problem(household=case.household) if case.kind == "exit" else ""
            if problem:
                step.override_reason = "评估后务工收入已到账，经入户核实达到标准。"
        case = adjustments.adjustment_step(
            case_id=case.pk,
            action=action,
            user=people[_ACTOR[action]],
            expected_version=case.version,
            step=step,
            today=today,
        )
        on += dt.timedelta(days=2)
