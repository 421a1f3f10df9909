"""Writes to supervision findings (督导问题, docs/LEDGER.md §6, docs/RULES.md §11): one function per step, each in
one transaction.

The steps: record a finding (an inspector or the county office; also one click from a data-comparison clue),
assign it (交办) to a responsible town, a responsible department or both (一案双转), each assignee's rectification
(整改) with evidence, the inspector's reopening of a part (退回, with a reason: a new rectification period starts)
and verification (核验销号) once every part is done. Each step checks role, area, dates and order and refuses with
a reason in Chinese before anything is written; each locks the finding and must name the version it was based on,
so two users acting at once never overwrite each other. Every step is a :class:`FindingStep` row, never changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.accounts.permissions import ROLE_CAPABILITIES, Capability, user_can
from jingzhun.areas.models import Area, Level
from jingzhun.core.files import upload_sha256
from jingzhun.core.filetypes import DOCUMENTS, RefusedFile, file_kind
from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import SYSTEM, account_of, household_in_scope, in_scope
from jingzhun.crosscheck.models import Department
from jingzhun.crosscheck.selectors import clue_get_for_user
from jingzhun.policy.packs import DEFAULT_PACK, SupervisionRules, pack_get
from jingzhun.policy.workdays import working_days_after
from jingzhun.projects.datafiles import indicator_bank
from jingzhun.projects.evaluation_selectors import evaluation_item_get_for_user
from jingzhun.registry.models import Household

from .models import Category, Evidence, Finding, FindingPart, FindingStep, PartKind, Source

if TYPE_CHECKING:
    from .findings_import import FindingImportOutcome

# Who takes each step (accounts.permissions): the county office and inspectors record and assign
# (RECORD_FINDINGS); the assignee rectifies its own part (RECTIFY_FINDINGS: towns, department clerks); only an
# inspector verifies or reopens (VERIFY_FINDINGS: the one who checks is not the one who fixed).
ROLE_TEXT: dict[str, str] = {
    Role.INSPECTOR: "督导检查",
    Role.COUNTY: "县级",
    Role.TOWN: "乡镇",
    Role.DEPARTMENT: "部门",
}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_MAX_FILES = 10
EVIDENCE_TYPES = DOCUMENTS  # told from the file's bytes: PDF, photos, .docx, .xlsx
DESCRIPTION_MAX = 2000
NUMBER_MAX = 40


class FindingRefused(Exception):
    """A step that cannot be taken; the message says why, in Chinese."""


class FindingStale(FindingRefused):
    """The finding changed since the user loaded it."""


def supervision_rules() -> SupervisionRules:
    """The deadlines in force: the default rule pack's supervision parameters."""
    return pack_get(DEFAULT_PACK).supervision_rules()


def due_after(start: dt.date, days: int, rules: SupervisionRules) -> dt.date:
    """The day a period of ``days`` starting on ``start`` ends: calendar days, or working days on the Chinese
    calendar when the pack says so (``start`` itself does not count). Done on that day is in time."""
    if rules.working_days:
        return working_days_after(start, days, rules.calendar).due
    return start + dt.timedelta(days=days)


def department_label(key: str) -> str:
    """A department as people read it: a key of docs/LEDGER.md §2 becomes its name; another name stays."""
    return str(Department(key).label) if key in Department.values else key


def department_key(text: str) -> str:
    """A department as entered (its key or its §2 name, e.g. 医保) → the key; another department's name as is."""
    text = text.strip()
    for value, label in Department.choices:
        if text in (value, label):
            return value
    return text


# --- checks ------------------------------------------------------------------------------------------------------


def _require(user: Any, capability: Capability, what: str) -> None:
    if user is SYSTEM or user_can(user, capability):
        return
    role = getattr(user, "role", "")
    allowed = "、".join(text for r, text in ROLE_TEXT.items() if capability in ROLE_CAPABILITIES[r])
    raise PermissionDenied(f"「{what}」须由{allowed}用户办理，当前用户角色为「{ROLE_TEXT.get(role, role)}」。")


def _check_area(user: Any, code: str) -> None:
    if not in_scope(user, code):
        raise PermissionDenied(f"区划 {code} 不在您的管辖区域内。")


