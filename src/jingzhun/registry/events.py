"""Sudden events (突发事件, docs/RULES.md §6 ``sudden_event``): recording one from the household record or the API,
and importing a file of them (docs/LEDGER.md §1c).

An event is keyed by household, kind and day: recording it again updates its loss and description, and an
unchanged one is left alone, so a form sent twice or a file imported twice changes nothing the second time.
Every change is written to the field-level history (``ChangeRecord``) like the rest of the people data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.core.params import EARLIEST_RECORD, record_date_problem
from jingzhun.core.scope import SYSTEM, account_of, household_in_scope
from jingzhun.spreadsheets.cells import (
    AMOUNT_LIMIT,
    CellError,
    amount_parser,
    date_parser,
    enum_parser,
    required_text,
    text_parser,
)
from jingzhun.spreadsheets.reading import UnusableFile, clean_cell, header_positions, open_table
from jingzhun.spreadsheets.report import report_path_for, write_report

from .models import ChangeRecord, Household, HouseholdEvent
from .selectors import households_for_user
from .vocab import LEDGER_TEXT, LEDGER_WORD, EventKind

# Events are recorded from the start of targeted poverty alleviation (建档立卡, 2013) on, never ahead of today:
# the window of every record's date (core.params).
EARLIEST_EVENT = EARLIEST_RECORD
NOTE_MAX = HouseholdEvent._meta.get_field("note").max_length or 500
# Who records an event on the household record or through the API: the village, the town, and the household's
# own helper (the scope guard limits a helper to its paired households). The command line acts as SYSTEM.
EVENT_ROLES = frozenset({Role.VILLAGE, Role.TOWN, Role.HELPER})
EVENT_WORD: dict[str, str] = LEDGER_WORD[EventKind]

Outcome = Literal["created", "updated", "unchanged"]


class EventRefused(Exception):
    """An event that cannot be recorded; the message says why, in Chinese."""


@dataclass(frozen=True)
class EventRecorded:
    event: HouseholdEvent
    outcome: Outcome  # created; updated (loss or description changed); unchanged (the same event again)


def event_recorder_may(*, user: Any, household: Household) -> bool:
    """Whether ``user`` may record a sudden event for ``household`` (role and scope)."""
    if user is SYSTEM:
        return True
    return getattr(user, "role", "") in EVENT_ROLES and household_in_scope(user, household)


def _check_recorder(user: Any, household: Household) -> None:
    if user is SYSTEM:
        return
    if getattr(user, "role", "") not in EVENT_ROLES:
        raise PermissionDenied("突发事件须由村级、乡镇用户或该户的帮扶责任人登记。")
    if not household_in_scope(user, household):
        raise PermissionDenied(f"户 {household.household_no} 不在您的管辖区域内（或不是您结对帮扶的户）。")


def event_date_problem(on: dt.date, *, today: dt.date) -> str:
    """Why ``on`` cannot be an event's date ("" when it can): not before 2013-01-01, not after today."""
    return record_date_problem(on, what="发生日期", today=today)


def _check_values(kind: str, occurred_on: dt.date, loss: Decimal, note: str, today: dt.date) -> None:
    if kind not in EventKind.values:
        raise EventRefused(f"事件类型「{kind}」无效，应为：{'、'.join(EVENT_WORD.values())}。")
    problem = event_date_problem(occurred_on, today=today)
    if problem:
        raise EventRefused(problem + "。")
    if loss < 0:
        raise EventRefused("损失金额不能为负数。")
    if loss >= AMOUNT_LIMIT or loss != loss.quantize(Decimal("0.01")):
        raise EventRefused(f"损失金额 {loss} 无效（以元为单位，至多两位小数）。")
    if len(note) > NOTE_MAX:
        raise EventRefused(f"事件描述不能超过 {NOTE_MAX} 个字。")


def _history(events: Iterable[tuple[HouseholdEvent, str | None]], *, user: Any) -> None:
    """One change record per event written: the event as text, before and after."""
    now = timezone.now()
    by = account_of(user)
    ChangeRecord.objects.bulk_create(
        [
            ChangeRecord(
                entity="event",
                entity_key=f"{event.household.household_no}/{event.kind}/{event.occurred_on.isoformat()}",
                field="event",
                old_value=old,
                new_value=_event_text(event),
                changed_at=now,
                changed_by=by,
            )
            for event, old in events
        ]
    )


def _event_text(event: HouseholdEvent) -> str:
    text = f"{EVENT_WORD.get(event.kind, event.kind)} {event.occurred_on.isoformat()} 损失 {event.loss}"
    return f"{text} {event.note}" if event.note else text


