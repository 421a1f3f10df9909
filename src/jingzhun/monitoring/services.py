"""Writes to monitoring cases (docs/RULES.md §6): one function per workflow action, each in one transaction.

The workflow is a table (:data:`STEPS`, on the one machinery of :mod:`jingzhun.core.workflow`): for each action, the stages it may follow, the stage it leads to,
the roles that take it, the attachment it needs. :func:`case_step` checks a request against that table —
order, role, area, dates, attachments, the elimination conditions — and refuses with a reason in Chinese
before anything is written. Each step locks the case row and must name the version it was based on, so two
users acting on the same case at once never overwrite each other: the second is told to reload.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.core.files import upload_sha256
from jingzhun.core.filetypes import DOCUMENTS, RefusedFile, file_kind
from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import SYSTEM, account_of, household_in_scope, scope_prefix
from jingzhun.core.workflow import StepRule, Workflow
from jingzhun.policy.packs import DEFAULT_PACK, MonitoringRules, pack_get
from jingzhun.policy.selectors import household_result_latest
from jingzhun.policy.workdays import add_months, working_days_after
from jingzhun.registry.services import EVENT_WORD, EventRecorded, household_event_record
from jingzhun.registry.vocab import EventKind, Labor, MemberStatus, PovertyStatus

from .models import (
    CATEGORY_TEXT,
    CLOSED,
    TIER_OF_CATEGORY,
    Attachment,
    CaseDiscovery,
    CaseStep,
    Category,
    Channel,
    HelpTier,
    MonitoringCase,
    RiskType,
    Stage,
)

# Households still under poverty assistance are not monitoring objects (docs/RULES.md §6).
MONITORABLE = (PovertyStatus.EXITED, PovertyStatus.EXITED_NO_POLICY, PovertyStatus.NON_POOR)

ROLE_TEXT: dict[str, str] = {
    Role.COUNTY: "县级",
    Role.TOWN: "乡镇",
    Role.VILLAGE: "村级",
    Role.HELPER: "帮扶责任人",
}
_ROLE_ORDER: list[str] = list(ROLE_TEXT)
CHANNEL_TEXT: dict[str, str] = {
    Channel.SELF_REPORT: "农户自主申报",
    Channel.CADRE_SCREENING: "基层干部排查",
    Channel.DEPARTMENT_WARNING: "部门筛查预警",
}
# Who may record a discovery through each channel: a household's application is entered by its village or
# its helper; screening is done by cadres at any level; warnings come from the county (or its batch job).
CHANNEL_ROLES: dict[str, frozenset[str]] = {
    Channel.SELF_REPORT: frozenset({Role.VILLAGE, Role.HELPER}),
    Channel.CADRE_SCREENING: frozenset({Role.VILLAGE, Role.HELPER, Role.TOWN, Role.COUNTY}),
    Channel.DEPARTMENT_WARNING: frozenset({Role.COUNTY}),
}

STAGE_TEXT: dict[str, str] = {
    Stage.DISCOVERED: "已发现",
    Stage.HOME_CHECKED: "已入户核实",
    Stage.CONSENTED: "已签署授权承诺",
    Stage.COMPARED: "已数据比对",
    Stage.VILLAGE_REVIEWED: "村级已评议",
    Stage.NOTICED: "村级公示中",
    Stage.TOWN_REVIEWED: "乡镇已审核",
    Stage.MONITORED: "监测帮扶中",
    Stage.NOT_INCLUDED: "未纳入监测",
    Stage.ELIMINATION_PROPOSED: "风险消除已提出",
    Stage.ELIMINATION_VILLAGE_REVIEWED: "风险消除村级已评议",
    Stage.ELIMINATION_NOTICED: "风险消除公示中",
    Stage.ELIMINATION_TOWN_REVIEWED: "风险消除乡镇已审核",
    Stage.ELIMINATED: "风险已消除",
}
ATTACHMENT_TEXT: dict[str, str] = {
    Attachment.Kind.CONSENT: "签字的授权承诺书",
    Attachment.Kind.MINUTES: "评议会议记录",
    Attachment.Kind.NOTICE_PHOTO: "公示照片",
    Attachment.Kind.OTHER: "附件",
}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = DOCUMENTS  # told from the file's bytes (core.filetypes): PDF, photos, .docx, .xlsx


class CaseRefused(Exception):
    """A step that cannot be taken; the message says why, in Chinese."""


class CaseStale(CaseRefused):
    """The case changed since the user loaded it."""


_FIELD = frozenset({Role.VILLAGE, Role.HELPER, Role.TOWN})
STEPS: dict[str, StepRule] = {
    rule.action: rule
    for rule in (
        StepRule(
            "home_check",
            "入户核实",
            (Stage.DISCOVERED,),
            Stage.HOME_CHECKED,
            _FIELD,
            refusable=True,
            refused_to=Stage.NOT_INCLUDED,
        ),
        StepRule(
            "consent",
            "签署授权承诺",
            (Stage.HOME_CHECKED,),
            Stage.CONSENTED,
            _FIELD,
            attachment=Attachment.Kind.CONSENT,
            refusable=True,
            refused_to=Stage.NOT_INCLUDED,
        ),
        StepRule("compare", "数据比对", (Stage.CONSENTED,), Stage.COMPARED, frozenset({Role.TOWN, Role.COUNTY})),
        StepRule(
            "village_review",
            "村级民主评议",
            (Stage.COMPARED,),
            Stage.VILLAGE_REVIEWED,
            frozenset({Role.VILLAGE}),
            attachment=Attachment.Kind.MINUTES,
            refusable=True,
            refused_to=Stage.NOT_INCLUDED,
        ),
        StepRule(
            "notice",
            "村级公示",
            (Stage.VILLAGE_REVIEWED,),
            Stage.NOTICED,
            frozenset({Role.VILLAGE}),
            attachment=Attachment.Kind.NOTICE_PHOTO,
        ),
        StepRule(
            "town_review",
            "乡镇审核",
            (Stage.NOTICED,),
            Stage.TOWN_REVIEWED,
            frozenset({Role.TOWN}),
            refusable=True,
            refused_to=Stage.NOT_INCLUDED,
        ),
        StepRule(
            "county_decide",
            "县级确定",
            (Stage.TOWN_REVIEWED,),
            Stage.MONITORED,
            frozenset({Role.COUNTY}),
            refusable=True,
            refused_to=Stage.NOT_INCLUDED,
        ),
        StepRule(
            "propose_elimination",
            "提出风险消除",
            (Stage.MONITORED,),
            Stage.ELIMINATION_PROPOSED,
            _FIELD,
        ),
        StepRule(
            "elimination_village_review",
            "风险消除村级评议",
            (Stage.ELIMINATION_PROPOSED,),
            Stage.ELIMINATION_VILLAGE_REVIEWED,
            frozenset({Role.VILLAGE}),
            attachment=Attachment.Kind.MINUTES,
            refusable=True,
            refused_to=Stage.MONITORED,
        ),
        StepRule(
            "elimination_notice",
            "风险消除公示",
            (Stage.ELIMINATION_VILLAGE_REVIEWED,),
            Stage.ELIMINATION_NOTICED,
            frozenset({Role.VILLAGE}),
            attachment=Attachment.Kind.NOTICE_PHOTO,
        ),
        StepRule(
            "elimination_town_review",
            "风险消除乡镇审核",
            (Stage.ELIMINATION_NOTICED,),
            Stage.ELIMINATION_TOWN_REVIEWED,
            frozenset({Role.TOWN}),
            refusable=True,
            refused_to=Stage.MONITORED,
        ),
        StepRule(
            "county_eliminate",
            "县级批准风险消除",
            (Stage.ELIMINATION_TOWN_REVIEWED,),
            Stage.ELIMINATED,
            frozenset({Role.COUNTY}),
            refusable=True,
            refused_to=Stage.MONITORED,
        ),
    )
}
NOTICE_STEPS = {"notice", "elimination_notice"}
AFTER_NOTICE = {"town_review", "elimination_town_review"}


WORKFLOW = Workflow(STEPS.values(), stage_text=STAGE_TEXT, role_text=ROLE_TEXT)


def next_steps(stage: str) -> list[StepRule]:
    """The actions a case in ``stage`` may take next, in workflow order."""
    return WORKFLOW.next_steps(stage)


def monitoring_rules() -> MonitoringRules:
    """The deadlines in force: the default rule pack's monitoring parameters."""
    return pack_get(DEFAULT_PACK).monitoring_rules()


