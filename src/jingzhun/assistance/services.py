"""Writes of the assistance app (帮扶). Each function is one business action in one transaction, validated,
with Chinese error messages naming the field and the reason, and leaves an :class:`AssistanceChange` row.

Callers have already fetched households, helpers and teams through the scoped selectors; services check the
business rules (dates, one current pairing, who may be a leader) and the area of new rows against ``by``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.core.filetypes import PHOTOS, RefusedFile, file_kind
from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import account_of, in_scope, scoped

from .models import (
    AssistanceChange,
    Attendance,
    AttendanceStatus,
    FollowUp,
    Helper,
    HelperKind,
    Measure,
    MeasureKind,
    Pairing,
    Visit,
    VisitPhoto,
    WorkTeam,
)

if TYPE_CHECKING:
    from .roster_import import RosterImportOutcome

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTOS_PER_VISIT = 6
# Content sniffing: the first bytes decide the type, never the file name or the browser's claim.
_PHOTO_SUFFIX = {kind.content_type: kind.suffix for kind in PHOTOS}


def _today() -> dt.date:
    return timezone.localdate()


def _in_window(value: dt.date | None, field: str) -> None:
    """A record's date: 2013-01-01 .. today (Beijing), the one rule of every record (core.params)."""
    problem = record_date_problem(value, what=_FIELD_NAMES[field]) if value is not None else ""
    if problem:
        raise ValidationError({field: problem + "。"})


_FIELD_NAMES = {
    "name": "姓名",
    "unit": "单位",
    "area": "所属区域",
    "account": "登录账号",
    "started_on": "开始日期",
    "ended_on": "结束日期",
    "end_reason": "结束原因",
    "helper": "帮扶责任人",
    "household": "农户",
    "village": "驻村",
    "leader": "队长",
    "members": "队员",
    "member": "队员",
    "date": "日期",
    "status": "出勤情况",
    "kind": "措施类别",
    "content": "措施内容",
    "amount": "金额",
    "visited_on": "走访日期",
    "findings": "走访情况",
    "photos": "照片",
    "follow_up_due": "跟进日期",
    "done_on": "完成日期",
    "phone": "联系电话",
}


# The one answer to every account that cannot be linked (unknown, another role, an administrator, already linked,
# deactivated, outside the user's area): a different answer for each would let anyone list the accounts.
ACCOUNT_NOT_LINKABLE = "登录账号：您管辖范围内没有这个用户名的、尚未关联的帮扶责任人账号。"


def _linkable_account(*, by: Any, username: str) -> Any:
    """The account ``username`` if ``by`` may link it to a helper record, else None (whatever the reason).

    Linkable: an active account with the helper role, not yet linked, whose area lies within ``by``'s scope
    (every area for ``SYSTEM``, the command line). One query, so every refusal takes the same path.
    """
    from django.contrib.auth import get_user_model

    accounts = get_user_model().objects.filter(
        username=username, role=Role.HELPER, is_active=True, helper__isnull=True, area__isnull=False
    )
    return scoped(accounts, by, "area__code").first()


@transaction.atomic
def helper_create(
    *,
    name: str,
    unit: str,
    area: Any,
    phone: str = "",
    kind: str = HelperKind.HELPER,
    account_username: str = "",
    by: Any,
) -> Helper:
    """A new helper (帮扶责任人, 第一书记 or work-team member) managed in ``area``, optionally linked to the login
    account ``account_username``: a free helper account of ``by``'s area, else :data:`ACCOUNT_NOT_LINKABLE`."""
    name, unit, phone = name.strip(), unit.strip(), phone.strip()
    if not name:
        raise ValidationError({"name": "姓名：必须填写。"})
    if not unit:
        raise ValidationError({"unit": "单位：必须填写帮扶责任人所在单位。"})
    if kind not in HelperKind.values:
        raise ValidationError({"kind": f"类别：没有“{kind}”这一类别。"})
    if not in_scope(by, area.code):
        raise ValidationError({"area": "所属区域：不在您的数据权限范围内。"})
    account = None
    if account_username.strip():
        account = _linkable_account(by=by, username=account_username.strip())
        if account is None:
            raise ValidationError({"account": ACCOUNT_NOT_LINKABLE})
    try:
        # A savepoint: a simultaneous link of the same account breaks the one-to-one, answered as any refusal.
        with transaction.atomic():
            helper = Helper.objects.create(name=name, unit=unit, phone=phone, area=area, kind=kind, user=account)
    except IntegrityError:
        raise ValidationError({"account": ACCOUNT_NOT_LINKABLE}) from None
    AssistanceChange.record(
        user=by, entity="helper", entity_id=helper.pk, action="create", name=name, unit=unit, area=area.code, kind=kind
    )
    return helper


