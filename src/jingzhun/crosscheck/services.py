"""Writes of the comparison (数据比对): running the clue rules, and each clue's dispatch and answer.

:func:`crosscheck_run` is one transaction: it records the :class:`~.models.Run`, matches the latest batch of
each department, runs the rules (:mod:`.rules`, set-based) and upserts clues by fingerprint — new
fingerprints become new clues, open clues found again are kept (their ``last_run`` moves on), open clues no
longer found are cleared. Every change of a clue is kept in its history (:class:`~.models.ClueEvent`).

The per-clue actions lock the clue, check the role and the area, and must name the version they were based on,
so two users answering the same clue at once never overwrite each other. Refusals say why, in Chinese.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Area
from jingzhun.core.files import upload_sha256
from jingzhun.core.filetypes import DOCUMENTS, RefusedFile, file_kind
from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import SYSTEM, account_of, covers, in_scope, scope_prefix
from jingzhun.core.sets import temp_cache
from jingzhun.core.sql import quoted as _q
from jingzhun.policy.packs import DEFAULT_PACK, pack_get
from jingzhun.policy.workdays import working_days_after
from jingzhun.registry.vocab import LEDGER_TEXT, Attribute, Health, MedicalInsurance, MemberStatus, SchoolStatus

from . import rules as clue_rules
from .matching import batches_match
from .models import (
    OPEN_CLUE_STATES,
    Batch,
    Clue,
    ClueAttachment,
    ClueEvent,
    ClueState,
    Department,
    FeedbackState,
    Rule,
    Run,
)

OPEN = tuple(str(state) for state in OPEN_CLUE_STATES)
ANSWERS = (ClueState.FIXED.value, ClueState.EXPLAINED.value, ClueState.WRONG.value)
# Answers that settle a clue for good while the values on both sides stay what they were: the next comparison
# does not raise the same clue again. A fixed clue found again is raised again (the fix did not hold).
SETTLED = (ClueState.EXPLAINED.value, ClueState.WRONG.value)

STATE_TEXT: dict[str, str] = {
    ClueState.NEW: "待分派",
    ClueState.DISPATCHED: "已分派待反馈",
    ClueState.FIXED: "属实已整改",
    ClueState.EXPLAINED: "已说明情况",
    ClueState.WRONG: "线索有误",
    ClueState.CLEARED: "已不再出现",
}
ACTION_TEXT: dict[str, str] = {
    "raised": "比对发现线索",
    "dispatched": "分派乡镇核实",
    "answered": "反馈核实结果",
    "registry_fixed": "按部门数据更新台账",
    "case_opened": "纳入防返贫监测",
    "cleared": "再次比对未发现，自动销号",
    "sent_back": "退回部门反馈核实",
    "department_answered": "部门反馈核实情况",
}
FEEDBACK_TEXT: dict[str, str] = {
    FeedbackState.NONE: "未退回部门",
    FeedbackState.REQUESTED: "待部门反馈",
    FeedbackState.ANSWERED: "部门已反馈",
}
FEEDBACK_ANSWER_MAX = 2000
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = DOCUMENTS  # told from the file's bytes: PDF, photos, .docx, .xlsx
FEEDBACK_DUE_MAX_DAYS = 366  # a deadline later than a year from now is a typing mistake


class ClueRefused(Exception):
    """An action on a clue that cannot be taken; the message says why, in Chinese."""


class ClueStale(ClueRefused):
    """The clue changed since the user's page was loaded."""


class NoDepartmentLists(ClueRefused):
    """No department list was ever imported: there is nothing to compare."""


def _json(value: dict[str, Any]) -> tuple[str, str]:
    """SQL for a JSON parameter and its text (PostgreSQL's jsonb needs the cast)."""
    return ("CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"), json.dumps(value, ensure_ascii=False)


# --- running a comparison -------------------------------------------------------------------------------------


def _run_scope(user: Any, area_prefix: str) -> str:
    if user is SYSTEM:
        return area_prefix
    prefix = scope_prefix(user)
    if getattr(user, "role", "") != Role.COUNTY or not prefix:
        raise PermissionDenied("「数据比对」须由县级用户发起。")
    if area_prefix and not covers(user, area_prefix):
        raise PermissionDenied("比对范围超出您的管辖区域。")
    return area_prefix or prefix