def _help_due(tier: str, since: dt.date, rules: MonitoringRules) -> dt.date:
    return since + dt.timedelta(days=rules.instant_help_days[tier])


def _actor(user: Any) -> str:
    if getattr(user, "pk", None):
        return str(user.get_username())
    import getpass

    return f"命令行（{getpass.getuser()}）"


def _check_actor(user: Any, household: Any, roles: Iterable[str], what: str) -> None:
    """The user's role must be one of ``roles`` and the household inside the user's area (for a helper, one of
    its paired households)."""
    role = getattr(user, "role", "")
    allowed = "、".join(ROLE_TEXT.get(r, r) for r in sorted(roles, key=_ROLE_ORDER.index))
    if role not in roles:
        raise PermissionDenied(f"「{what}」须由{allowed}用户办理，当前用户角色为「{ROLE_TEXT.get(role, role)}」。")
    if not household_in_scope(user, household):
        raise PermissionDenied(f"户 {household.household_no} 不在您的管辖区域内。")


def _check_date(on: dt.date, *, today: dt.date, not_before: dt.date | None, what: str) -> None:
    problem = record_date_problem(on, what=f"「{what}」的日期", today=today)
    if problem:
        raise CaseRefused(problem + "。")
    if not_before and on < not_before:
        raise CaseRefused(f"「{what}」的日期 {on:%Y-%m-%d} 早于上一环节的日期 {not_before:%Y-%m-%d}。")


