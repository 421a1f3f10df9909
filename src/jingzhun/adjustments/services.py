"""Writes to registry adjustment cases (动态调整, docs/LEDGER.md §8): one function per action, each in one
transaction.

The procedure is a table (:data:`STATUS_FLOW` for status changes, :data:`MEMBER_FLOW` for member changes) on
the one workflow machinery of :mod:`jingzhun.core.workflow`. :func:`adjustment_step` checks a request against
it — order, role, area, dates, attachments, the notice days, the household's status and the exit standard —
and refuses with a reason in Chinese before anything is written. The county's decision writes the registry
through the registry's services (status history, field history), so the next assessment, the exports and the
API see it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.core import idnumber
from jingzhun.core.files import upload_sha256
from jingzhun.core.filetypes import DOCUMENTS, RefusedFile, file_kind
from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import account_of, household_in_scope
from jingzhun.core.workflow import StepRule, Workflow
from jingzhun.policy.packs import DEFAULT_PACK, AdjustmentRules, pack_get
from jingzhun.policy.selectors import household_result_latest
from jingzhun.policy.workdays import working_days_after
from jingzhun.registry import services as registry
from jingzhun.registry.models import Household, Member
from jingzhun.registry.vocab import LEDGER_WORD, MemberStatus, PovertyStatus

from .models import (
    CLOSED,
    MEMBER_KINDS,
    STATUS_KINDS,
    AdjustmentAttachment,
    AdjustmentCase,
    AdjustmentStep,
    Kind,
    Source,
    Stage,
)

if TYPE_CHECKING:
    from .decisions_import import DecisionImportOutcome

ROLE_TEXT: dict[str, str] = {Role.COUNTY: "县级", Role.TOWN: "乡镇", Role.VILLAGE: "村级"}
STAGE_TEXT: dict[str, str] = {
    Stage.APPLIED: "已申请",
    Stage.VILLAGE_REVIEWED: "村级已评议",
    Stage.NOTICED: "村级公示中",
    Stage.TOWN_REVIEWED: "乡镇已审核",
    Stage.DECIDED: "县级已决定",
    Stage.ANNOUNCED: "已公告",
    Stage.NOT_APPROVED: "未通过",
}
# The workbook's words for the kinds (docs/LEDGER.md §8); the page shows the same.
KIND_TEXT: dict[str, str] = {
    Kind.EXIT: "脱贫",
    Kind.RELAPSE: "返贫",
    Kind.IDENTIFY: "新识别",
    Kind.TO_NO_POLICY: "转为不再享受政策",
    Kind.TO_POLICY: "转为享受政策",
    Kind.CANCEL: "错评清退",
    Kind.MEMBER_ADD: "增加成员",
    Kind.MEMBER_REMOVE: "减少成员",
    Kind.MEMBER_CORRECT: "修正成员信息",
}
ATTACHMENT_TEXT: dict[str, str] = {
    AdjustmentAttachment.Kind.APPLICATION: "申请书或核实材料",
    AdjustmentAttachment.Kind.MINUTES: "民主评议会议记录",
    AdjustmentAttachment.Kind.NOTICE_PHOTO: "公示照片",
    AdjustmentAttachment.Kind.DECISION: "县级决定文件",
    AdjustmentAttachment.Kind.ANNOUNCEMENT: "公告照片或文件",
    AdjustmentAttachment.Kind.OTHER: "附件",
}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = DOCUMENTS  # told from the file's bytes (core.filetypes): PDF, photos, .docx, .xlsx

# Which status a decision may start from, and the one it gives (docs/LEDGER.md §8).
STATUS_CHANGES: dict[str, tuple[tuple[str, ...], str]] = {
    Kind.EXIT: ((PovertyStatus.NOT_EXITED, PovertyStatus.RELAPSED, PovertyStatus.PRE_EXIT), PovertyStatus.EXITED),
    Kind.RELAPSE: ((PovertyStatus.EXITED, PovertyStatus.EXITED_NO_POLICY), PovertyStatus.RELAPSED),
    Kind.IDENTIFY: ((PovertyStatus.NON_POOR,), PovertyStatus.NOT_EXITED),
    Kind.TO_NO_POLICY: ((PovertyStatus.EXITED,), PovertyStatus.EXITED_NO_POLICY),
    Kind.TO_POLICY: ((PovertyStatus.EXITED_NO_POLICY,), PovertyStatus.EXITED),
    Kind.CANCEL: (
        (
            PovertyStatus.NOT_EXITED,
            PovertyStatus.RELAPSED,
            PovertyStatus.PRE_EXIT,
            PovertyStatus.EXITED,
            PovertyStatus.EXITED_NO_POLICY,
        ),
        PovertyStatus.NON_POOR,
    ),
}
STATUS_WORD = LEDGER_WORD[PovertyStatus]
# A member leaves the household by death or by moving out (marriage, household registration, a wrong
# registration of someone who does not live there): docs/LEDGER.md §8 成员状态.
REMOVED_STATUSES = (MemberStatus.DECEASED, MemberStatus.MOVED_OUT)
# Fields a correction may change (the ID number through its own service: birth date and sex follow it).
CORRECTABLE = (
    "id_number",
    "name",
    "relation",
    "education",
    "school_status",
    "health",
    "disability_grade",
    "labor",
    "work_status",
    "medical_insurance",
    "pension_insured",
)

_APPLICANTS = frozenset({Role.VILLAGE, Role.TOWN, Role.COUNTY})
_REVIEW = StepRule(
    "village_review",
    "村级民主评议",
    (Stage.APPLIED,),
    Stage.VILLAGE_REVIEWED,
    frozenset({Role.VILLAGE}),
    attachment=AdjustmentAttachment.Kind.MINUTES,
    refusable=True,
    refused_to=Stage.NOT_APPROVED,
)
_NOTICE = StepRule(
    "notice",
    "村级公示",
    (Stage.VILLAGE_REVIEWED,),
    Stage.NOTICED,
    frozenset({Role.VILLAGE}),
    attachment=AdjustmentAttachment.Kind.NOTICE_PHOTO,
)
_DECIDE = StepRule(
    "county_decide",
    "县级决定",
    (Stage.TOWN_REVIEWED,),
    Stage.DECIDED,
    frozenset({Role.COUNTY}),
    refusable=True,
    refused_to=Stage.NOT_APPROVED,
)
STATUS_FLOW = Workflow(
    (
        _REVIEW,
        _NOTICE,
        StepRule(
            "town_review",
            "乡镇审核",
            (Stage.NOTICED,),
            Stage.TOWN_REVIEWED,
            frozenset({Role.TOWN}),
            refusable=True,
            refused_to=Stage.NOT_APPROVED,
        ),
        _DECIDE,
        StepRule(
            "announce",
            "公告",
            (Stage.DECIDED,),
            Stage.ANNOUNCED,
            frozenset({Role.COUNTY}),
            attachment=AdjustmentAttachment.Kind.ANNOUNCEMENT,
        ),
    ),
    stage_text=STAGE_TEXT,
    role_text=ROLE_TEXT,
)
# A member's birth, death or move is a fact checked by the town and decided by the county; it is not put to the
# village's vote and notice.
MEMBER_FLOW = Workflow(
    (
        StepRule(
            "town_review",
            "乡镇审核",
            (Stage.APPLIED,),
            Stage.TOWN_REVIEWED,
            frozenset({Role.TOWN}),
            refusable=True,
            refused_to=Stage.NOT_APPROVED,
        ),
        _DECIDE,
    ),
    stage_text=STAGE_TEXT,
    role_text=ROLE_TEXT,
)
NOTICE_STEP = "notice"


def workflow_of(kind: str) -> Workflow:
    return STATUS_FLOW if kind in STATUS_KINDS else MEMBER_FLOW


class AdjustmentRefused(Exception):
    """A change that cannot be made; the message says why, in Chinese."""


class AdjustmentStale(AdjustmentRefused):
    """The case changed since the user loaded it."""


def adjustment_rules() -> AdjustmentRules:
    return pack_get(DEFAULT_PACK).adjustment_rules()


def _actor(user: Any) -> str:
    if getattr(user, "pk", None):
        return str(user.get_username())
    import getpass

    return f"命令行（{getpass.getuser()}）"


def _check_actor(user: Any, household: Household, rule: StepRule | None, what: str, workflow: Workflow) -> None:
    role = getattr(user, "role", "")
    if rule is not None:
        problem = workflow.role_problem(rule, role)
    elif role not in _APPLICANTS:
        problem = f"「{what}」须由{workflow.roles_text(_APPLICANTS)}用户办理。"
    else:
        problem = ""
    if problem:
        raise PermissionDenied(problem)
    if not household_in_scope(user, household):
        raise PermissionDenied(f"户 {household.household_no} 不在您的管辖区域内。")


def _check_date(on: dt.date, *, today: dt.date, not_before: dt.date | None, what: str) -> None:
    problem = record_date_problem(on, what=f"「{what}」的日期", today=today)
    if problem:
        raise AdjustmentRefused(problem + "。")
    if not_before and on < not_before:
        raise AdjustmentRefused(f"「{what}」的日期 {on:%Y-%m-%d} 早于上一环节的日期 {not_before:%Y-%m-%d}。")


def status_problem(kind: str, status: str) -> str:
    """Why a household of ``status`` cannot have a ``kind`` decision ("" when it can), naming its status."""
    if kind not in STATUS_CHANGES:
        return ""
    allowed, _to = STATUS_CHANGES[kind]
    if status in allowed:
        return ""
    starts = "、".join(STATUS_WORD[s] for s in allowed)
    return f"「{KIND_TEXT[kind]}」只适用于贫困户状态为{starts}的户，该户当前为「{STATUS_WORD.get(status, status)}」"


def exit_standard_problem(*, household: Household) -> str:
    """Why the household's latest assessment does not support an exit ("" when it does, or when no assessment
    has judged it: docs/LEDGER.md §8 asks for an override reason only when the assessment says it is not met)."""
    result = household_result_latest(household=household)
    if result is None or result.exclusion or result.meets_standard is not False:
        return ""
    return f"该户最近一次评估（{result.run.year} 年，批次 {result.run_id}）未达到脱贫标准：{result.reasons or '见评估结果'}"


# --- opening --------------------------------------------------------------------------------------------------


@dataclass
class Application:
    """What an office enters to open a case. ``member_id_number``: the member concerned (remove, correct);
    ``member_values``: the new member's fields (add) or the corrected fields (correct), as stored codes;
    ``member_status``: 死亡/迁出 as ``deceased``/``moved_out`` (remove)."""

    kind: str
    applied_on: dt.date
    reason: str
    member_id_number: str = ""
    member_values: dict[str, Any] = field(default_factory=dict)
    member_status: str = ""
    note: str = ""
    attachments: Sequence[tuple[str, UploadedFile]] = ()


def _member_of(household: Household, number: str) -> Member:
    member = Member.objects.filter(household=household, id_number=idnumber.normalize(number)).first()
    if member is None:
        raise AdjustmentRefused(f"户 {household.household_no} 没有证件号码为 {idnumber.mask(number)} 的成员。")
    return member


def _member_checks(household: Household, application: Application, *, today: dt.date) -> dict[str, Any]:
    """Validate a member change; returns the case's member fields."""
    kind = application.kind
    if kind == Kind.MEMBER_ADD:
        values = dict(application.member_values)
        try:
            parsed = idnumber.parse(str(values.get("id_number", "")), today=today)
        except idnumber.InvalidIdNumber as refused:
            raise AdjustmentRefused(f"新成员的证件号码无效：{refused}。") from None
        if Member.objects.filter(id_number=parsed.number).exists():
            raise AdjustmentRefused(f"证件号码 {idnumber.mask(parsed.number)} 已登记在建档立卡成员中，不能重复增加。")
        if not str(values.get("name", "")).strip():
            raise AdjustmentRefused("增加成员须填写新成员的姓名。")
        if not values.get("relation"):
            raise AdjustmentRefused("增加成员须填写新成员与户主关系。")
        values["id_number"] = parsed.number
        return {"member": None, "member_id_number": parsed.number, "member_values": values}
    member = _member_of(household, application.member_id_number)
    if member.status != MemberStatus.ACTIVE:
        raise AdjustmentRefused(f"成员 {member.name} 已不在册（{member.get_status_display()}）。")
    if kind == Kind.MEMBER_REMOVE:
        if application.member_status not in REMOVED_STATUSES:
            raise AdjustmentRefused("减少成员须选择成员状态：死亡或迁出。")
        return {
            "member": member,
            "member_id_number": member.id_number,
            "member_values": {"status": application.member_status},
        }
    values = {k: v for k, v in application.member_values.items() if k in CORRECTABLE}
    unknown = sorted(set(application.member_values) - set(CORRECTABLE))
    if unknown:
        raise AdjustmentRefused(f"不能通过修正成员信息修改：{'、'.join(unknown)}。")
    changed = {k: v for k, v in values.items() if getattr(member, k) != v}
    if not changed:
        raise AdjustmentRefused("修正成员信息须至少改动一项。")
    if "id_number" in changed:
        try:
            parsed = idnumber.parse(str(changed["id_number"]), today=today)
        except idnumber.InvalidIdNumber as refused:
            raise AdjustmentRefused(f"更正后的证件号码无效：{refused}。") from None
        if Member.objects.filter(id_number=parsed.number).exclude(pk=member.pk).exists():
            raise AdjustmentRefused(f"证件号码 {idnumber.mask(parsed.number)} 已登记在其他成员名下。")
        changed["id_number"] = parsed.number
    return {"member": member, "member_id_number": member.id_number, "member_values": changed}