def household_event_record(
    *,
    household: Household,
    kind: str,
    occurred_on: dt.date,
    user: Any,
    loss: Decimal = Decimal("0"),
    note: str = "",
    today: dt.date | None = None,
) -> EventRecorded:
    """Record a sudden event of ``household`` (or update the loss and description of the one already recorded
    for that kind and day), in one transaction, with its change history.

    Refused (:class:`EventRefused`, Chinese) for an unknown kind, a date before 2013-01-01 or after today (the
    Beijing date), a negative loss, a description over 500 characters; ``PermissionDenied`` for a user who is
    not village, town or the household's helper in scope (``SYSTEM``: the command line).
    """
    today = today or timezone.localdate()
    loss = Decimal(loss)
    note = note.strip()
    _check_recorder(user, household)
    _check_values(kind, occurred_on, loss, note, today)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return _record(household, kind, occurred_on, loss, note, user)
        except IntegrityError:
            continue  # the same event recorded at the same moment by someone else: update that one
    raise EventRefused("该事件正被他人同时登记，请稍后重试。")


def _record(household: Household, kind: str, on: dt.date, loss: Decimal, note: str, user: Any) -> EventRecorded:
    event = HouseholdEvent.objects.select_for_update().filter(household=household, kind=kind, occurred_on=on).first()
    if event is None:
        event = HouseholdEvent.objects.create(
            household=household, kind=kind, occurred_on=on, loss=loss, note=note, recorded_by=account_of(user)
        )
        _history([(event, None)], user=user)
        return EventRecorded(event, "created")
    if event.loss == loss and event.note == note:
        return EventRecorded(event, "unchanged")
    old = _event_text(event)
    event.loss, event.note = loss, note
    event.save(update_fields=["loss", "note"])
    _history([(event, old)], user=user)
    return EventRecorded(event, "updated")


# --- the file import (docs/LEDGER.md §1c) ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    header: str
    name: str
    parse: Any


def _kind(text: str) -> str:
    return str(enum_parser(LEDGER_TEXT[EventKind], required=True)(text))


EVENT_COLUMNS = (
    _Column("户编号", "household_no", required_text),
    _Column("事件类型", "kind", _kind),
    _Column("发生日期", "occurred_on", date_parser(required=True)),
    _Column("损失金额", "loss", amount_parser),
    _Column("事件描述", "note", text_parser(NOTE_MAX)),
)
REQUIRED_HEADERS = ("户编号", "事件类型", "发生日期")
_LOOKUP_CHUNK = 500  # household numbers per query (SQLite's bound-parameter limit is far above)
# Rows of one file: a county records a few hundred events a year; the parsed rows are held until the one write,
# so a file of millions of rows (within the upload size) is refused before it fills the memory.
MAX_EVENT_ROWS = 100_000


@dataclass
class EventImportOutcome:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[tuple[object, ...]] = field(default_factory=list)
    warnings: list[tuple[object, ...]] = field(default_factory=list)
    report_path: Path | None = None

    @property
    def exit_code(self) -> int:
        """0 every row imported; 1 some rows rejected, the valid ones imported (docs/LEDGER.md §1)."""
        return 1 if self.rejected else 0