def _risk_types(codes: Sequence[str]) -> list[str]:
    unknown = [c for c in codes if c not in RiskType.values]
    if unknown:
        raise CaseRefused(f"风险类型代码无效：{'、'.join(unknown)}（应为 01、0201–0299、03–07、09、99）。")
    return sorted(set(codes), key=RiskType.values.index)


# --- opening --------------------------------------------------------------------------------------------------


@dataclass
class Opened:
    case: MonitoringCase
    created: bool  # False: the household already had an open case and this discovery was added to it


def case_open(
    *,
    household: Any,
    channel: str,
    user: Any,
    discovered_on: dt.date | None = None,
    note: str = "",
    category: str = "",
    risk_types: Sequence[str] = (),
    source_run: Any = None,
    source_ref: str = "",
    today: dt.date | None = None,
) -> Opened:
    """Record that ``household`` was found at risk through ``channel``.

    A household with an open case gets the discovery added to that case; otherwise a case opens at stage
    已发现 with the county decision due 20 working days later and, when the category is known, its
    instant-help tier and deadline. Only households whose status is 已脱贫 or 非贫困户 can be monitored.
    """
    today = today or timezone.localdate()
    discovered_on = discovered_on or today
    if channel not in CHANNEL_ROLES:
        raise CaseRefused(f"发现渠道「{channel}」无效。")
    if user is not None or channel != Channel.DEPARTMENT_WARNING:
        _check_actor(user, household, CHANNEL_ROLES[Channel(channel)], CHANNEL_TEXT[Channel(channel)])
    _check_date(discovered_on, today=today, not_before=None, what="发现")
    if household.poverty_status not in MONITORABLE:
        raise CaseRefused(
            f"户 {household.household_no} 的贫困户状态为「{household.get_poverty_status_display()}」，"
            "仍在脱贫攻坚帮扶范围内，不作为防返贫监测对象（只监测已脱贫户和非贫困户）。"
        )
    if category and category not in Category.values:
        raise CaseRefused(f"监测对象类别「{category}」无效。")
    codes = _risk_types(risk_types)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return _case_open(
                    household=household,
                    channel=channel,
                    user=user,
                    discovered_on=discovered_on,
                    note=note,
                    category=category,
                    risk_types=codes,
                    source_run=source_run,
                    source_ref=source_ref,
                )
        except IntegrityError:
            # Someone opened a case for this household at the same moment: join it.
            continue
    raise CaseRefused("该户的监测记录正被他人同时修改，请稍后重试。")


def _case_open(
    *,
    household: Any,
    channel: str,
    user: Any,
    discovered_on: dt.date,
    note: str,
    category: str,
    risk_types: list[str],
    source_run: Any,
    source_ref: str,
) -> Opened:
    by = account_of(user)
    case = MonitoringCase.objects.select_for_update().filter(household=household, closed_on__isnull=True).first()
    created = case is None
    if case is None:
        rules = monitoring_rules()
        deadline = working_days_after(discovered_on, rules.decision_working_days, rules)
        tier = TIER_OF_CATEGORY.get(category, "") if category else ""
        case = MonitoringCase.objects.create(
            household=household,
            channel=channel,
            category=category,
            risk_types=risk_types,
            opened_on=discovered_on,
            decision_due=deadline.due,
            decision_due_estimated=deadline.estimated,
            help_tier=tier,
            help_tier_since=discovered_on if tier else None,
            help_due=_help_due(tier, discovered_on, rules) if tier else None,
            source_run=source_run,
            opened_by=by,
        )
        CaseStep.objects.create(
            case=case,
            action="open",
            to_stage=Stage.DISCOVERED,
            on=discovered_on,
            by=by,
            actor=_actor(user),
            role=getattr(user, "role", ""),
            note=note,
            data={"channel": channel, "category": category, "risk_types": risk_types, "tier": tier},
        )
    CaseDiscovery.objects.create(
        case=case,
        channel=channel,
        discovered_on=discovered_on,
        by=by,
        actor=_actor(user),
        note=note,
        source_run=source_run,
        source_ref=source_ref,
    )
    return Opened(case=case, created=created)


# --- the workflow ---------------------------------------------------------------------------------------------


@dataclass
class StepInput:
    """What a user enters for a step. ``passed=False`` ends a refusable step with ``reason``."""

    on: dt.date
    note: str = ""
    passed: bool = True
    reason: str = ""
    category: str = ""
    risk_types: Sequence[str] = ()
    attachments: Sequence[tuple[str, UploadedFile]] = field(default_factory=tuple)