def _check_date(on: dt.date, *, today: dt.date, what: str, not_before: dt.date | None = None, after: str = "") -> None:
    problem = record_date_problem(on, what=f"「{what}」的日期", today=today)
    if problem:
        raise FindingRefused(problem + "。")
    if not_before and on < not_before:
        raise FindingRefused(f"「{what}」的日期 {on:%Y-%m-%d} 早于{after}（{not_before:%Y-%m-%d}）。")


def _town(code: str) -> Area:
    town = Area.objects.filter(code=code, level=Level.TOWN).first()
    if town is None:
        raise FindingRefused(f"责任乡镇「{code}」不是已登记的乡镇区划代码（12 位）。")
    return town


def _department(text: str) -> str:
    key = department_key(text)
    if len(key) > 40:
        raise FindingRefused("责任部门名称不能超过 40 个字。")
    return key


def _check_evidence(files: Sequence[UploadedFile], *, required: bool) -> None:
    if required and not files:
        raise FindingRefused("须上传整改佐证材料（照片、PDF、Word 或 Excel 文件）。")
    if len(files) > EVIDENCE_MAX_FILES:
        raise FindingRefused(f"一次最多上传 {EVIDENCE_MAX_FILES} 个文件。")
    for upload in files:
        if (upload.size or 0) > EVIDENCE_MAX_BYTES:
            raise FindingRefused(f"文件「{upload.name}」超过 10 MB。")
        try:
            file_kind(upload, allowed=EVIDENCE_TYPES)
        except RefusedFile as exc:
            raise FindingRefused(f"文件「{upload.name}」：{exc}") from None


def _attach(finding: Finding, step: FindingStep, files: Sequence[UploadedFile]) -> None:
    for index, upload in enumerate(files, start=1):
        evidence = Evidence(
            finding=finding, step=step, original_name=(upload.name or "附件")[:255], size=upload.size or 0
        )
        evidence.sha256 = upload_sha256(upload)
        suffix = file_kind(upload, allowed=EVIDENCE_TYPES).suffix
        evidence.file.save(f"{finding.pk}-{step.pk}-{index}{suffix}", upload, save=False)
        evidence.save()


def _step(finding: Finding, user: Any, action: str, on: dt.date, *, part: str = "", note: str = "", **data: Any):
    return FindingStep.objects.create(
        finding=finding,
        part=part,
        action=action,
        on=on,
        by=account_of(user),
        actor=getattr(user, "username", "system"),
        note=note,
        data=data,
    )


def _locked(finding_id: int, expected_version: int | None) -> Finding:
    finding = Finding.objects.select_for_update().filter(pk=finding_id).first()
    if finding is None:
        raise FindingRefused("没有这条督导问题。")
    if expected_version is not None and finding.version != expected_version:
        raise FindingStale("这条督导问题已被他人更新，请刷新页面后再办理。")
    return finding


def _bump(finding: Finding, **updates: Any) -> None:
    Finding.objects.filter(pk=finding.pk).update(version=F("version") + 1, updated_at=timezone.now(), **updates)
    finding.refresh_from_db()


# --- recording -------------------------------------------------------------------------------------------------


def _number_free(number: str) -> str:
    number = number.strip()
    if not number:
        raise FindingRefused("问题编号不能为空。")
    if len(number) > NUMBER_MAX:
        raise FindingRefused(f"问题编号不能超过 {NUMBER_MAX} 个字符。")
    if Finding.objects.filter(number=number).exists():
        raise FindingRefused(f"问题编号「{number}」已被使用。")
    return number