# Memory the comparison's temporary tables (the links of every row, the members' facts, the fuzzy pass's
# blocks) may keep on SQLite instead of reading them back from the temporary file on every look-up.
TEMP_CACHE_MB = 256


def _match(batches: dict[str, Batch]) -> tuple[dict[str, Any], dict[int, tuple[int, int]]]:
    """Match every batch to the registry, all lists in each pass (see :func:`matching.batches_match`), and
    keep the links for the clue rules; returns the matching summary and the batches' row ranges."""
    outcomes = batches_match(batches=list(batches.values()), keep_links=True)
    ranges = {pk: outcome.row_range for pk, outcome in outcomes.items() if outcome.row_range is not None}
    summary = {
        department: {
            name: getattr(outcomes[batch.pk], name) for name in ("rows", "created", "accepted", "review", "unmatched")
        }
        | {"seconds": outcomes[batch.pk].seconds}
        for department, batch in batches.items()
    }
    return summary, ranges


def crosscheck_run(*, user: Any, as_of: dt.date | None = None, area_prefix: str = "") -> Run:
    """Compare the registry with the latest list of every department on ``as_of`` (default today; from
    2013-01-01 to today, else :class:`ClueRefused`) and keep the clues up to date; one transaction, safe to run
    again (docs/RULES.md §8).

    ``area_prefix`` limits the households compared (a county user's own area by default); clues outside it are
    left alone. Raises :class:`NoDepartmentLists` when no department list was ever imported.
    """
    prefix = _run_scope(user, area_prefix)
    as_of = as_of or timezone.localdate()
    problem = record_date_problem(as_of, what="比对日期")
    if problem:
        raise ClueRefused(problem + "。")
    parameters = pack_get(DEFAULT_PACK).crosscheck_rules()
    batches = clue_rules.latest_batches()
    if not batches:
        raise NoDepartmentLists("尚未导入任何部门数据，无法比对。请先导入部门名单（jingzhun import department …）。")
    started = time.perf_counter()
    with transaction.atomic():
        run = Run.objects.create(
            as_of=as_of,
            area_prefix=prefix,
            batches={department: batch.pk for department, batch in batches.items()},
            user=account_of(user),
        )
        try:
            with temp_cache(TEMP_CACHE_MB):
                matched, ranges = _match(batches)
                outcome = clue_rules.clues_find(
                    as_of=as_of, rules=parameters, batches=batches, area_prefix=prefix, ranges=ranges
                )
                counts = _clues_upsert(run=run, outcome=outcome, batches=batches, area_prefix=prefix, user=user)
        finally:
            clue_rules.clues_found_drop()
        run.summary = {
            "area_prefix": prefix,
            "pack": parameters.pack,
            "parameters": parameters.snapshot(),
            "matching": matched,
            "rules": {
                rule: {
                    "department": str(clue_rules.RULE_DEPARTMENT[rule]),
                    "batch": outcome.batches.get(clue_rules.RULE_DEPARTMENT[rule]),
                    "skipped": outcome.skipped.get(rule, ""),
                    "raised": outcome.found.get(rule, 0),
                    **{name: counts[name].get(rule, 0) for name in ("new", "still_open", "settled", "cleared")},
                }
                for rule in Rule.values
            },
        }
        run.finished_at = timezone.now()
        run.seconds = round(time.perf_counter() - started, 3)
        run.save(update_fields=["summary", "finished_at", "seconds"])
    return run


def _grouped(cursor: Any, sql: str, params: list[Any]) -> dict[str, int]:
    cursor.execute(sql, params)
    return {rule: int(n) for rule, n in cursor.fetchall()}


