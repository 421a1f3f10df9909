"""Households and people by village and by household fields — now, or as recorded at a past moment.

A past moment is read back from the history the registry keeps of every change (:class:`StatusChange` for the
poverty status, :class:`ChangeRecord` for the other fields and a member's status): a household's value at ``as_of``
is the old value of its first change after ``as_of``, or today's value when nothing changed since. A household
or member created after ``as_of`` (and a household whose first status change after ``as_of`` is its creation,
from no status) did not exist then. So a past year's figures never move, whatever is changed later.

Households are counted in the village they are in today (a household moving village is not replayed).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat

from .models import ChangeRecord, StatusChange
from .selectors import households_for_user, members_for_user
from .vocab import MemberStatus

# The household fields a count may be grouped by: each is kept in the change history.
GROUPABLE = ("poverty_status", "attribute", "main_cause", "year_exited", "year_registered")


def _value_at(first_after: QuerySet[Any], column: str, current: str) -> Case:
    """``column`` of the first change after the moment if there is one (its old value, NULL included), else the
    current value of the field ``current`` — as text."""
    return Case(
        When(Exists(first_after), then=Subquery(first_after.values(column)[:1])),
        default=Cast(F(current), CharField()),
        output_field=CharField(),
    )


def _field_at(field: str, *, path: str, as_of: dt.datetime) -> Case:
    """The household field ``field`` at ``as_of``, for rows reaching their household by ``path`` ("" for
    households themselves, "household__" for members)."""
    if field == "poverty_status":
        household = OuterRef("pk") if not path else OuterRef("household_id")
        statuses = StatusChange.objects.filter(household=household, changed_at__gt=as_of)
        return _value_at(statuses.order_by("changed_at", "id"), "from_status", f"{path}poverty_status")
    changes = ChangeRecord.objects.filter(
        entity="household", entity_key=OuterRef(f"{path}household_no"), field=field, changed_at__gt=as_of
    )
    return _value_at(changes.order_by("changed_at", "id"), "old_value", f"{path}{field}")


def _member_active_at(as_of: dt.datetime) -> Case:
    key = Concat(OuterRef("household__household_no"), Value("/"), OuterRef("id_number"))
    changes = ChangeRecord.objects.filter(entity="member", entity_key=key, field="status", changed_at__gt=as_of)
    return _value_at(changes.order_by("changed_at", "id"), "old_value", "status")


def household_counts_by_village(
    *, user: Any, area_prefix: str = "", as_of: dt.datetime | None = None, by: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Households and active (在册) people per village and per value of the household fields ``by`` (of
    :data:`GROUPABLE`), in the user's scope narrowed to ``area_prefix``; as recorded at ``as_of`` (None: now).
    Each row: ``village``, the ``by`` fields (as text; None for no value), ``households``, ``people``. Only
    combinations with a household are listed."""
    unknown = set(by) - set(GROUPABLE)
    if unknown:
        raise ValueError(f"not a groupable household field: {sorted(unknown)}")
    households = households_for_user(user=user).filter(village__code__startswith=area_prefix)
    members = members_for_user(user=user).filter(household__village__code__startswith=area_prefix)
    live_h = {"village_code": F("village_id"), **{f"g_{f}": F(f) for f in by}}
    live_m = {"village_code": F("household__village_id"), **{f"g_{f}": F(f"household__{f}") for f in by}}
    parts: list[tuple[int, QuerySet[Any]]] = []  # (0: households, 1: people), grouped rows
    if as_of is None:
        parts += [(0, households.values(**live_h)), (1, members.filter(status=MemberStatus.ACTIVE).values(**live_m))]
    else:
        # Only what changed after ``as_of`` is read back from history, one by one; everything else is counted
        # by its values of today in one grouped query. Changed: a household with a status change or a change of
        # a grouped field after the moment, and a member with a change of status after it.
        fields = [f for f in by if f != "poverty_status"]
        changed = StatusChange.objects.filter(changed_at__gt=as_of).values("household_id")
        changed_fields = ChangeRecord.objects.filter(entity="household", field__in=fields, changed_at__gt=as_of)
        household_changed = Q(pk__in=changed) | Q(household_no__in=changed_fields.values("entity_key"))
        member_changed_keys = ChangeRecord.objects.filter(entity="member", field="status", changed_at__gt=as_of)
        existing = households.filter(created_at__lte=as_of)
        parts.append((0, existing.exclude(household_changed).values(**live_h)))
        h_at = existing.filter(household_changed).annotate(
            status_at=_field_at("poverty_status", path="", as_of=as_of),
            **{f"g_{f}": _field_at(f, path="", as_of=as_of) for f in fields},
        )
        replayed = {f"g_{f}": F("status_at" if f == "poverty_status" else f"g_{f}") for f in by}
        parts.append((0, h_at.exclude(status_at="").values(village_code=F("village_id"), **replayed)))
        members_then = members.filter(created_at__lte=as_of, household__created_at__lte=as_of).annotate(
            member_key=Concat(F("household__household_no"), Value("/"), F("id_number"), output_field=CharField())
        )
        unchanged_household = ~Q(household__in=existing.filter(household_changed).values("pk"))
        member_changed = Q(member_key__in=member_changed_keys.values("entity_key"))
        plain = members_then.filter(unchanged_household).exclude(member_changed)
        parts.append((1, plain.filter(status=MemberStatus.ACTIVE).values(**live_m)))
        m_at = (
            members_then.filter(~unchanged_household | member_changed)
            .annotate(
                active_at=_member_active_at(as_of),
                status_at=_field_at("poverty_status", path="household__", as_of=as_of),
                **{f"g_{f}": _field_at(f, path="household__", as_of=as_of) for f in fields},
            )
            .filter(active_at=MemberStatus.ACTIVE)
            .exclude(status_at="")
        )
        parts.append((1, m_at.values(village_code=F("household__village_id"), **replayed)))
    counts: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for index, rows in parts:
        for row in rows.annotate(n=Count("id")).order_by():
            counts[_key(row, by)][index] += row["n"]
    return [
        {"village": key[0], **dict(zip(by, key[1:], strict=True)), "households": h, "people": p}
        for key, (h, p) in sorted(counts.items(), key=lambda item: tuple("" if v is None else str(v) for v in item[0]))
        if h
    ]


def _key(row: Any, by: tuple[str, ...]) -> tuple[Any, ...]:
    """A row's group, its values as text (a past moment's values come from the history as text), None for none."""
    return (row["village_code"], *(None if row[f"g_{f}"] is None else str(row[f"g_{f}"]) for f in by))