def finding_record(
    *,
    user: Any,
    source: str,
    found_on: dt.date,
    area_code: str,
    category: str,
    description: str,
    town_code: str = "",
    department: str = "",
    household_no: str = "",
    number: str = "",
    evidence: Sequence[UploadedFile] = (),
    clue_id: int | None = None,
    project_problem_id: int | None = None,
    today: dt.date | None = None,
) -> Finding:
    """Record a finding. The number is given (as on the inspectors' sheet) or made (``DC<year>-<serial>``); the
    assignment is due within the pack's days of ``found_on``. ``town_code``/``department`` say who will answer
    for it (at least one); the assignment itself is its own step."""
    today = today or timezone.localdate()
    _require(user, Capability.RECORD_FINDINGS, "登记督导问题")
    if source not in Source.values:
        raise FindingRefused(f"问题来源「{source}」无效（应为 {'、'.join(Source.labels)}）。")
    if category not in Category.values:
        raise FindingRefused(f"问题类别「{category}」无效（应为 {'、'.join(Category.labels)}）。")
    description = description.strip()
    if not description:
        raise FindingRefused("问题描述不能为空。")
    if len(description) > DESCRIPTION_MAX:
        raise FindingRefused(f"问题描述不能超过 {DESCRIPTION_MAX} 个字。")
    _check_date(found_on, today=today, what="发现日期")
    household = None
    if household_no:
        household = Household.objects.filter(household_no=household_no.strip()).first()
        if household is None or not household_in_scope(user, household):
            raise FindingRefused(f"户编号「{household_no}」不存在或不在您的管辖区域内。")
        area_code = area_code or household.village_id
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise FindingRefused(f"区划代码「{area_code}」不是已登记的区划（12 位）。")
    if household is not None and not household.village_id.startswith(area.prefix):
        raise FindingRefused(f"户 {household.household_no} 不在区划 {area_code} 内。")
    _check_area(user, area_code)
    if not town_code and not department.strip():
        raise FindingRefused("责任乡镇和责任部门至少填写一个（一案双转时两个都填）。")
    if town_code:
        _check_area(user, _town(town_code).code)
    department = _department(department) if department.strip() else ""
    _check_evidence(evidence, required=False)
    rules = supervision_rules()
    with transaction.atomic():
        finding = Finding.objects.create(
            number=_number_free(number) if number else f"~{timezone.now().timestamp()}",
            source=source,
            found_on=found_on,
            area_code=area_code,
            household=household,
            category=category,
            description=description,
            town_code=town_code,
            department=department,
            assign_due=due_after(found_on, rules.assign_days, rules),
            clue_id=clue_id,
            project_problem_id=project_problem_id,
            created_by=account_of(user),
        )
        if not number:
            finding.number = f"DC{found_on.year}-{finding.pk:06d}"
            Finding.objects.filter(pk=finding.pk).update(number=finding.number)
        step = _step(finding, user, FindingStep.Action.RECORD, found_on, source=source)
        _attach(finding, step, evidence)
    return finding


def finding_from_clue(*, clue_id: int, user: Any, today: dt.date | None = None) -> Finding:
    """A finding raised in one click from a data-comparison clue: source 数据比对, the clue's village and
    household, the responsible town the clue was dispatched to (or the village's town) and the clue's department.
    A clue gives at most one finding: a second click returns the first."""
    today = today or timezone.localdate()
    _require(user, Capability.RECORD_FINDINGS, "由比对线索登记督导问题")
    clue = clue_get_for_user(user=user, clue_id=clue_id)
    with transaction.atomic():
        existing = Finding.objects.select_for_update().filter(clue_id=clue.pk).first()
        if existing is not None:
            return existing
        village = Area.objects.get(code=clue.village_code)
        return finding_record(
            user=user,
            source=Source.DATA_COMPARISON,
            found_on=today,
            area_code=clue.village_code,
            category=Category.DATA_QUALITY,
            description=f"数据比对线索 {clue.rule}：{clue.detail}（建议：{clue.action}）",
            town_code=clue.dispatched_to or (village.parent_id or ""),
            department="" if clue.department == "internal" else clue.department,
            household_no=clue.household.household_no,
            clue_id=clue.pk,
            today=today,
        )


def finding_from_project_problem(*, item_id: int, user: Any, today: dt.date | None = None) -> Finding:
    """A finding raised in one click from a problem a project evaluation found (项目评估): category 资金项目, the
    project's area, its town as the responsible town (a county-level project: its responsible unit as the
    department). A problem gives at most one finding: a second click returns the first.

    Source 月度督导: the review of existing projects against the indicator bank is routine supervision done on a
    schedule by the county office and the inspectors, not an audit, a tour or a petition."""
    today = today or timezone.localdate()
    _require(user, Capability.RECORD_FINDINGS, "由项目评估问题登记督导问题")
    item = evaluation_item_get_for_user(user=user, item_id=item_id)
    if not item.problem:
        raise FindingRefused(f"指标 {item.indicator} 得分为满分，没有发现问题，不能登记督导问题。")
    project = item.evaluation.project
    with transaction.atomic():
        existing = Finding.objects.select_for_update().filter(project_problem_id=item.pk).first()
        if existing is not None:
            return existing
        town = _project_town(project.area)
        indicator = project_indicator_text(item.indicator)
        return finding_record(
            user=user,
            source=Source.MONTHLY,
            found_on=today,
            area_code=project.area_id,
            category=Category.FUNDS_PROJECTS,
            description=f"项目评估：{project.code} {project.name} {indicator}：{item.problem}"[:DESCRIPTION_MAX],
            town_code=town,
            department="" if town else (project.responsible_unit.strip() or "县乡村振兴部门")[:40],
            project_problem_id=item.pk,
            today=today,
        )