def _clues_upsert(
    *, run: Run, outcome: clue_rules.RulesOutcome, batches: dict[str, Batch], area_prefix: str, user: Any
) -> dict[str, dict[str, int]]:
    """New fingerprints → new clues; open clues found again → ``last_run`` moves on (values refreshed); open
    clues of the rules and area compared that were not found → cleared. All with history, in a few statements."""
    clue, event, found = _q(Clue._meta.db_table), _q(ClueEvent._meta.db_table), _q(clue_rules.FOUND_ONE)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    by = getattr(account_of(user), "pk", None)
    open_in = ", ".join(["%s"] * len(OPEN))
    settled_in = ", ".join(["%s"] * len(SETTLED))
    counts: dict[str, dict[str, int]] = {}
    refreshed = ("registry_value", "department_value", "detail", "action", "batch_id", "row_id", "village_code")
    with connection.cursor() as cursor:
        # Open clues found again: the latest run and the latest values.
        sets = ", ".join(
            f"{_q(name)} = (SELECT f.{_q(name)} FROM {found} f WHERE f.fingerprint = {clue}.fingerprint)"
            for name in refreshed
        )
        cursor.execute(
            f"UPDATE {clue} SET last_run_id = %s, {sets} WHERE state IN ({open_in}) "
            f"AND fingerprint IN (SELECT fingerprint FROM {found})",
            [run.pk, *OPEN],
        )
        counts["still_open"] = _grouped(
            cursor, f"SELECT rule, COUNT(*) FROM {clue} WHERE last_run_id = %s GROUP BY rule", [run.pk]
        )
        # Found, not open, and not settled with these very values: a new clue.
        latest_settled = (
            f"EXISTS (SELECT 1 FROM {clue} s WHERE s.id = (SELECT MAX(s2.id) FROM {clue} s2 "
            f"WHERE s2.fingerprint = f.fingerprint) AND s.state IN ({settled_in}) "
            f"AND s.registry_value = f.registry_value AND s.department_value = f.department_value)"
        )
        counts["settled"] = _grouped(
            cursor,
            f"SELECT f.rule, COUNT(*) FROM {found} f WHERE {latest_settled} AND NOT EXISTS "
            f"(SELECT 1 FROM {clue} o WHERE o.fingerprint = f.fingerprint AND o.state IN ({open_in})) GROUP BY f.rule",
            [*SETTLED, *OPEN],
        )
        columns = [name for name, _ in clue_rules.FOUND_COLUMNS]
        cursor.execute(
            f"INSERT INTO {clue} ({', '.join(_q(c) for c in columns)}, first_run_id, last_run_id, state, "
            f"dispatched_to, answer, version) "
            f"SELECT {', '.join('f.' + _q(c) for c in columns)}, %s, %s, %s, '', '', 1 FROM {found} f "
            f"WHERE NOT EXISTS (SELECT 1 FROM {clue} o WHERE o.fingerprint = f.fingerprint AND o.state IN ({open_in})) "
            f"AND NOT {latest_settled}",
            [run.pk, run.pk, ClueState.NEW.value, *OPEN, *SETTLED],
        )
        data_sql, data = _json({"run": run.pk})
        cursor.execute(
            f"INSERT INTO {event} (clue_id, action, at, by_id, note, data) "
            f"SELECT id, 'raised', %s, %s, '', {data_sql} FROM {clue} WHERE first_run_id = %s",
            [now, by, data, run.pk],
        )
        counts["new"] = _grouped(
            cursor, f"SELECT rule, COUNT(*) FROM {clue} WHERE first_run_id = %s GROUP BY rule", [run.pk]
        )
        # Open clues of the rules compared, inside the area compared, not found this time: cleared.
        scopes: list[str] = []
        params: list[Any] = []
        for rule in outcome.evaluated:
            department = clue_rules.RULE_DEPARTMENT[rule]
            batch = batches.get(department)
            condition = "rule = %s"
            params.append(rule)
            for prefix in (area_prefix, batch.area_prefix if batch else ""):
                if prefix:
                    condition += " AND village_code LIKE %s"
                    params.append(prefix + "%")
            scopes.append(f"({condition})")
        if scopes:
            gone = f"state IN ({open_in}) AND last_run_id <> %s AND ({' OR '.join(scopes)})"
            gone_params = [*OPEN, run.pk, *params]
            counts["cleared"] = _grouped(
                cursor, f"SELECT rule, COUNT(*) FROM {clue} WHERE {gone} GROUP BY rule", gone_params
            )
            cursor.execute(
                f"INSERT INTO {event} (clue_id, action, at, by_id, note, data) "
                f"SELECT id, 'cleared', %s, %s, %s, {data_sql} FROM {clue} WHERE {gone}",
                [now, by, f"比对批次 {run.pk} 中不再发现此线索", data, *gone_params],
            )
            cursor.execute(
                f"UPDATE {clue} SET state = %s, version = version + 1 WHERE {gone}",
                [ClueState.CLEARED.value, *gone_params],
            )
        else:
            counts["cleared"] = {}
    return counts