def case_step(
    *,
    case_id: int,
    action: str,
    user: Any,
    expected_version: int,
    step: StepInput,
    today: dt.date | None = None,
) -> MonitoringCase:
    """Take one workflow step on a case, or refuse with the reason (:class:`CaseRefused`, or
    ``PermissionDenied`` for the wrong role or area). All of it is written, or nothing."""
    today = today or timezone.localdate()
    rule = STEPS.get(action)
    if rule is None:
        raise CaseRefused(f"未知的办理环节「{action}」。")
    with transaction.atomic():
        case = MonitoringCase.objects.select_for_update().select_related("household").filter(pk=case_id).first()
        if case is None:
            raise CaseRefused("监测记录不存在。")
        _check_actor(user, case.household, rule.roles, rule.label)
        if case.version != expected_version:
            raise CaseStale(
                f"该户的监测记录已被他人更新（当前环节：{STAGE_TEXT[Stage(case.stage)]}），请刷新页面后再办理。"
            )
        problem = WORKFLOW.order_problem(rule, case.stage)
        if problem:
            raise CaseRefused(problem)
        last = case.steps.order_by("-on", "-id").values_list("on", flat=True).first()
        _check_date(step.on, today=today, not_before=last, what=rule.label)
        data = _step_checks(case, rule, step)
        to_stage = rule.to if step.passed else rule.refused_to
        updates = _stage_updates(case, rule, step, to_stage)
        changed = MonitoringCase.objects.filter(pk=case.pk, version=expected_version).update(
            stage=to_stage, version=F("version") + 1, updated_at=timezone.now(), **updates
        )
        if changed != 1:  # a database without row locks (SQLite) still refuses a stale write here
            raise CaseStale("该户的监测记录已被他人更新，请刷新页面后再办理。")
        record = CaseStep.objects.create(
            case=case,
            action=action,
            from_stage=case.stage,
            to_stage=to_stage,
            on=step.on,
            by=user,
            actor=_actor(user),
            role=user.role,
            note=step.note,
            data=data,
        )
        for kind, upload in step.attachments:
            _attach(case, record, kind, upload)
        case.refresh_from_db()
        return case


def _step_checks(case: MonitoringCase, rule: StepRule, step: StepInput) -> dict[str, Any]:
    """Validate the step's own input; returns what the step decided, for its history row."""
    data: dict[str, Any] = {"passed": step.passed}
    if not step.passed:
        if not rule.refusable:
            raise CaseRefused(f"「{rule.label}」没有「不通过」的结果。")
        if not step.reason.strip():
            raise CaseRefused(f"「{rule.label}」未通过时须填写理由。")
        data["reason"] = step.reason.strip()
    kinds = {kind for kind, _upload in step.attachments}
    for kind, upload in step.attachments:
        if kind not in Attachment.Kind.values:
            raise CaseRefused(f"附件类型「{kind}」无效。")
        if (upload.size or 0) > ATTACHMENT_MAX_BYTES:
            raise CaseRefused(f"附件「{upload.name}」超过 10 MB。")
        try:
            file_kind(upload, allowed=ATTACHMENT_TYPES)
        except RefusedFile as refused:
            raise CaseRefused(f"附件「{upload.name}」{refused}。") from None
    if rule.attachment and step.passed and rule.attachment not in kinds:
        raise CaseRefused(f"「{rule.label}」须上传{ATTACHMENT_TEXT[Attachment.Kind(rule.attachment)]}。")
    if rule.action == "compare" and not step.note.strip():
        raise CaseRefused("「数据比对」须填写比对结果（各部门数据的情况）。")
    if rule.action in AFTER_NOTICE and step.passed:
        rules = monitoring_rules()
        posted = case.notice_started_on or step.on
        ends = posted + dt.timedelta(days=rules.notice_days)
        if step.on < ends:
            raise CaseRefused(
                f"公示自 {posted:%Y-%m-%d} 起不少于 {rules.notice_days} 天，{ends:%Y-%m-%d} 起方可{rule.label}。"
            )
    if rule.action in ("home_check", "county_decide") and step.passed:
        if step.category and step.category not in Category.values:
            raise CaseRefused(f"监测对象类别「{step.category}」无效。")
        codes = _risk_types(step.risk_types)
        if rule.action == "county_decide":
            if not (step.category or case.category):
                raise CaseRefused("县级确定纳入监测时须选择监测对象类别。")
            if not (codes or case.risk_types):
                raise CaseRefused("县级确定纳入监测时须选择至少一种风险类型。")
        data["category"] = step.category or case.category
        data["risk_types"] = codes or case.risk_types
    if rule.action in ("propose_elimination", "county_eliminate") and step.passed:
        unmet = elimination_unmet(case=case, on=step.on)
        if unmet:
            raise CaseRefused("不符合风险消除条件：" + "；".join(unmet) + "。")
        data["conditions"] = "全部满足"
    return data