def _project_town(area: Area) -> str:
    """The town a project's area lies in: the area itself for a town, its parent for a village; "" above."""
    if area.level == Level.TOWN:
        return area.code
    if area.level == Level.VILLAGE:
        return area.parent_id or ""
    return ""


def project_indicator_text(code: str) -> str:
    indicator = indicator_bank().get(code)
    return indicator.text if indicator else code


# --- assignment, rectification, verification -------------------------------------------------------------------


def finding_assign(
    *,
    finding_id: int,
    user: Any,
    on: dt.date,
    expected_version: int | None,
    town_code: str | None = None,
    department: str | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> Finding:
    """交办: the finding goes to its town and/or department (as recorded, or as given here); each part is due
    within the pack's rectification days of ``on``."""
    today = today or timezone.localdate()
    _require(user, Capability.RECORD_FINDINGS, "交办")
    rules = supervision_rules()
    with transaction.atomic():
        finding = _locked(finding_id, expected_version)
        _check_area(user, finding.area_code)
        if finding.assigned_on:
            raise FindingRefused(f"该问题已于 {finding.assigned_on:%Y-%m-%d} 交办，不能重复交办。")
        _check_date(on, today=today, what="交办", not_before=finding.found_on, after="发现日期")
        town = finding.town_code if town_code is None else town_code.strip()
        dept = finding.department if department is None else (_department(department) if department.strip() else "")
        if not town and not dept:
            raise FindingRefused("责任乡镇和责任部门至少填写一个（一案双转时两个都填）。")
        if town:
            _check_area(user, _town(town).code)
        due = due_after(on, rules.rectify_days, rules)
        parts = [(PartKind.TOWN, town), (PartKind.DEPARTMENT, dept)]
        FindingPart.objects.bulk_create(
            [
                FindingPart(finding=finding, kind=kind, assignee=who, started_on=on, due=due)
                for kind, who in parts
                if who
            ]
        )
        _bump(finding, assigned_on=on, town_code=town, department=dept)
        _step(finding, user, FindingStep.Action.ASSIGN, on, note=note.strip(), town=town, department=dept, due=str(due))
    return finding


def part_may_rectify(user: Any, part: FindingPart, finding: Finding) -> bool:
    """Whether ``user`` answers for ``part``: the responsible town's own account, or a clerk of the responsible
    department within whose area the finding lies."""
    role = getattr(user, "role", "")
    if part.kind == PartKind.TOWN:
        return role == Role.TOWN and in_scope(user, part.assignee)
    return (
        role == Role.DEPARTMENT
        and in_scope(user, finding.area_code)
        and department_key(getattr(user, "department", "")) == part.assignee
    )


def _part(finding: Finding, kind: str) -> FindingPart:
    part = FindingPart.objects.select_for_update().filter(finding=finding, kind=kind).first()
    if part is None:
        what = PartKind(kind).label if kind in PartKind.values else kind
        raise FindingRefused(f"该问题没有交办给{what}，或尚未交办。")
    return part


def part_rectify(
    *,
    finding_id: int,
    kind: str,
    user: Any,
    on: dt.date,
    rectification: str,
    evidence: Sequence[UploadedFile],
    expected_version: int | None,
    today: dt.date | None = None,
) -> Finding:
    """The assignee's rectification of its part, with what was done and the evidence (at least one file).

    The town and the department work on their parts independently: a step the other assignee took since this
    user loaded the page does not make this one stale (``expected_version`` is not compared). Two rectifications
    of the same part at once cannot both land: the finding row is locked and the second finds the part done."""
    today = today or timezone.localdate()
    rectification = rectification.strip()
    if not rectification:
        raise FindingRefused("须填写整改情况。")
    if len(rectification) > DESCRIPTION_MAX:
        raise FindingRefused(f"整改情况不能超过 {DESCRIPTION_MAX} 个字。")
    _check_evidence(evidence, required=True)
    with transaction.atomic():
        finding = _locked(finding_id, None)
        part = _part(finding, kind)
        _require(user, Capability.RECTIFY_FINDINGS, "整改")
        if user is not SYSTEM and not part_may_rectify(user, part, finding):
            raise PermissionDenied(f"该问题的{PartKind(part.kind).label}整改由「{part.assignee}」负责，您不能办理。")
        if part.done_on:
            raise FindingRefused(f"该部分已于 {part.done_on:%Y-%m-%d} 整改完成。")
        _check_date(on, today=today, what="整改完成", not_before=part.started_on, after="交办日期")
        FindingPart.objects.filter(pk=part.pk).update(done_on=on, rectification=rectification)
        _bump(finding)
        step = _step(
            finding, user, FindingStep.Action.RECTIFY, on, part=part.kind, note=rectification, due=str(part.due)
        )
        _attach(finding, step, evidence)
    return finding


def part_reopen(
    *,
    finding_id: int,
    kind: str,
    user: Any,
    on: dt.date,
    reason: str,
    expected_version: int | None,
    today: dt.date | None = None,
) -> Finding:
    """The inspector sends a rectified part back (not accepted), with a reason: the part is open again and a new
    rectification period starts on ``on``."""
    today = today or timezone.localdate()
    _require(user, Capability.VERIFY_FINDINGS, "退回重新整改")
    reason = reason.strip()
    if not reason:
        raise FindingRefused("退回重新整改须填写理由。")
    rules = supervision_rules()
    with transaction.atomic():
        finding = _locked(finding_id, expected_version)
        _check_area(user, finding.area_code)
        if finding.verified_on:
            raise FindingRefused(f"该问题已于 {finding.verified_on:%Y-%m-%d} 核验销号，不能退回。")
        part = _part(finding, kind)
        if not part.done_on:
            raise FindingRefused("该部分尚未整改完成，无需退回。")
        _check_date(on, today=today, what="退回", not_before=part.done_on, after="整改完成日期")
        due = due_after(on, rules.rectify_days, rules)
        FindingPart.objects.filter(pk=part.pk).update(done_on=None, started_on=on, due=due, rounds=F("rounds") + 1)
        _bump(finding)
        _step(finding, user, FindingStep.Action.REOPEN, on, part=part.kind, note=reason, due=str(due))
    return finding


def finding_verify(
    *,
    finding_id: int,
    user: Any,
    on: dt.date,
    expected_version: int | None,
    note: str = "",
    today: dt.date | None = None,
) -> Finding:
    """核验销号: an inspector checks every part's rectification; the finding is closed."""
    today = today or timezone.localdate()
    _require(user, Capability.VERIFY_FINDINGS, "核验销号")
    with transaction.atomic():
        finding = _locked(finding_id, expected_version)
        _check_area(user, finding.area_code)
        if finding.verified_on:
            raise FindingRefused(f"该问题已于 {finding.verified_on:%Y-%m-%d} 核验销号。")
        parts = list(FindingPart.objects.filter(finding=finding))
        if not parts:
            raise FindingRefused("该问题尚未交办，不能核验。")
        open_parts = [PartKind(p.kind).label for p in parts if not p.done_on]
        if open_parts:
            raise FindingRefused(f"{'、'.join(open_parts)}的整改尚未完成，不能核验销号。")
        last_done = max(p.done_on for p in parts if p.done_on)
        _check_date(on, today=today, what="核验", not_before=last_done, after="最后一项整改完成日期")
        _bump(finding, verified_on=on)
        _step(finding, user, FindingStep.Action.VERIFY, on, note=note.strip())
    return finding


# --- the file import (docs/LEDGER.md §6) ----------------------------------------------------------------------


def findings_import(
    *, path: Path, user: Any, today: dt.date | None = None, progress: Callable[[int, int], None] | None = None
) -> FindingImportOutcome:
    """Import a file of findings (``jingzhun import findings FILE``, the browser's upload): each row a finding,
    imported whole or not at all, every valid row in one transaction; see :mod:`.findings_import`."""
    from .findings_import import findings_import as run

    return run(path=path, user=user, today=today, progress=progress)