# --- one clue: dispatch, answer, fix the registry, open a monitoring case --------------------------------------


@dataclass(frozen=True)
class Fix:
    """What fixing the registry from a clue changes: a member's or the household's fields (stored codes)."""

    member: dict[str, Any]
    household: dict[str, Any]


def town_code(village_code: str) -> str:
    """The responsible town of a village: its first 9 digits, padded to 12 with zeros."""
    return village_code[:9].ljust(12, "0")


def _locked(clue_id: int) -> Clue:
    try:
        return Clue.objects.select_for_update(of=("self",)).select_related("household", "member").get(pk=clue_id)
    except Clue.DoesNotExist:
        raise ClueRefused("线索不存在。") from None


def _check(user: Any, clue: Clue, roles: set[str], what: str) -> None:
    role = getattr(user, "role", "")
    if role not in roles:
        who = "、".join(text for code, text in (("county", "县级"), ("town", "乡镇")) if code in roles)
        raise PermissionDenied(f"「{what}」须由{who}用户办理。")
    # The clue's village is the household's at the last comparison: the household may have moved since.
    if not in_scope(user, clue.village_code) or not in_scope(user, clue.household.village_id):
        raise PermissionDenied(f"户 {clue.household.household_no} 不在您的管辖区域内。")


def _check_version(clue: Clue, expected_version: int) -> None:
    if clue.version != expected_version:
        raise ClueStale("该线索已被他人处理或已更新，请刷新页面后再操作。")


def _event(clue: Clue, action: str, user: Any, note: str = "", **data: Any) -> ClueEvent:
    return ClueEvent.objects.create(clue=clue, action=action, by=account_of(user), note=note, data=data)


@transaction.atomic
def clue_dispatch(*, clue_id: int, user: Any, expected_version: int) -> Clue:
    """A county user sends a new clue to the household's town to check."""
    clue = _locked(clue_id)
    _check(user, clue, {Role.COUNTY}, "分派线索")
    _check_version(clue, expected_version)
    if clue.state != ClueState.NEW:
        raise ClueRefused(f"线索当前状态为「{STATE_TEXT[clue.state]}」，只有待分派的线索可以分派。")
    town = town_code(clue.village_code)
    area = Area.objects.filter(code=town).first()
    if area is None:
        raise ClueRefused(f"找不到负责的乡镇（区划代码 {town}），请先补充区划。")
    clue.state = ClueState.DISPATCHED
    clue.dispatched_to = town
    clue.dispatched_at = timezone.now()
    clue.dispatched_by = account_of(user)
    clue.version += 1
    clue.save(update_fields=["state", "dispatched_to", "dispatched_at", "dispatched_by", "version"])
    _event(clue, "dispatched", user, note=f"分派至{area.name}", town=town)
    return clue


@transaction.atomic
def clue_answer(*, clue_id: int, user: Any, answer: str, note: str, expected_version: int) -> Clue:
    """The town (of a dispatched clue) or the county answers: fixed, explained, or the clue was wrong."""
    clue = _locked(clue_id)
    _check(user, clue, {Role.COUNTY, Role.TOWN}, "反馈核实结果")
    _check_version(clue, expected_version)
    if answer not in ANSWERS:
        raise ClueRefused("核实结果应为：属实已整改、已说明情况或线索有误。")
    note = (note or "").strip()
    if not note:
        raise ClueRefused("请填写核实情况说明。")
    if clue.state not in OPEN:
        raise ClueRefused(f"线索当前状态为「{STATE_TEXT[clue.state]}」，不能再反馈。")
    if getattr(user, "role", "") == Role.TOWN and clue.state != ClueState.DISPATCHED:
        raise PermissionDenied("线索尚未分派到乡镇，乡镇用户暂不能反馈。")
    clue.state = answer
    clue.answer = note
    clue.answered_at = timezone.now()
    clue.answered_by = account_of(user)
    clue.version += 1
    clue.save(update_fields=["state", "answer", "answered_at", "answered_by", "version"])
    _event(clue, "answered", user, note=note, answer=answer)
    return clue