def event_import(*, path: Path, user: Any, today: dt.date | None = None) -> EventImportOutcome:
    """Import a file of sudden events (docs/LEDGER.md §1c), every valid row in one transaction.

    A row is one event and is imported whole or not at all: any invalid cell, an unknown household or one outside
    ``user``'s scope, or a second row of the same household, kind and day rejects it, with its row, column and
    reason in the error report beside the file. Re-importing a file changes nothing (the events are keyed by
    household, kind and day). Raises ``UnusableFile`` for a file that cannot be read at all (nothing imported).
    """
    today = today or timezone.localdate()
    with open_table(path) as table:
        positions, unknown = header_positions(table.headers, (c.header for c in EVENT_COLUMNS))
        missing = [h for h in REQUIRED_HEADERS if h not in positions]
        if missing:
            raise UnusableFile("缺少必需的列：" + "、".join(missing) + "（格式见 docs/LEDGER.md §1c）")
        outcome = EventImportOutcome()
        outcome.warnings.extend((1, "", header, "", f"未知的列“{header}”，已忽略") for _, header in unknown)
        columns = [(positions[c.header], c) for c in EVENT_COLUMNS if c.header in positions]
        parsed: list[tuple[int, dict[str, Any]]] = []
        for row_no, cells in table.rows:
            outcome.rows += 1
            if outcome.rows > MAX_EVENT_ROWS:
                raise UnusableFile(f"文件超过 {MAX_EVENT_ROWS} 行突发事件，请分成几个文件导入")
            values: dict[str, Any] = {"loss": Decimal("0.00"), "note": ""}
            problems = []
            for index, column in columns:
                text = clean_cell(cells[index]) if index < len(cells) else ""
                try:
                    values[column.name] = column.parse(text)
                except CellError as exc:
                    problems.append((row_no, values.get("household_no", ""), column.header, text, str(exc)))
            if not problems and (problem := event_date_problem(values["occurred_on"], today=today)):
                problems.append((row_no, values["household_no"], "发生日期", str(values["occurred_on"]), problem))
            if problems:
                outcome.errors.extend(problems)
                outcome.rejected += 1
            else:
                parsed.append((row_no, values))
    households = _households(user, {values["household_no"] for _, values in parsed})
    rows: dict[tuple[int, str, dt.date], tuple[int, dict[str, Any]]] = {}
    for row_no, values in parsed:
        household = households.get(values["household_no"])
        if household is None:
            reason = "户编号不存在或不在您的管辖区域内" if user is not SYSTEM else "户编号不存在，请先导入台账"
            outcome.errors.append((row_no, values["household_no"], "户编号", values["household_no"], reason))
            outcome.rejected += 1
            continue
        key = (household.pk, values["kind"], values["occurred_on"])
        if key in rows:
            first = rows[key][0]
            outcome.errors.append(
                (
                    row_no,
                    values["household_no"],
                    "事件类型",
                    EVENT_WORD[values["kind"]],
                    f"与第 {first} 行是同一事件（户、类型、日期相同）",
                )
            )
            outcome.rejected += 1
            continue
        rows[key] = (row_no, values)
    _write(rows, households, outcome, user=user)
    _report(path, outcome)
    return outcome


def _households(user: Any, numbers: set[str]) -> dict[str, Household]:
    """The households of ``numbers`` that ``user`` may record events for, by number (a few queries in all)."""
    if user is not SYSTEM and getattr(user, "role", "") not in EVENT_ROLES:
        return {}
    candidates = Household.objects.all() if user is SYSTEM else households_for_user(user=user)
    ordered = sorted(numbers)
    found: dict[str, Household] = {}
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        chunk = ordered[start : start + _LOOKUP_CHUNK]
        found.update({h.household_no: h for h in candidates.filter(household_no__in=chunk)})
    return found


def _write(
    rows: dict[tuple[int, str, dt.date], tuple[int, dict[str, Any]]],
    households: dict[str, Household],
    outcome: EventImportOutcome,
    *,
    user: Any,
) -> None:
    """Every valid row in one transaction: new events inserted, changed ones updated, the rest left alone."""
    by_id = {h.pk: h for h in households.values()}
    with transaction.atomic():
        existing: dict[tuple[int, str, dt.date], HouseholdEvent] = {}
        ids = sorted({key[0] for key in rows})
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            chunk = ids[start : start + _LOOKUP_CHUNK]
            for found in HouseholdEvent.objects.select_for_update().filter(household_id__in=chunk):
                existing[(found.household_id, found.kind, found.occurred_on)] = found
        new: list[HouseholdEvent] = []
        changed: list[tuple[HouseholdEvent, str | None]] = []
        for key, (_row_no, values) in rows.items():
            event = existing.get(key)
            if event is None:
                new.append(
                    HouseholdEvent(
                        household=by_id[key[0]],
                        kind=values["kind"],
                        occurred_on=values["occurred_on"],
                        loss=values["loss"],
                        note=values["note"],
                        recorded_by=account_of(user),
                    )
                )
            elif (event.loss, event.note) != (values["loss"], values["note"]):
                old = _event_text(event)
                event.loss, event.note = values["loss"], values["note"]
                event.household = by_id[key[0]]
                changed.append((event, old))
        HouseholdEvent.objects.bulk_create(new, batch_size=1000)
        HouseholdEvent.objects.bulk_update([event for event, _ in changed], ["loss", "note"], batch_size=1000)
        _history([*((event, None) for event in new), *changed], user=user)
    outcome.created = len(new)
    outcome.updated = len(changed)
    outcome.unchanged = len(rows) - len(new) - len(changed)


def _report(path: Path, outcome: EventImportOutcome) -> None:
    report = report_path_for(path)
    if outcome.errors or outcome.warnings:
        write_report(
            report,
            errors=outcome.errors,
            warnings=outcome.warnings,
            summary=[
                ("文件", str(path)),
                ("行数", outcome.rows),
                ("新登记的事件", outcome.created),
                ("更新的事件", outcome.updated),
                ("未变化的事件", outcome.unchanged),
                ("未导入的行", outcome.rejected),
            ],
        )
        outcome.report_path = report
    elif report.exists():
        report.unlink()