def adjustment_open(
    *, household: Household, user: Any, application: Application, today: dt.date | None = None
) -> AdjustmentCase:
    """Open a case for ``household``: an application or a discovery, at stage 已申请, with the county decision
    due after the pack's working days. Refused (:class:`AdjustmentRefused`, or ``PermissionDenied`` for the
    wrong role or area) with the reason; nothing is written then."""
    today = today or timezone.localdate()
    kind = application.kind
    if kind not in KIND_TEXT:
        raise AdjustmentRefused(f"调整类型「{kind}」无效。")
    workflow = workflow_of(kind)
    _check_actor(user, household, None, "提出动态调整", workflow)
    _check_date(application.applied_on, today=today, not_before=None, what="申请")
    reason = application.reason.strip()
    if not reason:
        raise AdjustmentRefused("须填写调整原因。")
    problem = status_problem(kind, household.poverty_status)
    if problem:
        raise AdjustmentRefused(problem + "。")
    member_fields: dict[str, Any] = {}
    if kind in MEMBER_KINDS:
        member_fields = _member_checks(household, application, today=today)
    _check_attachments(application.attachments)
    rules = adjustment_rules()
    due = working_days_after(application.applied_on, rules.decision_working_days, rules.calendar).due
    to_status = STATUS_CHANGES[kind][1] if kind in STATUS_CHANGES else ""
    try:
        with transaction.atomic():
            case = AdjustmentCase.objects.create(
                household=household,
                kind=kind,
                from_status=household.poverty_status if kind in STATUS_KINDS else "",
                to_status=to_status,
                reason=reason,
                applied_on=application.applied_on,
                decision_due=due,
                opened_by=account_of(user),
                **member_fields,
            )
            step = AdjustmentStep.objects.create(
                case=case,
                action="open",
                to_stage=Stage.APPLIED,
                on=application.applied_on,
                by=account_of(user),
                actor=_actor(user),
                role=getattr(user, "role", ""),
                note=application.note,
                data={"kind": kind, "reason": reason},
            )
            for attachment_kind, upload in application.attachments:
                _attach(case, step, attachment_kind, upload)
    except IntegrityError:
        if kind in STATUS_KINDS:
            raise AdjustmentRefused(f"户 {household.household_no} 已有一项正在办理的状态调整，办结后再提出。") from None
        raise AdjustmentRefused("该成员已有一项正在办理的成员变更，办结后再提出。") from None
    return case