def _stage_updates(case: MonitoringCase, rule: StepRule, step: StepInput, to_stage: str) -> dict[str, Any]:
    updates: dict[str, Any] = {}
    if to_stage in CLOSED:
        updates["closed_on"] = step.on
        updates["close_reason"] = step.reason.strip() if not step.passed else ""
    if rule.action in NOTICE_STEPS:
        updates["notice_started_on"] = step.on
    if rule.action in ("home_check", "county_decide") and step.passed:
        category = step.category or case.category
        if step.risk_types:
            updates["risk_types"] = _risk_types(step.risk_types)
        if category != case.category:
            updates["category"] = category
            # The instant-help tier follows the category unless a user set it on purpose.
            if not case.steps.filter(action="tier_change").exists():
                tier = TIER_OF_CATEGORY[Category(category)]
                rules = monitoring_rules()
                updates |= {"help_tier": tier, "help_tier_since": step.on, "help_due": _help_due(tier, step.on, rules)}
    if rule.action == "county_decide":
        updates["decided_on"] = step.on
        if step.passed:
            updates["monitored_since"] = step.on
    return updates


def _attach(case: MonitoringCase, step: CaseStep, kind: str, upload: UploadedFile) -> Attachment:
    attachment = Attachment(case=case, step=step, kind=kind, original_name=upload.name or "附件", size=upload.size or 0)
    attachment.sha256 = upload_sha256(upload)
    suffix = file_kind(upload, allowed=ATTACHMENT_TYPES).suffix  # checked in _step_checks; stored as what it is
    attachment.file.save(f"{case.pk}-{step.pk}-{kind}{suffix}", upload, save=False)
    attachment.save()
    return attachment


