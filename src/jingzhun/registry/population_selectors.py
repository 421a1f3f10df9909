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
    if as_of is None:
        h_rows = households.values(village_code=F("village_id"), **{f"g_{f}": F(f) for f in by})
        m_rows = members.filter(status=MemberStatus.ACTIVE).values(
            village_code=F("household__village_id"), **{f"g_{f}": F(f"household__{f}") for f in by}
        )
    else:
        h_at = households.filter(created_at__lte=as_of).annotate(
            status_at=_field_at("poverty_status", path="", as_of=as_of),
            **{f"g_{f}": _field_at(f, path="", as_of=as_of) for f in by if f != "poverty_status"},
        )
        h_rows = h_at.exclude(status_at="").values(
            village_code=F("village_id"),
            **{f"g_{f}": F("status_at" if f == "poverty_status" else f"g_{f}") for f in by},
        )
        m_at = members.filter(created_at__lte=as_of, household__created_at__lte=as_of).annotate(
            active_at=_member_active_at(as_of),
            status_at=_field_at("poverty_status", path="household__", as_of=as_of),
            **{f"g_{f}": _field_at(f, path="household__", as_of=as_of) for f in by if f != "poverty_status"},
        )
        m_rows = (
            m_at.filter(active_at=MemberStatus.ACTIVE)
            .exclude(status_at="")
            .values(
                village_code=F("household__village_id"),
                **{f"g_{f}": F("status_at" if f == "poverty_status" else f"g_{f}") for f in by},
            )
        )
    counts: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for row in h_rows.annotate(n=Count("id")).order_by():
        counts[_key(row, by)][0] = row["n"]
    for row in m_rows.annotate(n=Count("id")).order_by():
        counts[_key(row, by)][1] = row["n"]
    return [
        {"village": key[0], **dict(zip(by, key[1:], strict=True)), "households": h, "people": p}
        for key, (h, p) in sorted(counts.items(), key=lambda item: tuple("" if v is None else str(v) for v in item[0]))
        if h
    ]


def _key(row: Any, by: tuple[str, ...]) -> tuple[Any, ...]:
    """A row's group, its values as text (a past moment's values come from the history as text), None for none."""
    return (row["village_code"], *(None if row[f"g_{f}"] is None else str(row[f"g_{f}"]) for f in by))