# --- the workflow ---------------------------------------------------------------------------------------------


@dataclass
class StepInput:
    """What a user enters for a step. ``passed=False`` ends a refusable step with ``reason``."""

    on: dt.date
    note: str = ""
    passed: bool = True
    reason: str = ""
    decision_no: str = ""
    override_reason: str = ""
    attachments: Sequence[tuple[str, UploadedFile]] = ()


def adjustment_step(
    *, case_id: int, action: str, user: Any, expected_version: int, step: StepInput, today: dt.date | None = None
) -> AdjustmentCase:
    """Take one step of a case, or refuse with the reason. The county's decision writes the registry; all of it
    is written, or nothing."""
    today = today or timezone.localdate()
    with transaction.atomic():
        case = AdjustmentCase.objects.select_for_update().select_related("household").filter(pk=case_id).first()
        if case is None:
            raise AdjustmentRefused("动态调整记录不存在。")
        workflow = workflow_of(case.kind)
        rule = workflow.rule(action)
        if rule is None:
            raise AdjustmentRefused(f"「{KIND_TEXT[case.kind]}」没有办理环节「{action}」。")
        _check_actor(user, case.household, rule, rule.label, workflow)
        if case.version != expected_version:
            raise AdjustmentStale(
                f"该户的动态调整记录已被他人更新（当前环节：{STAGE_TEXT[case.stage]}），请刷新页面后再办理。"
            )
        problem = workflow.order_problem(rule, case.stage)
        if problem:
            raise AdjustmentRefused(problem)
        last = case.steps.order_by("-on", "-id").values_list("on", flat=True).first()
        _check_date(step.on, today=today, not_before=last, what=rule.label)
        data = _step_checks(case, rule, step)
        to_stage = rule.to if step.passed else rule.refused_to
        updates: dict[str, Any] = {}
        if to_stage in CLOSED and case.closed_on is None:
            updates["closed_on"] = step.on
            updates["close_reason"] = step.reason.strip()[:500] if not step.passed else ""
        if rule.action == NOTICE_STEP:
            updates["notice_started_on"] = step.on
        if rule.action == "announce":
            updates["announced_on"] = step.on
        if rule.action == "county_decide" and step.passed:
            updates |= {
                "decided_on": step.on,
                "decision_no": step.decision_no.strip(),
                "override_reason": step.override_reason.strip(),
            }
        changed = AdjustmentCase.objects.filter(pk=case.pk, version=expected_version).update(
            stage=to_stage, version=F("version") + 1, updated_at=timezone.now(), **updates
        )
        if changed != 1:  # a database without row locks (SQLite) still refuses a stale write here
            raise AdjustmentStale("该户的动态调整记录已被他人更新，请刷新页面后再办理。")
        record = AdjustmentStep.objects.create(
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
        if rule.action == "county_decide" and step.passed:
            _apply(case, user=user, on=step.on, decision_no=step.decision_no.strip())
            people = (
                case.household.members.filter(status=MemberStatus.ACTIVE).count() if case.kind in STATUS_KINDS else 1
            )
            AdjustmentCase.objects.filter(pk=case.pk).update(people=people)
        case.refresh_from_db()
        return case


def _step_checks(case: AdjustmentCase, rule: StepRule, step: StepInput) -> dict[str, Any]:
    """Validate the step's own input; returns what the step decided, for its history row."""
    data: dict[str, Any] = {"passed": step.passed} if rule.refusable else {}
    if not step.passed:
        if not rule.refusable:
            raise AdjustmentRefused(f"「{rule.label}」没有「不通过」的结果。")
        if not step.reason.strip():
            raise AdjustmentRefused(f"「{rule.label}」未通过时须填写理由。")
        data["reason"] = step.reason.strip()
    _check_attachments(step.attachments)
    kinds = {kind for kind, _upload in step.attachments}
    if rule.attachment and step.passed and rule.attachment not in kinds:
        raise AdjustmentRefused(f"「{rule.label}」须上传{ATTACHMENT_TEXT[rule.attachment]}。")
    if rule.action == "town_review" and step.passed and case.kind in STATUS_KINDS:
        days = adjustment_rules().notice_days
        posted = case.notice_started_on or step.on
        ends = posted + dt.timedelta(days=days)
        if step.on < ends:
            raise AdjustmentRefused(
                f"公示自 {posted:%Y-%m-%d} 起不少于 {days} 天，{ends:%Y-%m-%d} 起方可{rule.label}。"
            )
    if rule.action == "county_decide" and step.passed:
        if not step.decision_no.strip():
            raise AdjustmentRefused("县级决定须填写决定文号。")
        number = step.decision_no.strip()
        if AdjustmentCase.objects.filter(
            household=case.household, kind=case.kind, decision_no=number, member_id_number=case.member_id_number
        ).exists():
            raise AdjustmentRefused(f"决定文号「{number}」已用于该户的同一项调整。")
        data["decision_no"] = number
        data |= decision_checks(case.household, case.kind, override_reason=step.override_reason)
    return data


def decision_checks(household: Household, kind: str, *, override_reason: str) -> dict[str, Any]:
    """What a decision on ``household`` needs on the day it is taken: the household's status now (it may have
    changed since the application), and for an exit the latest assessment or an override reason."""
    problem = status_problem(kind, household.poverty_status)
    if problem:
        raise AdjustmentRefused(problem + "。")
    data: dict[str, Any] = {}
    if kind == Kind.EXIT:
        unmet = exit_standard_problem(household=household)
        if unmet and not override_reason.strip():
            raise AdjustmentRefused(unmet + "；如确需退出，须填写覆盖理由。")
        if unmet:
            data["override_reason"] = override_reason.strip()
            data["assessment"] = unmet
    return data


def _apply(case: AdjustmentCase, *, user: Any, on: dt.date, decision_no: str) -> None:
    """Write the decided change to the registry, through its services (with history)."""
    reason = f"{KIND_TEXT[case.kind]}（{decision_no}）：{case.reason}"[:500]
    household = case.household
    try:
        if case.kind in STATUS_KINDS:
            changes: dict[str, Any] = {"poverty_status": case.to_status}
            if case.kind == Kind.EXIT:
                changes["year_exited"] = on.year
            if case.kind == Kind.IDENTIFY and household.year_registered is None:
                changes["year_registered"] = on.year
            registry.household_update(household=household, changes=changes, user=user, reason=reason)
        elif case.kind == Kind.MEMBER_ADD:
            values = dict(case.member_values)
            member = registry.member_add(household=household, values=values, user=user, reason=reason, today=on)
            AdjustmentCase.objects.filter(pk=case.pk).update(member=member)
        else:
            member = Member.objects.filter(pk=case.member_id or 0, household=household).first()
            if member is None or member.status != MemberStatus.ACTIVE:
                raise AdjustmentRefused(f"成员 {idnumber.mask(case.member_id_number)} 已不在该户在册成员中。")
            values = dict(case.member_values)
            number = values.pop("id_number", None)
            if values:
                registry.member_update(member=member, changes=values, user=user, reason=reason)
            if number:
                registry.member_id_number_correct(member=member, id_number=number, user=user, reason=reason, today=on)
    except registry.RegistryRefused as refused:
        raise AdjustmentRefused(str(refused)) from None


def _check_attachments(attachments: Sequence[tuple[str, UploadedFile]]) -> None:
    for kind, upload in attachments:
        if kind not in AdjustmentAttachment.Kind.values:
            raise AdjustmentRefused(f"附件类型「{kind}」无效。")
        if (upload.size or 0) > ATTACHMENT_MAX_BYTES:
            raise AdjustmentRefused(f"附件「{upload.name}」超过 10 MB。")
        try:
            file_kind(upload, allowed=ATTACHMENT_TYPES)
        except RefusedFile as refused:
            raise AdjustmentRefused(f"附件「{upload.name}」{refused}。") from None


def _attach(case: AdjustmentCase, step: AdjustmentStep, kind: str, upload: UploadedFile) -> AdjustmentAttachment:
    attachment = AdjustmentAttachment(
        case=case, step=step, kind=kind, original_name=upload.name or "附件", size=upload.size or 0
    )
    attachment.sha256 = upload_sha256(upload)
    suffix = file_kind(upload, allowed=ATTACHMENT_TYPES).suffix
    attachment.file.save(f"{case.pk}-{step.pk}-{kind}{suffix}", upload, save=False)
    attachment.save()
    return attachment


__all__ = [
    "ATTACHMENT_TEXT",
    "KIND_TEXT",
    "MEMBER_FLOW",
    "STAGE_TEXT",
    "STATUS_CHANGES",
    "STATUS_FLOW",
    "AdjustmentRefused",
    "AdjustmentStale",
    "Application",
    "Source",
    "StepInput",
    "adjustment_open",
    "adjustment_step",
    "decision_checks",
    "decisions_import",
    "exit_standard_problem",
    "status_problem",
    "workflow_of",
]


# --- the year's decisions from a workbook (托底清零) -------------------------------------------------------------


def decisions_import(
    *, path: Any, user: Any, today: dt.date | None = None, progress: Any = None
) -> DecisionImportOutcome:
    """Import a workbook of decided adjustments (docs/LEDGER.md §8), set-based, in one transaction: each household
    applied whole or not at all, each decision kept as a decided case; see :mod:`.decisions_import`."""
    from .decisions_import import decisions_import as run

    return run(path=path, user=user, today=today, progress=progress)