def case_tier_change(
    *, case_id: int, tier: str, reason: str, user: Any, expected_version: int, on: dt.date | None = None
) -> MonitoringCase:
    """Move a case to another instant-help tier (A/B/C) with a reason; the response deadline restarts."""
    on = on or timezone.localdate()
    if tier not in HelpTier.values:
        raise CaseRefused(f"即时帮扶分档「{tier}」无效（应为 A、B 或 C）。")
    if not reason.strip():
        raise CaseRefused("调整即时帮扶分档须填写理由。")
    with transaction.atomic():
        case = MonitoringCase.objects.select_for_update().select_related("household").get(pk=case_id)
        _check_actor(user, case.household, frozenset({Role.TOWN, Role.COUNTY}), "调整即时帮扶分档")
        if case.version != expected_version:
            raise CaseStale("该户的监测记录已被他人更新，请刷新页面后再办理。")
        if case.closed_on:
            raise CaseRefused("该监测记录已办结，不能调整分档。")
        if tier == case.help_tier:
            raise CaseRefused(f"该户已在 {tier} 档。")
        rules = monitoring_rules()
        MonitoringCase.objects.filter(pk=case.pk, version=expected_version).update(
            help_tier=tier,
            help_tier_since=on,
            help_due=_help_due(tier, on, rules),
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        CaseStep.objects.create(
            case=case,
            action="tier_change",
            from_stage=case.stage,
            to_stage=case.stage,
            on=on,
            by=user,
            actor=_actor(user),
            role=user.role,
            note=reason.strip(),
            data={"from": case.help_tier, "to": tier, "reason": reason.strip()},
        )
        case.refresh_from_db()
        return case


@transaction.atomic
def case_measure_recorded(*, case: MonitoringCase, started_on: dt.date) -> None:
    """An assistance measure was given to the case's household (called by the assistance app): counts towards
    risk elimination, and the first one answers the instant-help deadline."""
    # ``updated_at`` by hand: an update() skips auto_now, and the figures counted from the cases are cached under it.
    MonitoringCase.objects.filter(pk=case.pk, help_started_on__isnull=True).update(help_started_on=started_on)
    MonitoringCase.objects.filter(pk=case.pk).update(
        measures=F("measures") + 1, help_started_on=Least("help_started_on", started_on), updated_at=timezone.now()
    )


# --- risk elimination -----------------------------------------------------------------------------------------


def elimination_unmet(*, case: MonitoringCase, on: dt.date) -> list[str]:
    """The conditions of docs/RULES.md §6 for risk elimination that do not hold on ``on``, in Chinese; empty when
    elimination may go ahead. Read against the household's latest assessment, its measures and the time
    under monitoring."""
    rules = monitoring_rules()
    unmet: list[str] = []
    if case.monitored_since is None:
        return ["尚未经县级确定纳入监测"]
    months_due = add_months(case.monitored_since, rules.elimination_min_months)
    if on < months_due:
        unmet.append(
            f"纳入监测未满 {rules.elimination_min_months} 个月（{case.monitored_since:%Y-%m-%d} 纳入，"
            f"{months_due:%Y-%m-%d} 期满）"
        )
    if case.measures < 1:
        unmet.append("尚未落实任何帮扶措施")
    result = household_result_latest(household=case.household)
    if result is None or result.exclusion:
        unmet.append("没有该户的有效评估结果，请先评估" + (f"（{result.exclusion}）" if result else ""))
        return unmet
    if result.run.finished_at and result.run.finished_at.date() < case.monitored_since:
        unmet.append(f"最近一次评估（{result.run.year} 年，批次 {result.run_id}）早于纳入监测，请重新评估")
    # Read from the members rather than the tier: only exited households are tiered (docs/RULES.md §7), while this
    # condition holds whatever the status (§6).
    if not case.household.members.filter(
        status=MemberStatus.ACTIVE, labor__in=[Labor.SKILLED, Labor.ORDINARY, Labor.WEAK]
    ).exists():
        unmet.append("家中没有全劳动力或弱劳动力，不作风险消除，继续监测并落实兜底保障")
    if result.low_income:
        threshold = result.run.parameters.get("monitoring_threshold", "")
        unmet.append(f"人均纯收入 {result.income_per_capita} 元低于监测范围 {threshold} 元（{result.run.year} 年评估）")
    failed = [
        text
        for name, text in (
            ("food_clothing_ok", "不愁吃不愁穿"),
            ("education_ok", "义务教育"),
            ("medical_ok", "基本医疗"),
            ("housing_ok", "住房安全"),
            ("water_ok", "饮水安全"),
        )
        if not getattr(result, name)
    ]
    if failed:
        unmet.append("「两不愁三保障」及饮水安全未全部达标：" + "、".join(failed))
    if result.medical_burden:
        unmet.append("自付医疗费用负担较重，刚性支出尚未解决")
    return unmet


def category_text(code: str) -> str:
    return CATEGORY_TEXT.get(code, "") if code else ""  # type: ignore[call-overload]


# --- opening in bulk from an assessment run -------------------------------------------------------------------


class NoRun(CaseRefused):
    """There is no finished assessment run for the year."""


@dataclass
class BulkOpened:
    run_id: int
    year: int
    flagged: int  # flagged households that may be monitored (status 已脱贫 or 非贫困户)
    opened: int  # new cases
    joined: int  # households with an open case: this warning was added to it
    decision_due: dt.date
    decision_due_estimated: bool


_TRIGGER_TEXT = (
    ("low_income", "人均纯收入低于监测范围"),
    ("income_drop", "收入大幅骤减"),
    ("medical_burden", "刚性医疗支出较大"),
    ("sudden_event", "遭遇突发事件"),
)

# The risk type a warning suggests (ours: the village corrects it at the home check, docs/RULES.md §6). A low
# income alone says nothing of its cause: 其他, dropped when another trigger names one.
_RISK_OF_TRIGGER = {
    "medical_burden": RiskType.ILLNESS,
    "sudden_event": RiskType.ACCIDENT,
    "income_drop": RiskType.UNSTABLE_WORK,
    "low_income": RiskType.OTHER,
}


def _risk_types_from_triggers(run_id: int) -> None:
    """Give the cases a run's warnings just opened the risk types their triggers suggest: one UPDATE per
    combination of triggers (at most 15), never a loop over cases."""
    import itertools

    from jingzhun.policy.models import HouseholdResult

    names = [name for name, _ in _TRIGGER_TEXT]
    for combination in itertools.product((False, True), repeat=len(names)):
        if not any(combination):
            continue
        fired = [name for name, on in zip(names, combination, strict=True) if on]
        types = sorted({str(_RISK_OF_TRIGGER[name]) for name in fired}, key=RiskType.values.index)
        if len(types) > 1 and str(RiskType.OTHER) in types:
            types.remove(str(RiskType.OTHER))
        matching = HouseholdResult.objects.filter(
            run_id=run_id, **{name: on for name, on in zip(names, combination, strict=True)}
        ).values("household_id")
        MonitoringCase.objects.filter(source_run_id=run_id, risk_types=[], household_id__in=matching).update(
            risk_types=types, updated_at=timezone.now()
        )


def cases_open_from_run(*, year: int, user: Any, today: dt.date | None = None) -> BulkOpened:
    """Open cases through the department-warning channel for every household flagged in the latest run for
    ``year`` whose current status is 已脱贫 or 非贫困户, with the run's suggested category (docs/RULES.md §6).

    A household with an open case gets the warning added to it; a household that already received this
    run's warning gets nothing, so running it again opens nothing twice. Set-based: three
    ``INSERT … SELECT`` statements in one transaction, whatever the number of households.
    """
    import ibis

    from jingzhun.core.sets import Plan, model_table, plan_execute
    from jingzhun.policy.selectors import run_latest_for_user
    from jingzhun.registry.models import Household

    # ``user`` is the command line's SYSTEM (every area) or a county user; nobody else, and never a default.
    if user is not SYSTEM:
        _check_user_role(user, frozenset({Role.COUNTY}), "部门筛查预警批量纳入")
    run = run_latest_for_user(user=user, year=year)
    if run is None:
        raise NoRun(f"没有 {year} 年已完成的评估批次，请先运行 jingzhun assess --year {year}。")
    today = today or timezone.localdate()
    rules = monitoring_rules()
    deadline = working_days_after(today, rules.decision_working_days, rules)
    from jingzhun.policy.models import HouseholdResult

    results = model_table(HouseholdResult)
    households = model_table(Household, ["id", "poverty_status", "village", "household_no"])
    cases = model_table(MonitoringCase, ["id", "household", "closed_on", "source_run"])
    discoveries = model_table(CaseDiscovery, ["case", "source_run"])
    steps = model_table(CaseStep, ["case", "action"])

    prefix = scope_prefix(user)
    if prefix is None:  # unreachable after the role check; never read as "every area"
        raise PermissionDenied("「部门筛查预警批量纳入」须由县级用户办理。")
    flagged = results.filter(results.run_id == run.pk, results.monitoring_flag)
    flagged = flagged.join(households, flagged.household_id == households.id)
    flagged = flagged.filter(households.poverty_status.isin([str(s) for s in MONITORABLE]))
    if prefix:
        flagged = flagged.filter(households.village_id.startswith(prefix))
    warned = (
        discoveries.filter(discoveries.source_run_id == run.pk)
        .join(cases, discoveries.case_id == cases.id)
        .select(household_id=cases.household_id)
    )
    note = ibis.literal(f"{run.year} 年评估（批次 {run.pk}）监测预警：")
    for name, text in _TRIGGER_TEXT:
        note = note.concat(ibis.ifelse(flagged[name], ibis.literal(text + "；"), ibis.literal("")))
    plan = Plan()
    pending = plan.step(
        "jz_monitor_pending",
        flagged.filter(flagged.household_id.notin(warned.household_id)).select(
            household_id=flagged.household_id,
            village_code=households.village_id,
            household_no=households.household_no,
            category=flagged.suggested_category,
            note=note,
        ),
    )
    open_cases = cases.filter(cases.closed_on.isnull())
    new = pending.filter(pending.household_id.notin(open_cases.household_id))
    tier = ibis.cases(*((new.category == str(c), str(t)) for c, t in TIER_OF_CATEGORY.items()), else_="")
    due = ibis.cases(
        *((tier == str(t), ibis.literal(_help_due(str(t), today, rules))) for t in HelpTier),
        else_=ibis.null("date"),
    )
    account = account_of(user)
    by = ibis.literal(account.pk if account else None, type="int64")
    plan.output(
        MonitoringCase._meta.db_table,
        new.select(
            household_id=new.household_id,
            village_code=new.village_code,
            household_no=new.household_no,
            channel=ibis.literal(str(Channel.DEPARTMENT_WARNING)),
            category=new.category,
            opened_on=ibis.literal(today),
            decision_due=ibis.literal(deadline.due),
            decision_due_estimated=ibis.literal(deadline.estimated),
            help_tier=tier,
            help_tier_since=ibis.ifelse(tier == "", ibis.null("date"), ibis.literal(today)),
            help_due=due,
            source_run_id=ibis.literal(run.pk, type="int64"),
            opened_by_id=by,
        ),
    )
    # After the insert above: every pending household now has an open case, new or old.
    joined = open_cases.join(pending, open_cases.household_id == pending.household_id)
    actor = ibis.literal(_actor(user))
    plan.output(
        CaseDiscovery._meta.db_table,
        joined.select(
            case_id=open_cases.id,
            channel=ibis.literal(str(Channel.DEPARTMENT_WARNING)),
            discovered_on=ibis.literal(today),
            by_id=by,
            actor=actor,
            note=pending.note,
            source_run_id=ibis.literal(run.pk, type="int64"),
            source_ref=ibis.literal(""),
        ),
    )
    fresh = cases.filter(cases.source_run_id == run.pk, cases.id.notin(steps.case_id))
    plan.output(
        CaseStep._meta.db_table,
        fresh.select(
            case_id=fresh.id,
            action=ibis.literal("open"),
            from_stage=ibis.literal(""),
            to_stage=ibis.literal(str(Stage.DISCOVERED)),
            on=ibis.literal(today),
            by_id=by,
            actor=actor,
            role=ibis.literal(getattr(user, "role", "")),
            note=ibis.literal(f"{run.year} 年评估（批次 {run.pk}）监测预警，批量纳入排查"),
        ),
    )
    with transaction.atomic():
        written = plan_execute(plan)
        _risk_types_from_triggers(run.pk)
        eligible = HouseholdResult.objects.filter(
            run=run, monitoring_flag=True, household__poverty_status__in=MONITORABLE
        )
        if prefix:
            eligible = eligible.filter(household__village__code__startswith=prefix)
        flagged_count = eligible.count()
    opened = written[MonitoringCase._meta.db_table]
    return BulkOpened(
        run_id=run.pk,
        year=year,
        flagged=flagged_count,
        opened=opened,
        joined=written[CaseDiscovery._meta.db_table] - opened,
        decision_due=deadline.due,
        decision_due_estimated=deadline.estimated,
    )


def _check_user_role(user: Any, roles: frozenset[str], what: str) -> None:
    role = getattr(user, "role", "")
    if role not in roles or not scope_prefix(user):
        allowed = "、".join(ROLE_TEXT.get(r, r) for r in roles)
        raise PermissionDenied(f"「{what}」须由{allowed}用户办理。")


# --- a sudden event, recorded and (if asked) opening a case at once ---------------------------------------------

# The risk type an event's kind names (docs/RULES.md §6 codes): a disaster of unrecorded nature is 0299, a main
# laborer's death leaves the household short of labor (04), a disability is 因残 (03).
RISK_OF_EVENT: dict[str, str] = {
    EventKind.DISASTER: RiskType.DISASTER_OTHER,
    EventKind.ACCIDENT: RiskType.ACCIDENT,
    EventKind.LABORER_DEATH: RiskType.NO_LABOR,
    EventKind.LABORER_DISABILITY: RiskType.DISABILITY,
}


@dataclass(frozen=True)
class SuddenEventRecorded:
    recorded: EventRecorded
    case: MonitoringCase | None  # the case opened, or the household's open case it was not added to
    case_opened: bool
    message: str  # what happened, in Chinese, for the page and the API


def sudden_event_record(
    *,
    household: Any,
    kind: str,
    occurred_on: dt.date,
    loss: Decimal,
    user: Any,
    note: str = "",
    open_case: bool = False,
    today: dt.date | None = None,
) -> SuddenEventRecorded:
    """Record a sudden event of ``household`` and, when ``open_case``, open a monitoring case for it at once
    (立即纳入监测): category 突发严重困难户, instant-help tier A, risk type from the event's kind, discovered today
    through cadre screening — event and case in one transaction.

    The case is not opened, and the event is recorded all the same, when the household already has an open case
    (which it names) or is no monitoring object (未脱贫, 返贫, 预脱贫); the message says so. Refusals of the event
    itself (:class:`~jingzhun.registry.services.EventRefused`, ``PermissionDenied``) leave nothing written.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        recorded = household_event_record(
            household=household, kind=kind, occurred_on=occurred_on, loss=loss, note=note, user=user, today=today
        )
        said = {
            "created": "突发事件已登记",
            "updated": "该事件此前已登记，已更新损失金额和描述",
            "unchanged": "该事件此前已登记，内容相同，未作改动",
        }
        message = said[recorded.outcome]
        if not open_case:
            return SuddenEventRecorded(recorded, None, False, message + "。")
        existing = MonitoringCase.objects.filter(household=household, closed_on__isnull=True).first()
        if existing is not None:
            return SuddenEventRecorded(
                recorded,
                existing,
                False,
                f"{message}；该户已有未办结的监测记录 #{existing.pk}（{STAGE_TEXT[Stage(existing.stage)]}），"
                "不另行纳入监测，请在该记录中办理。",
            )
        if household.poverty_status not in MONITORABLE:
            return SuddenEventRecorded(
                recorded,
                None,
                False,
                f"{message}；该户贫困户状态为「{household.get_poverty_status_display()}」，仍在脱贫攻坚帮扶范围内，"
                "不作为防返贫监测对象，未纳入监测。",
            )
        word = EVENT_WORD.get(kind, kind)
        opened = case_open(
            household=household,
            channel=Channel.CADRE_SCREENING,
            user=user,
            discovered_on=today,
            note=f"突发事件：{word}（{occurred_on:%Y-%m-%d}，损失 {recorded.event.loss} 元）"
            + (f"，{note}" if note else ""),
            category=Category.SUDDEN,
            risk_types=[RISK_OF_EVENT[kind]],
            source_ref=f"event:{recorded.event.pk}",
            today=today,
        )
        case = opened.case
        return SuddenEventRecorded(
            recorded,
            case,
            opened.created,
            f"{message}，已纳入监测：监测记录 #{case.pk}，突发严重困难户，即时帮扶 A 档，"
            f"须于 {case.help_due:%Y-%m-%d} 前救助。",
        )