# --- sending a clue back to its department (反馈核实) ---------------------------------------------------------------

SEND_BACK_CHUNK = 2000  # clues updated and logged per statement


@dataclass(frozen=True)
class SendBack:
    """What sending back did: clues sent, clues of the set left as they were (already awaiting an answer, or
    not the user's to send), and the deadline."""

    sent: int
    skipped: int
    due: dt.date


def clue_feedback_due(*, on: dt.date | None = None) -> dt.date:
    """The default deadline of a clue sent back on ``on`` (today): the rule pack's ``clue_feedback_working_days``
    working days later, on the Chinese calendar (the pack's own holidays for years the calendar lacks)."""
    pack = pack_get(DEFAULT_PACK)
    days = pack.crosscheck_rules().feedback_working_days
    return working_days_after(on or timezone.localdate(), days, pack.monitoring_rules()).due


def _check_due(due: dt.date, today: dt.date) -> None:
    if due < today:
        raise ClueRefused(f"反馈期限 {due:%Y-%m-%d} 早于今天（{today:%Y-%m-%d}）。")
    if due > today + dt.timedelta(days=FEEDBACK_DUE_MAX_DAYS):
        raise ClueRefused(f"反馈期限 {due:%Y-%m-%d} 超过一年，请检查日期。")


def _check_department(department: str) -> None:
    if department not in Department.values:
        raise ClueRefused("内部比对线索没有提供名单的部门，不能退回部门核实。")


def _sendable(user: Any, clues: Any) -> Any:
    """Of ``clues``, those ``user`` may send back: open and not already awaiting an answer; a town user only
    those dispatched to the town (as for answering)."""
    clues = clues.filter(state__in=OPEN).exclude(feedback_state=FeedbackState.REQUESTED)
    if getattr(user, "role", "") == Role.TOWN:
        clues = clues.filter(state=ClueState.DISPATCHED)
    return clues


def _check_sender(user: Any) -> None:
    if getattr(user, "role", "") not in (Role.COUNTY, Role.TOWN):
        raise PermissionDenied("「退回部门核实」须由县级、乡镇用户办理。")


def _send_back(ids: list[int], *, user: Any, department: str, due: dt.date, today: dt.date) -> None:
    """Mark the clues ``ids`` (already locked) as awaiting the department's answer, with one history row each."""
    name = Department(department).label
    note = f"请{name}于 {due:%Y-%m-%d} 前反馈核实情况"
    by = account_of(user)
    for start in range(0, len(ids), SEND_BACK_CHUNK):
        chunk = ids[start : start + SEND_BACK_CHUNK]
        Clue.objects.filter(pk__in=chunk).update(
            feedback_state=FeedbackState.REQUESTED,
            feedback_sent_on=today,
            feedback_sent_by=by,
            feedback_due=due,
            feedback_answer="",
            feedback_answered_on=None,
            feedback_answered_by=None,
            version=F("version") + 1,
        )
        ClueEvent.objects.bulk_create(
            ClueEvent(
                clue_id=pk,
                action="sent_back",
                by=by,
                note=note,
                data={"department": department, "due": due.isoformat()},
            )
            for pk in chunk
        )


@transaction.atomic
def clue_send_back(*, clue_id: int, user: Any, expected_version: int, due: dt.date | None = None) -> Clue:
    """A county user (or the town of a dispatched clue) sends one open clue back to the department whose list
    raised it, to check and answer by ``due`` (default :func:`clue_feedback_due`)."""
    clue = _locked(clue_id)
    _check(user, clue, {Role.COUNTY, Role.TOWN}, "退回部门核实")
    _check_version(clue, expected_version)
    _check_department(clue.department)
    if clue.state not in OPEN:
        raise ClueRefused(f"线索当前状态为「{STATE_TEXT[clue.state]}」，不能再退回部门核实。")
    if getattr(user, "role", "") == Role.TOWN and clue.state != ClueState.DISPATCHED:
        raise PermissionDenied("线索尚未分派到乡镇，乡镇用户暂不能退回部门核实。")
    if clue.feedback_state == FeedbackState.REQUESTED:
        raise ClueRefused(f"线索已退回部门核实，正等待部门于 {clue.feedback_due:%Y-%m-%d} 前反馈。")
    today = timezone.localdate()
    due = due or clue_feedback_due(on=today)
    _check_due(due, today)
    _send_back([clue.pk], user=user, department=clue.department, due=due, today=today)
    clue.refresh_from_db()
    return clue


