"""Decided changes written to the registry in bulk, with the same history the one-at-a-time services write.

:func:`registry_changes_apply` is the set-based twin of ``household_update`` / ``member_update`` /
``member_add``: the caller (the import of the year's adjustment decisions) has read the households and members
concerned in its transaction, decided in memory what each decision changes, and hands the changes over in the
order they were decided. They are written with a handful of statements whatever their number: new members and
the history rows with ``bulk_create``, the final values of households and members with one
``UPDATE … FROM`` a temporary table each.

History, as the services write it: a :class:`ChangeRecord` per changed field (old and new value as text, NULL for
no value), a :class:`StatusChange` per change of the poverty status with its reason, and for a new member a change
record per field set (old value NULL). Every row carries the import batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from jingzhun.core.scope import account_of
from jingzhun.core.sql import create_temp_table, drop_temp_tables, insert_rows
from jingzhun.core.sql import quoted as q

from .models import ChangeRecord, Household, Member, StatusChange

# Fields a decided change may write (as the services: identity is set once, when a member is added).
HOUSEHOLD_CHANGEABLE = frozenset({"poverty_status", "year_exited", "year_registered"})
MEMBER_CHANGEABLE = frozenset({"status"})
NEW_MEMBER_FIELDS = frozenset(
    {
        "id_number",
        "birth_date",
        "sex",
        "name",
        "relation",
        "status",
        "ethnicity",
        "education",
        "school_status",
        "health",
        "disability_grade",
        "labor",
        "work_status",
        "work_months",
        "medical_insurance",
        "pension_insured",
    }
)
_TEMP = "jz_registry_changes"


class RegistryChangeRefused(Exception):
    """Changes the bulk writer does not make (a programming error of the caller); the message says which."""


@dataclass(frozen=True)
class FieldChange:
    """One decided change of a household or member: ``changes`` are (field, old value, new value).

    ``row_id`` is the household's or member's id; ``None`` for a member added by the same call, found by
    ``(household_id, id_number)``. A change of ``poverty_status`` also goes to the status history with
    ``status_reason``."""

    entity: str  # "household" or "member"
    row_id: int | None
    key: str  # household_no, or household_no/id_number: the change history's key
    changes: tuple[tuple[str, Any, Any], ...]
    status_reason: str = ""
    household_id: int | None = None  # members: the household (to find a member added by this call)
    id_number: str = ""


@dataclass(frozen=True)
class NewMember:
    household_id: int
    household_no: str
    values: dict[str, Any]  # id_number, birth_date, sex, name, relation and any other member field (stored codes)


def _history_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@transaction.atomic
def registry_changes_apply(
    *, new_members: Sequence[NewMember], changes: Sequence[FieldChange], user: Any, batch_id: int | None
) -> dict[tuple[int, str], int]:
    """Add ``new_members``, then apply ``changes`` in order, each with its history; returns the ids of the members
    added, by ``(household_id, id_number)``. The caller checked the changes against the state it read (and
    locked) in its transaction; values are stored codes."""
    for member in new_members:
        unknown = set(member.values) - NEW_MEMBER_FIELDS
        if unknown:
            raise RegistryChangeRefused(f"新成员不能填写：{'、'.join(sorted(unknown))}")
    for change in changes:
        allowed = HOUSEHOLD_CHANGEABLE if change.entity == "household" else MEMBER_CHANGEABLE
        unknown = {name for name, _old, _new in change.changes} - allowed
        if unknown:
            raise RegistryChangeRefused(f"不能通过此功能修改：{'、'.join(sorted(unknown))}")
    now = timezone.now()
    by = account_of(user)
    by_id = getattr(by, "pk", None)
    now_db = connection.ops.adapt_datetimefield_value(now)
    records: list[tuple[Any, ...]] = []
    created: dict[tuple[int, str], int] = {}
    if new_members:
        rows = [
            Member(household_id=m.household_id, **({"status": "active"} | m.values), created_at=now, updated_at=now)
            for m in new_members
        ]
        for row in rows:
            try:
                row.full_clean(exclude=["household"], validate_unique=False, validate_constraints=False)
            except Exception as exc:  # ValidationError: say which value was refused
                raise RegistryChangeRefused(f"新成员的信息无效：{exc}") from None
        Member.objects.bulk_create(rows, batch_size=1000)
        for new, row in zip(new_members, rows, strict=True):
            created[(new.household_id, row.id_number)] = row.pk
            written = {"status": "active"} | new.values
            records.extend(
                (
                    "member",
                    f"{new.household_no}/{row.id_number}",
                    name,
                    None,
                    _history_text(value),
                    now_db,
                    by_id,
                    batch_id,
                )
                for name, value in written.items()
                if value not in (None, "")
            )
    statuses: list[tuple[Any, ...]] = []
    final: dict[str, dict[int, dict[str, Any]]] = {"household": {}, "member": {}}
    for change in changes:
        row_id = change.row_id
        if row_id is None:
            row_id = created[(change.household_id or 0, change.id_number)]
        values = final[change.entity].setdefault(row_id, {})
        for name, old, new in change.changes:
            values[name] = new
            records.append(
                (change.entity, change.key, name, _history_text(old), _history_text(new), now_db, by_id, batch_id)
            )
            if change.entity == "household" and name == "poverty_status":
                reason = (change.status_reason or "修改贫困户状态")[:500]
                statuses.append((row_id, old, new, now_db, by_id, reason, batch_id))
    _update_from(Household, final["household"], sorted(HOUSEHOLD_CHANGEABLE), now)
    _update_from(Member, final["member"], sorted(MEMBER_CHANGEABLE), now)
    # History rows as plain tuples (a model instance each would cost more than everything else here).
    cursor = connection.cursor()
    insert_rows(
        cursor,
        ChangeRecord._meta.db_table,
        ["entity", "entity_key", "field", "old_value", "new_value", "changed_at", "changed_by_id", "batch_id"],
        records,
    )
    insert_rows(
        cursor,
        StatusChange._meta.db_table,
        ["household_id", "from_status", "to_status", "changed_at", "changed_by_id", "reason", "batch_id"],
        statuses,
    )
    return created


def _update_from(model: type[Model], rows: dict[int, dict[str, Any]], fields: list[str], now: dt.datetime) -> None:
    """Set each row's changed fields (and ``updated_at``) from a temporary table, in one statement: a field a row
    does not change keeps its value (its flag column is 0)."""
    if not rows:
        return
    meta = model._meta
    columns = [("id", "bigint PRIMARY KEY")]
    for name in fields:
        columns += [(name, str(meta.get_field(name).db_type(connection))), (f"set_{name}", "integer")]
    cursor = connection.cursor()
    create_temp_table(cursor, _TEMP, columns)
    prep = {name: next(f for f in meta.concrete_fields if f.name == name) for name in fields}
    values = []
    for row_id, changed in rows.items():
        row: list[Any] = [row_id]
        for name in fields:
            present = name in changed
            value = prep[name].get_db_prep_save(changed[name], connection) if present else None
            row += [value, int(present)]
        values.append(tuple(row))
    insert_rows(cursor, _TEMP, [c for c, _ in columns], values)
    sets = ", ".join(f"{q(n)} = CASE WHEN s.{q('set_' + n)} = 1 THEN s.{q(n)} ELSE t.{q(n)} END" for n in fields)
    cursor.execute(
        f"UPDATE {q(meta.db_table)} AS t SET {sets}, {q('updated_at')} = %s FROM {q(_TEMP)} AS s "  # noqa: S608
        f"WHERE t.id = s.id",
        [connection.ops.adapt_datetimefield_value(now)],
    )
    drop_temp_tables(cursor, [_TEMP])