def _changes(row: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` of the values that differ from ``row``'s, as text for the history."""

    def text(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        return getattr(value, "pk", value)

    return {
        field: [text(getattr(row, field)), text(value)]
        for field, value in values.items()
        if text(getattr(row, field)) != text(value)
    }


def _leads_a_current_team(helper: Helper) -> bool:
    return WorkTeam.objects.filter(leader=helper, ended_on__isnull=True).exists()


@transaction.atomic
def helper_update(
    *, helper: Helper, name: str, unit: str, phone: str, kind: str, area: Any, by: Any
) -> dict[str, list[Any]]:
    """Correct a helper's name, unit, phone, kind or area; the changes (old and new values) are kept in the
    history. Both the helper's area and the new one must lie in ``by``'s scope. A first secretary who leads a
    current work team stays one. Returns the changes (empty: nothing changed)."""
    name, unit, phone = name.strip(), unit.strip(), phone.strip()
    if not name:
        raise ValidationError({"name": "姓名：必须填写。"})
    if not unit:
        raise ValidationError({"unit": "单位：必须填写帮扶责任人所在单位。"})
    if kind not in HelperKind.values:
        raise ValidationError({"kind": f"类别：没有“{kind}”这一类别。"})
    if not in_scope(by, helper.area_id) or not in_scope(by, area.code):
        raise ValidationError({"area": "所属区域：不在您的数据权限范围内。"})
    helper = Helper.objects.select_for_update().get(pk=helper.pk)
    if kind != helper.kind and helper.kind == HelperKind.FIRST_SECRETARY and _leads_a_current_team(helper):
        raise ValidationError({"kind": f"类别：{helper.name} 是在驻工作队的队长，须先更换队长再改类别。"})
    changes = _changes(helper, {"name": name, "unit": unit, "phone": phone, "kind": kind, "area": area})
    if not changes:
        return changes
    helper.name, helper.unit, helper.phone, helper.kind, helper.area = name, unit, phone, kind, area
    helper.save(update_fields=["name", "unit", "phone", "kind", "area"])
    AssistanceChange.record(user=by, entity="helper", entity_id=helper.pk, action="update", changed=changes)
    return changes


@transaction.atomic
def helper_deactivate(*, helper: Helper, ended_on: dt.date, reason: str, by: Any) -> int:
    """Deactivate a helper (调离、退休……): every current pairing of theirs ends on ``ended_on`` for ``reason``
    (one statement, one history row per pairing), and they can no longer be paired or visit. Returns the number
    of pairings ended."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"end_reason": "停用原因：必须填写。"})
    _in_window(ended_on, "ended_on")
    if not in_scope(by, helper.area_id):
        raise ValidationError({"area": "所属区域：不在您的数据权限范围内。"})
    helper = Helper.objects.select_for_update().get(pk=helper.pk)
    if not helper.active:
        raise ValidationError({"end_reason": f"帮扶责任人：{helper.name} 已停用。"})
    current = Pairing.objects.select_for_update().filter(helper=helper, ended_on__isnull=True)
    late = current.filter(started_on__gt=ended_on).select_related("household").order_by("started_on").first()
    if late is not None:
        raise ValidationError(
            {
                "ended_on": f"结束日期：不能早于与户 {late.household.household_no} 结对的开始日期"
                f"（{late.started_on:%Y-%m-%d}）。"
            }
        )
    ended = list(current.values_list("pk", "household__household_no"))
    current.update(ended_on=ended_on, end_reason=reason)
    helper.active = False
    helper.save(update_fields=["active"])
    account = account_of(by)
    AssistanceChange.objects.bulk_create(
        [
            AssistanceChange(
                user=account,
                entity="pairing",
                entity_id=pk,
                action="end",
                household_no=household_no,
                detail={"ended_on": ended_on.isoformat(), "reason": reason, "helper_deactivated": helper.pk},
            )
            for pk, household_no in ended
        ]
    )
    AssistanceChange.record(
        user=by,
        entity="helper",
        entity_id=helper.pk,
        action="deactivate",
        ended_on=ended_on.isoformat(),
        reason=reason,
        pairings_ended=len(ended),
    )
    return len(ended)


@transaction.atomic
def pairing_set(
    *, helper: Helper, household: Any, started_on: dt.date, by: Any, end_reason: str = "重新结对"
) -> Pairing:
    """Pair ``helper`` with ``household`` from ``started_on``; the household's current pairing, if any, ends that
    day in the same transaction (the database allows one current pairing per household)."""
    if not helper.active:
        raise ValidationError({"helper": f"帮扶责任人：{helper.name} 已停用，不能结对。"})
    _in_window(started_on, "started_on")
    # Lock the household's current pairing so two simultaneous re-pairings cannot both end it.
    current = Pairing.objects.select_for_update().filter(household=household, ended_on__isnull=True).first()
    if current is not None:
        if current.helper_id == helper.pk:
            raise ValidationError({"helper": f"帮扶责任人：该户已与 {helper.name} 结对。"})
        if started_on < current.started_on:
            raise ValidationError(
                {"started_on": f"开始日期：不能早于该户现有结对的开始日期（{current.started_on:%Y-%m-%d}）。"}
            )
        _pairing_close(current, ended_on=started_on, reason=end_reason, by=by)
    pairing = Pairing.objects.create(
        helper=helper, household=household, started_on=started_on, created_by=account_of(by)
    )
    AssistanceChange.record(
        user=by,
        entity="pairing",
        entity_id=pairing.pk,
        action="create",
        household_no=household.household_no,
        helper=helper.pk,
        started_on=started_on.isoformat(),
        replaced=current.pk if current else None,
    )
    return pairing


def _pairing_close(pairing: Pairing, *, ended_on: dt.date, reason: str, by: Any) -> None:
    pairing.ended_on = ended_on
    pairing.end_reason = reason
    pairing.save(update_fields=["ended_on", "end_reason"])
    AssistanceChange.record(
        user=by,
        entity="pairing",
        entity_id=pairing.pk,
        action="end",
        household_no=pairing.household.household_no,
        ended_on=ended_on.isoformat(),
        reason=reason,
    )


@transaction.atomic
def pairing_end(*, pairing: Pairing, ended_on: dt.date, reason: str, by: Any) -> Pairing:
    """End a current pairing on ``ended_on`` for ``reason`` (the household then has no helper)."""
    pairing = Pairing.objects.select_for_update().select_related("household").get(pk=pairing.pk)
    if pairing.ended_on is not None:
        raise ValidationError({"ended_on": f"结束日期：该结对已于 {pairing.ended_on:%Y-%m-%d} 结束。"})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"end_reason": "结束原因：必须填写。"})
    _in_window(ended_on, "ended_on")
    if ended_on < pairing.started_on:
        raise ValidationError({"ended_on": f"结束日期：不能早于开始日期（{pairing.started_on:%Y-%m-%d}）。"})
    _pairing_close(pairing, ended_on=ended_on, reason=reason, by=by)
    return pairing


@transaction.atomic
def work_team_create(
    *,
    village: Any,
    unit: str,
    leader: Helper | None,
    members: Iterable[Helper] = (),
    started_on: dt.date,
    ended_on: dt.date | None = None,
    by: Any,
) -> WorkTeam:
    """A village work team (驻村工作队); the leader is a first secretary and always one of the members."""
    from jingzhun.areas.models import Level

    unit = unit.strip()
    if village.level != Level.VILLAGE:
        raise ValidationError({"village": f"驻村：{village.name} 不是行政村。"})
    if not in_scope(by, village.code):
        raise ValidationError({"village": "驻村：不在您的数据权限范围内。"})
    if not unit:
        raise ValidationError({"unit": "派出单位：必须填写。"})
    if leader is not None and leader.kind != HelperKind.FIRST_SECRETARY:
        raise ValidationError({"leader": f"队长：{leader.name} 不是第一书记。"})
    if ended_on is not None and ended_on < started_on:
        raise ValidationError({"ended_on": "结束日期：不能早于开始日期。"})
    team = WorkTeam.objects.create(village=village, unit=unit, leader=leader, started_on=started_on, ended_on=ended_on)
    people = {helper.pk: helper for helper in members}
    if leader is not None:
        people[leader.pk] = leader
    team.members.set(people.values())
    AssistanceChange.record(
        user=by,
        entity="work_team",
        entity_id=team.pk,
        action="create",
        village=village.code,
        unit=unit,
        leader=leader.pk if leader else None,
        members=sorted(people),
    )
    return team


@transaction.atomic
def work_team_update(
    *,
    team: WorkTeam,
    unit: str,
    leader: Helper | None,
    members: Iterable[Helper],
    started_on: dt.date,
    ended_on: dt.date | None,
    by: Any,
) -> dict[str, list[Any]]:
    """Correct a work team's unit, leader, members or period; the changes are kept in the history. The leader is
    a first secretary and one of the members; new members must be active; attendance already recorded must stay
    inside the period. Returns the changes (empty: nothing changed)."""
    unit = unit.strip()
    if not in_scope(by, team.village_id):
        raise ValidationError({"village": "驻村：不在您的数据权限范围内。"})
    if not unit:
        raise ValidationError({"unit": "派出单位：必须填写。"})
    if leader is not None and leader.kind != HelperKind.FIRST_SECRETARY:
        raise ValidationError({"leader": f"队长：{leader.name} 不是第一书记。"})
    if ended_on is not None and ended_on < started_on:
        raise ValidationError({"ended_on": "结束日期：不能早于开始日期。"})
    team = WorkTeam.objects.select_for_update().get(pk=team.pk)
    before = set(team.members.values_list("pk", flat=True))
    people = {helper.pk: helper for helper in members}
    if leader is not None:
        people[leader.pk] = leader
    inactive = [h.name for pk, h in people.items() if pk not in before and not h.active]
    if inactive:
        raise ValidationError({"members": f"队员：{'、'.join(inactive)} 已停用，不能加入工作队。"})
    outside = team.attendance.filter(date__lt=started_on)
    if ended_on is not None:
        outside = outside | team.attendance.filter(date__gt=ended_on)
    if outside.exists():
        raise ValidationError({"started_on": "驻村期间：已有出勤记录在新的期间之外，不能这样修改。"})
    changes = _changes(team, {"unit": unit, "leader": leader, "started_on": started_on, "ended_on": ended_on})
    if set(people) != before:
        changes["members"] = [sorted(before), sorted(people)]
    if not changes:
        return changes
    team.unit, team.leader, team.started_on, team.ended_on = unit, leader, started_on, ended_on
    team.save(update_fields=["unit", "leader", "started_on", "ended_on"])
    if "members" in changes:
        team.members.set(people.values())
    AssistanceChange.record(user=by, entity="work_team", entity_id=team.pk, action="update", changed=changes)
    return changes


@transaction.atomic
def work_team_end(*, team: WorkTeam, ended_on: dt.date, reason: str, by: Any) -> WorkTeam:
    """End a work team's stay in its village (撤回) on ``ended_on`` for ``reason`` (kept in the history)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"end_reason": "结束原因：必须填写。"})
    _in_window(ended_on, "ended_on")
    if not in_scope(by, team.village_id):
        raise ValidationError({"village": "驻村：不在您的数据权限范围内。"})
    team = WorkTeam.objects.select_for_update().get(pk=team.pk)
    if team.ended_on is not None and team.ended_on <= timezone.localdate():
        raise ValidationError({"ended_on": f"结束日期：该工作队已于 {team.ended_on:%Y-%m-%d} 撤回。"})
    if ended_on < team.started_on:
        raise ValidationError({"ended_on": f"结束日期：不能早于驻村开始日期（{team.started_on:%Y-%m-%d}）。"})
    if team.attendance.filter(date__gt=ended_on).exists():
        raise ValidationError({"ended_on": "结束日期：该日期之后还有出勤记录。"})
    previous = team.ended_on
    team.ended_on = ended_on
    team.save(update_fields=["ended_on"])
    AssistanceChange.record(
        user=by,
        entity="work_team",
        entity_id=team.pk,
        action="end",
        ended_on=ended_on.isoformat(),
        reason=reason,
        planned_until=previous.isoformat() if previous else None,
    )
    return team


@transaction.atomic
def attendance_record(
    *, team: WorkTeam, member: Helper, date: dt.date, status: str, note: str = "", by: Any
) -> Attendance:
    """One member's attendance on one day; recording the same day again corrects it (the old value is kept
    in the history)."""
    if status not in AttendanceStatus.values:
        raise ValidationError({"status": f"出勤情况：没有“{status}”这一选项。"})
    if not team.members.filter(pk=member.pk).exists():
        raise ValidationError({"member": f"队员：{member.name} 不是该工作队的队员。"})
    _in_window(date, "date")
    if date < team.started_on or (team.ended_on is not None and date > team.ended_on):
        raise ValidationError({"date": "日期：不在该工作队的驻村期间内。"})
    previous = Attendance.objects.select_for_update().filter(team=team, member=member, date=date).first()
    if previous is None:
        row = Attendance.objects.create(
            team=team,
            member=member,
            date=date,
            status=status,
            note=note,
            recorded_by=account_of(by),
        )
    else:
        row = previous
        old = previous.status
        row.status, row.note, row.recorded_by = status, note, account_of(by)
        row.save(update_fields=["status", "note", "recorded_by"])
    AssistanceChange.record(
        user=by,
        entity="attendance",
        entity_id=row.pk,
        action="create" if previous is None else "correct",
        team=team.pk,
        member=member.pk,
        date=date.isoformat(),
        status=status,
        old_status=old if previous is not None else None,
    )
    return row


@transaction.atomic
def measure_record(
    *,
    household: Any,
    kind: str,
    content: str,
    started_on: dt.date,
    ended_on: dt.date | None = None,
    amount: Decimal | None = None,
    result: str = "",
    by: Any,
) -> Measure:
    """An assistance measure given to a household. When the household has an open monitoring case the measure
    belongs to that case too, and the case hears of it (it counts towards risk elimination and answers the
    instant-help deadline) in the same transaction."""
    from jingzhun.monitoring.selectors import case_open_for_household
    from jingzhun.monitoring.services import case_measure_recorded

    content = content.strip()
    if kind not in MeasureKind.values:
        raise ValidationError({"kind": f"措施类别：没有“{kind}”这一类别。"})
    if not content:
        raise ValidationError({"content": "措施内容：必须填写。"})
    _in_window(started_on, "started_on")
    if ended_on is not None and ended_on < started_on:
        raise ValidationError({"ended_on": "结束日期：不能早于开始日期。"})
    if amount is not None and amount < 0:
        raise ValidationError({"amount": "金额：不能为负数。"})
    case = case_open_for_household(household=household)
    measure = Measure.objects.create(
        household=household,
        case=case,
        kind=kind,
        content=content,
        started_on=started_on,
        ended_on=ended_on,
        amount=amount,
        result=result.strip(),
        recorded_by=account_of(by),
    )
    if case is not None:
        case_measure_recorded(case=case, started_on=started_on)
    AssistanceChange.record(
        user=by,
        entity="measure",
        entity_id=measure.pk,
        action="create",
        household_no=household.household_no,
        kind=kind,
        started_on=started_on.isoformat(),
        amount=str(amount) if amount is not None else None,
        case=case.pk if case else None,
    )
    return measure


def photo_content_type(upload: UploadedFile) -> str:
    """The photo's type from its first bytes (JPEG, PNG or WebP); ``ValidationError`` for anything else or a file
    over the size limit."""
    name = upload.name or ""
    if upload.size is not None and upload.size > PHOTO_MAX_BYTES:
        raise ValidationError({"photos": f"照片：{name} 超过 {PHOTO_MAX_BYTES // (1024 * 1024)} MB。"})
    try:
        return file_kind(upload, allowed=PHOTOS).content_type
    except RefusedFile:
        raise ValidationError({"photos": f"照片：{name} 不是 JPEG、PNG 或 WebP 图片。"}) from None


@transaction.atomic
def visit_record(
    *,
    household: Any,
    helper: Helper,
    visited_on: dt.date,
    findings: str = "",
    needs: str = "",
    follow_ups: Sequence[str] = (),
    follow_up_due: dt.date | None = None,
    photos: Sequence[UploadedFile] = (),
    by: Any,
) -> Visit:
    """A home visit (走访) with what was found, the household's needs, follow-ups and photos."""
    findings, needs = findings.strip(), needs.strip()
    follow_ups = [text.strip() for text in follow_ups if text.strip()]
    _in_window(visited_on, "visited_on")
    if not findings and not needs:
        raise ValidationError({"findings": "走访情况：走访情况和农户诉求至少填写一项。"})
    if not helper.active:
        raise ValidationError({"helper": f"帮扶责任人：{helper.name} 已停用。"})
    if follow_up_due is not None and follow_up_due < visited_on:
        raise ValidationError({"follow_up_due": "跟进日期：不能早于走访日期。"})
    if len(photos) > PHOTOS_PER_VISIT:
        raise ValidationError({"photos": f"照片：每次走访最多 {PHOTOS_PER_VISIT} 张。"})
    types = [photo_content_type(photo) for photo in photos]
    visit = Visit.objects.create(
        household=household,
        helper=helper,
        visited_on=visited_on,
        findings=findings,
        needs=needs,
        recorded_by=account_of(by),
    )
    for text in follow_ups:
        FollowUp.objects.create(visit=visit, household=household, text=text[:500], due_on=follow_up_due)
    for photo, content_type in zip(photos, types, strict=True):
        photo.name = "photo" + _PHOTO_SUFFIX[content_type]
        VisitPhoto.objects.create(visit=visit, file=photo, content_type=content_type, size=photo.size or 0)
    AssistanceChange.record(
        user=by,
        entity="visit",
        entity_id=visit.pk,
        action="create",
        household_no=household.household_no,
        helper=helper.pk,
        visited_on=visited_on.isoformat(),
        follow_ups=len(follow_ups),
        photos=len(photos),
    )
    return visit


@transaction.atomic
def follow_up_close(*, follow_up: FollowUp, by: Any, done_on: dt.date | None = None) -> FollowUp:
    """Mark a follow-up done (on ``done_on``, today by default)."""
    follow_up = FollowUp.objects.select_for_update().select_related("household").get(pk=follow_up.pk)
    if follow_up.done:
        raise ValidationError({"done_on": "完成日期：该跟进事项已办结。"})
    done_on = done_on or _today()
    _in_window(done_on, "done_on")
    follow_up.done, follow_up.done_on = True, done_on
    follow_up.done_by = account_of(by)
    follow_up.save(update_fields=["done", "done_on", "done_by"])
    AssistanceChange.record(
        user=by,
        entity="follow_up",
        entity_id=follow_up.pk,
        action="close",
        household_no=follow_up.household.household_no,
        done_on=done_on.isoformat(),
    )
    return follow_up


# --- the roster import (docs/LEDGER.md §9) ---------------------------------------------------------------------


def roster_import(
    *, path: Path, user: Any, today: dt.date | None = None, progress: Callable[[int, int], None] | None = None
) -> RosterImportOutcome:
    """Import one file of a helper roster (``jingzhun import helpers FILE``, the browser's upload): helpers,
    pairings or units assigned to a village, each row applied whole or refused with its row, column and reason,
    every valid row in one transaction, idempotent; see :mod:`.roster_import`."""
    from .roster_import import roster_import as run

    return run(path=path, user=user, today=today, progress=progress)


# --- seeding at county scale (the demo; an office taking over a helper roster) --------------------------------


@dataclass(frozen=True)
class HelperSeed:
    """One helper to create in bulk: who, from which unit, managed in which village (an area code)."""

    name: str
    unit: str
    area_code: str
    kind: str = HelperKind.HELPER


@transaction.atomic
def helpers_seed_bulk(*, helpers: Sequence[HelperSeed], by: Any) -> int:
    """Create many helpers at once (``bulk_create``): those whose (area, name, unit) is not there yet, so
    seeding the same roster again creates nobody. Every area must lie in ``by``'s scope. Returns the number
    created; one history row records the batch."""
    wanted = [seed for seed in helpers if seed.name.strip() and seed.unit.strip()]
    outside = sorted({seed.area_code for seed in wanted if not in_scope(by, seed.area_code)})
    if outside:
        raise ValidationError({"area": f"所属区域：{'、'.join(outside[:5])} 不在您的数据权限范围内。"})
    if any(seed.kind not in HelperKind.values for seed in wanted):
        raise ValidationError({"kind": "类别：有不存在的类别。"})
    codes = {seed.area_code for seed in wanted}
    existing = set(Helper.objects.filter(area_id__in=codes).values_list("area_id", "name", "unit"))
    new = [
        Helper(name=seed.name.strip(), unit=seed.unit.strip(), area_id=seed.area_code, kind=seed.kind)
        for seed in dict.fromkeys(wanted)
        if (seed.area_code, seed.name.strip(), seed.unit.strip()) not in existing
    ]
    Helper.objects.bulk_create(new, batch_size=2000)
    if new:
        AssistanceChange.record(user=by, entity="helper", entity_id=0, action="bulk_create", rows=len(new))
    return len(new)


def _sql_of(queryset: Any) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


@transaction.atomic
def pairings_seed_bulk(*, households: Any, started_on: dt.date, by: Any) -> int:
    """Pair every household of ``households`` (a queryset) that has no current pairing with a helper of its own
    village: the village's active helpers of kind 帮扶责任人 without a login account, in turn (the n-th household
    of a village, by id, with helper n mod k). One ``INSERT … SELECT``, whatever the number of households;
    households outside ``by``'s scope and villages without such a helper are left alone. Returns the pairings
    made; one history row records the batch."""
    _in_window(started_on, "started_on")
    chosen = scoped(
        households.model.objects.filter(pk__in=households.values("pk")), by, "village__code", household="pk"
    )
    chosen = chosen.filter(~Exists(Pairing.objects.filter(household=OuterRef("pk"), ended_on__isnull=True)))
    chosen_sql, chosen_params = _sql_of(chosen.order_by().values("id", "village_id"))
    helpers = Helper.objects.filter(
        active=True, kind=HelperKind.HELPER, user__isnull=True, area_id__in=chosen.values("village_id")
    )
    helpers_sql, helpers_params = _sql_of(helpers.order_by().values("id", "area_id"))
    pairing = connection.ops.quote_name(Pairing._meta.db_table)
    # Table names and Django's own compiled subqueries only; every value is a parameter.
    sql = f"""
        INSERT INTO {pairing} (helper_id, household_id, started_on, ended_on, end_reason, created_by_id, created_at)
        SELECT hp.id, hh.id, %s, NULL, '', %s, %s
        FROM (SELECT c.id, c.village_id, ROW_NUMBER() OVER (PARTITION BY c.village_id ORDER BY c.id) - 1 AS n
              FROM ({chosen_sql}) c) hh
        JOIN (SELECT h.id, h.area_id, ROW_NUMBER() OVER (PARTITION BY h.area_id ORDER BY h.id) - 1 AS k,
                     COUNT(*) OVER (PARTITION BY h.area_id) AS c
              FROM ({helpers_sql}) h) hp
          ON hp.area_id = hh.village_id AND hp.k = hh.n %% hp.c
    """  # noqa: S608
    account = account_of(by)
    with connection.cursor() as cursor:
        cursor.execute(
            sql, (started_on, account.pk if account else None, timezone.now(), *chosen_params, *helpers_params)
        )
        made = max(cursor.rowcount, 0)
    if made:
        AssistanceChange.record(
            user=by, entity="pairing", entity_id=0, action="bulk_create", rows=made, started_on=started_on.isoformat()
        )
    return made


@transaction.atomic
def visits_seed_bulk(*, households: Any, dates: Sequence[dt.date], share: float, findings: str, by: Any) -> int:
    """Record a visit by its current helper for about ``share`` of the households of ``households`` (a queryset)
    that were never visited by that helper, spread over ``dates`` (household id modulo). One ``INSERT …
    SELECT`` per date, whatever the number of households; running it again visits nobody twice. Returns the
    visits recorded; one history row records the batch."""
    if not dates or not 0 < share <= 1:
        return 0
    findings = findings.strip()
    if not findings:
        raise ValidationError({"findings": "走访情况：必须填写。"})
    for day in dates:
        _in_window(day, "visited_on")
    chosen = scoped(
        households.model.objects.filter(pk__in=households.values("pk")), by, "village__code", household="pk"
    )
    current = Pairing.objects.filter(ended_on__isnull=True, household_id__in=chosen.values("pk")).filter(
        ~Exists(Visit.objects.filter(household=OuterRef("household"), helper=OuterRef("helper")))
    )
    current_sql, current_params = _sql_of(current.order_by().values("household_id", "helper_id"))
    visit = connection.ops.quote_name(Visit._meta.db_table)
    buckets, percent = len(dates), round(share * 100)
    account = account_of(by)
    made = 0
    with connection.cursor() as cursor:
        for bucket, day in enumerate(dates):
            # Which households are visited ((37 × id) mod 100: consecutive ids spread over every residue) and
            # when (id mod the number of dates); a household is visited on one date only.
            cursor.execute(
                f"""
                INSERT INTO {visit} (household_id, helper_id, visited_on, findings, needs, recorded_by_id, recorded_at)
                SELECT p.household_id, p.helper_id, %s, %s, '', %s, %s
                FROM ({current_sql}) p
                WHERE (p.household_id * 37) %% 100 < %s AND p.household_id %% %s = %s
                """,  # noqa: S608
                (
                    day,
                    findings,
                    account.pk if account else None,
                    timezone.now(),
                    *current_params,
                    percent,
                    buckets,
                    bucket,
                ),
            )
            made += max(cursor.rowcount, 0)
    if made:
        AssistanceChange.record(user=by, entity="visit", entity_id=0, action="bulk_create", rows=made)
    return made