@transaction.atomic
def clues_send_back(
    *,
    user: Any,
    department: str,
    clue_ids: list[int] | None = None,
    rule: str = "",
    state: str = "open",
    village: str = "",
    due: dt.date | None = None,
) -> SendBack:
    """Send back, at once, the clues of ``department`` that the user may send (see :func:`clue_send_back`): the
    ones of ``clue_ids``, or (``None``) every clue the list's filters (``rule``, ``state``, ``village``) select.
    Clues already awaiting an answer, closed, or not the user's to send are skipped, so sending again is
    harmless. Set-based: one locking read, then an update and an insert per :data:`SEND_BACK_CHUNK` clues."""
    _check_sender(user)
    _check_department(department)
    from .selectors import clues_for_user

    today = timezone.localdate()
    due = due or clue_feedback_due(on=today)
    _check_due(due, today)
    chosen = clues_for_user(user=user, department=department, rule=rule, state=state, village=village)
    if clue_ids is not None:
        chosen = chosen.filter(pk__in=clue_ids)
    sendable = _sendable(user, chosen)
    total = chosen.count()
    ids = list(sendable.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise ClueRefused("所选线索中没有可以退回部门核实的线索（已退回待反馈、已办结或不在您的办理范围内）。")
    _send_back(ids, user=user, department=department, due=due, today=today)
    return SendBack(sent=len(ids), skipped=max(total - len(ids), 0), due=due)


def _department_of(user: Any) -> str:
    from .selectors import department_of_user

    return department_of_user(user=user)


def _check_attachment(upload: Any) -> None:
    if (upload.size or 0) > ATTACHMENT_MAX_BYTES:
        raise ClueRefused(f"附件「{upload.name}」超过 10 MB。")
    try:
        file_kind(upload, allowed=ATTACHMENT_TYPES)
    except RefusedFile as refused:
        raise ClueRefused(f"附件「{upload.name}」{refused}。") from None


@transaction.atomic
def clue_feedback_answer(
    *, clue_id: int, user: Any, answer: str, expected_version: int, attachment: Any = None, on: dt.date | None = None
) -> Clue:
    """The department's answer to a clue sent back to it: what it found (text), optionally a file (PDF, photo,
    .docx, .xlsx, at most 10 MB), dated ``on`` (today). A department clerk of the clue's department, within its
    area, answers; an answer after the deadline is kept and marked late."""
    clue = _locked(clue_id)
    if getattr(user, "role", "") != Role.DEPARTMENT:
        raise PermissionDenied("「部门反馈核实情况」须由部门用户办理。")
    department = _department_of(user)
    if not department or department != clue.department:
        raise PermissionDenied("该线索不是退回本部门核实的线索。")
    if not in_scope(user, clue.village_code) or not in_scope(user, clue.household.village_id):
        raise PermissionDenied(f"户 {clue.household.household_no} 不在您的管辖区域内。")
    _check_version(clue, expected_version)
    if clue.feedback_state != FeedbackState.REQUESTED:
        raise ClueRefused("该线索没有待反馈的核实请求（可能已反馈）。")
    if clue.state not in OPEN:
        raise ClueRefused(f"线索已办结（{STATE_TEXT[clue.state]}），无需再反馈。")
    answer = (answer or "").strip()
    if not answer:
        raise ClueRefused("请填写核实情况。")
    if len(answer) > FEEDBACK_ANSWER_MAX:
        raise ClueRefused(f"核实情况不能超过 {FEEDBACK_ANSWER_MAX} 个字。")
    today = timezone.localdate()
    on = on or today
    problem = record_date_problem(on, what="反馈日期", today=today)
    if problem:
        raise ClueRefused(problem + "。")
    if clue.feedback_sent_on and on < clue.feedback_sent_on:
        raise ClueRefused(f"反馈日期 {on:%Y-%m-%d} 早于退回日期（{clue.feedback_sent_on:%Y-%m-%d}）。")
    if attachment is not None:
        _check_attachment(attachment)
    late = clue.feedback_due is not None and on > clue.feedback_due
    clue.feedback_state = FeedbackState.ANSWERED
    clue.feedback_answer = answer
    clue.feedback_answered_on = on
    clue.feedback_answered_by = account_of(user)
    clue.version += 1
    clue.save(
        update_fields=["feedback_state", "feedback_answer", "feedback_answered_on", "feedback_answered_by", "version"]
    )
    due = clue.feedback_due.isoformat() if clue.feedback_due else ""
    event = _event(clue, "department_answered", user, note=answer, on=on.isoformat(), due=due, late=late)
    if attachment is not None:
        item = ClueAttachment(clue=clue, event=event, original_name=(attachment.name or "附件")[:255])
        item.size = attachment.size or 0
        item.sha256 = upload_sha256(attachment)
        suffix = file_kind(attachment, allowed=ATTACHMENT_TYPES).suffix
        item.file.save(f"{clue.pk}-{event.pk}{suffix}", attachment, save=False)
        item.save()
    return clue


def feedback_late_days(*, clue: Clue, today: dt.date | None = None) -> int:
    """Days a clue's department answer is (or was) late: answered after the deadline, or still awaited past it;
    0 when in time or not sent back."""
    if clue.feedback_due is None or clue.feedback_state == FeedbackState.NONE:
        return 0
    end = clue.feedback_answered_on if clue.feedback_state == FeedbackState.ANSWERED else today or timezone.localdate()
    if end is None:
        return 0
    return max((end - clue.feedback_due).days, 0)


def _code(vocabulary: Any, word: str) -> str | None:
    value = LEDGER_TEXT[vocabulary].get(word)
    return str(value) if value is not None else None


def _attribute_fixed(attribute: str, variant: str) -> str | None:
    """The 户类型 the civil-affairs list says, from the current one and the clue's side."""
    dibao = attribute in (Attribute.DIBAO, Attribute.DIBAO_TEKUN)
    tekun = attribute in (Attribute.TEKUN, Attribute.DIBAO_TEKUN)
    kind, side = variant.split("_")
    if kind == "dibao":
        if dibao == (side == "extra"):
            return None  # already what the list says
        dibao = side == "extra"
    else:
        if tekun == (side == "extra"):
            return None
        tekun = side == "extra"
    return {
        (False, False): Attribute.GENERAL.value,
        (True, False): Attribute.DIBAO.value,
        (False, True): Attribute.TEKUN.value,
        (True, True): Attribute.DIBAO_TEKUN.value,
    }[(dibao, tekun)]


def clue_fix_plan(clue: Clue) -> Fix | str:
    """What the registry would take from the department's side of this clue, or why it cannot (Chinese)."""
    rule, variant = clue.rule, clue.variant
    row = clue.row
    if rule in (Rule.X06, Rule.X07, Rule.X08, Rule.X09):
        return "此类线索须研判是否符合识别条件，不能直接按部门数据修改台账。"
    if rule == Rule.X12:
        return "须先核实此人实际所在户，请在户档案中修改其成员状态或证件号码。"
    if rule in (Rule.X01, Rule.X02, Rule.X03, Rule.X05, Rule.X11) and clue.member is None:
        return "线索未关联成员。"
    if rule == Rule.X01:
        if variant == "missing_roll":
            return Fix(member={"school_status": SchoolStatus.DROPPED_OUT.value}, household={})
        text = f"{row.text1}{row.text2}" if row else ""
        for word in ("大专及以上", "高职", "中职", "高中", "初中", "小学"):
            if word in text:
                return Fix(member={"school_status": _code(SchoolStatus, word)}, household={})
        return "教体名单未注明学段，请在户档案中手工修改在校生状况。"
    if rule == Rule.X02:
        if variant == "missing":
            return Fix(member={"medical_insurance": MedicalInsurance.NONE.value}, household={})
        kind = _code(MedicalInsurance, row.kind) if row else None
        if kind is None:
            return "医保名单的参保类型已不可查，请在户档案中手工修改。"
        return Fix(member={"medical_insurance": kind}, household={})
    if rule == Rule.X03:
        if variant != "not_disabled":
            return "护理补贴由残联落实，台账无需修改。"
        from jingzhun.registry.vocab import DisabilityGrade

        changes: dict[str, Any] = {"health": Health.DISABLED.value}
        grade = _code(DisabilityGrade, row.grade) if row else None
        if grade:
            changes["disability_grade"] = grade
        return Fix(member=changes, household={})
    if rule == Rule.X04:
        attribute = _attribute_fixed(clue.household.attribute, variant)
        if attribute is None:
            return "台账户类型已与民政数据一致。"
        return Fix(member={}, household={"attribute": attribute})
    if rule == Rule.X05:
        return Fix(member={"status": MemberStatus.DECEASED.value}, household={})
    if rule == Rule.X10:
        if row is None or row.grade not in "ABCD" or not row.grade:
            return "住建名单的鉴定等级已不可查，请在户档案中手工修改。"
        return Fix(member={}, household={"housing_grade": row.grade})
    if rule == Rule.X11:
        if variant == "pension":
            return Fix(member={"pension_insured": False}, household={})
        if variant == "employed":
            from jingzhun.registry.vocab import WorkStatus

            return Fix(member={"work_status": WorkStatus.NOT_WORKING.value}, household={})
        return "人社名单未注明务工地点，请在户档案中选择务工状况。"
    return "此类线索不能直接按部门数据修改台账。"


@transaction.atomic
def clue_fix_registry(*, clue_id: int, user: Any) -> dict[str, Any]:
    """For a clue answered 属实已整改: write the department's value into the registry (with field history).

    Returns the changes made ``{"member": {field: [old, new]}, "household": {...}}``.
    """
    from jingzhun.registry.services import RegistryRefused, household_update, member_update

    clue = _locked(clue_id)
    _check(user, clue, {Role.COUNTY, Role.TOWN}, "按部门数据更新台账")
    if clue.state != ClueState.FIXED:
        raise ClueRefused("只有核实为「属实已整改」的线索才能按部门数据更新台账。")
    if clue.events.filter(action="registry_fixed").exists():
        raise ClueRefused("已按此线索更新过台账。")
    plan = clue_fix_plan(clue)
    if isinstance(plan, str):
        raise ClueRefused(plan)
    reason = f"数据比对线索 {clue.pk}（{clue.rule}）：{clue.detail}"[:500]
    done: dict[str, Any] = {"member": {}, "household": {}}
    try:
        if plan.member and clue.member is not None:
            changed = member_update(member=clue.member, changes=plan.member, user=user, reason=reason)
            done["member"] = {name: [_plain(o), _plain(n)] for name, (o, n) in changed.items()}
        if plan.household:
            changed = household_update(household=clue.household, changes=plan.household, user=user, reason=reason)
            done["household"] = {name: [_plain(o), _plain(n)] for name, (o, n) in changed.items()}
    except RegistryRefused as refused:
        raise ClueRefused(str(refused)) from None
    if not done["member"] and not done["household"]:
        raise ClueRefused("台账已与部门数据一致，无需修改。")
    _event(clue, "registry_fixed", user, note=reason, **done)
    return done


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, bool | int | str) else str(value)


@transaction.atomic
def clue_open_case(*, clue_id: int, user: Any) -> Any:
    """For a clue confirmed true (属实): open (or join) the household's monitoring case through the
    department-warning channel. Monitoring refuses households still under poverty assistance: its reason is
    passed on as :class:`ClueRefused`."""
    from jingzhun.monitoring.services import CaseRefused, case_open

    clue = _locked(clue_id)
    _check(user, clue, {Role.COUNTY}, "纳入防返贫监测")
    if clue.state != ClueState.FIXED:
        raise ClueRefused("只有核实属实的线索才能纳入防返贫监测。")
    if clue.events.filter(action="case_opened").exists():
        raise ClueRefused("已按此线索纳入过防返贫监测。")
    try:
        opened = case_open(
            household=clue.household,
            channel="department_warning",
            user=user,
            note=f"数据比对线索：{clue.detail}"[:2000],
            source_ref=f"clue:{clue.pk}",
        )
    except CaseRefused as refused:
        raise ClueRefused(str(refused)) from None
    _event(clue, "case_opened", user, case=opened.case.pk, created=opened.created)
    return opened
