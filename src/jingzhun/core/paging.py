"""Keyset paging for long lists: "after this key" / "before this key" instead of OFFSET and COUNT(*).

On a county of 100,000 households an OFFSET page deep in the list, and the total count under a name search,
make the database walk every earlier row; a keyset page reads only the rows it shows (plus one, to know
whether there is a next page) through the key's unique index.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, F, Field, QuerySet, Value
from django.db.models.functions import Cast, Concat, LPad
from django.http import HttpRequest

from .sql import RowCompare


@dataclass(frozen=True)
class KeysetPage:
    rows: list[Any]
    next_after: str | None  # key to pass as ``after`` for the next page; None on the last page
    previous_before: str | None  # key to pass as ``before`` for the previous page; None on the first page

    @property
    def is_first(self) -> bool:
        return self.previous_before is None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)


def keyset_page(
    queryset: QuerySet[Any], *, key: str, after: str = "", before: str = "", size: int = 50, descending: bool = False
) -> KeysetPage:
    """One page of ``queryset`` ordered by the unique field ``key`` (newest first with ``descending``, for logs),
    after or before a key value. A key that cannot be one of the field's values (text for a number, a number
    past the column's range) reads as no key: the first page."""
    after, before = _usable(queryset, key, after), _usable(queryset, key, before)
    ahead, back = ("lt", "gt") if descending else ("gt", "lt")
    forward, backward = (f"-{key}", key) if descending else (key, f"-{key}")
    if before and not after:
        rows = list(queryset.filter(**{f"{key}__{back}": before}).order_by(backward)[: size + 1])
        more_before = len(rows) > size
        rows = rows[:size][::-1]
        return KeysetPage(
            rows=rows,
            next_after=getattr(rows[-1], key) if rows else None,
            previous_before=getattr(rows[0], key) if rows and more_before else None,
        )
    if after:
        queryset = queryset.filter(**{f"{key}__{ahead}": after})
    rows = list(queryset.order_by(forward)[: size + 1])
    more_after = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows=rows,
        next_after=getattr(rows[-1], key) if rows and more_after else None,
        previous_before=getattr(rows[0], key) if rows and after else None,
    )


# The largest key a 64-bit integer column holds; a longer "number" in a link overflows SQLite's integers.
_INTEGER_KEY_MAX = 2**63 - 1


def _usable(queryset: QuerySet[Any], key: str, value: str) -> str:
    """``value`` if it can be compared with the ``key`` field, else "" (no key)."""
    if not value or "\x00" in value:  # PostgreSQL refuses NUL in text
        return ""
    field = queryset.model._meta.pk if key == "pk" else None
    if field is None and "__" not in key:
        field = next((f for f in queryset.model._meta.concrete_fields if f.name == key or f.attname == key), None)
    if field is not None and field.get_internal_type() in {
        "AutoField",
        "BigAutoField",
        "IntegerField",
        "BigIntegerField",
    }:
        return value if value.isascii() and value.isdigit() and int(value) <= _INTEGER_KEY_MAX else ""
    return value


def keyset_page_tied(
    queryset: QuerySet[Any], *, order: str, after: str = "", before: str = "", size: int = 50
) -> KeysetPage:
    """:func:`keyset_page` in the order of the text field ``order`` (a lookup path is fine), the primary key
    breaking ties: the page key is ``order`` + "#" + the zero-padded id."""
    keyed = queryset.annotate(
        page_key=Concat(F(order), Value("#"), LPad(Cast("id", CharField()), 12, Value("0")), output_field=CharField())
    )
    return keyset_page(keyed, key="page_key", after=after, before=before, size=size)


def keyset_page_rows(
    queryset: QuerySet[Any], *, order: Sequence[str], after: str = "", before: str = "", size: int = 50
) -> KeysetPage:
    """One page of ``queryset`` in the order of its own fields ``order`` — the last of them unique (the id) — after
    or before a key: with an index on those fields in that order, the page is read from the index, a page at a
    time, however many rows precede it (the key is compared as a row value, :class:`~jingzhun.core.sql.RowCompare`).
    The key is the row's values of ``order`` as a JSON list; one that cannot be such a row (not JSON, another
    length, a value of the wrong type, a number past 64 bits) reads as no key: the first page."""
    fields = [_field(queryset, name) for name in order]
    after_row, before_row = _row_key(fields, after), _row_key(fields, before)
    columns = [F(name) for name in order]
    if before_row is not None and after_row is None:
        backward = [F(name).desc() for name in order]
        rows = list(filter_first(queryset, RowCompare(columns, "<", before_row)).order_by(*backward)[: size + 1])
        more_before = len(rows) > size
        rows = rows[:size][::-1]
        return KeysetPage(
            rows=rows,
            next_after=_row_text(rows[-1], order) if rows else None,
            previous_before=_row_text(rows[0], order) if rows and more_before else None,
        )
    if after_row is not None:
        queryset = filter_first(queryset, RowCompare(columns, ">", after_row))
    rows = list(queryset.order_by(*order)[: size + 1])
    more_after = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows=rows,
        next_after=_row_text(rows[-1], order) if rows and more_after else None,
        previous_before=_row_text(rows[0], order) if rows and after_row is not None else None,
    )


def filter_first(queryset: QuerySet[Any], *conditions: Any) -> QuerySet[Any]:
    """``queryset`` filtered by ``conditions``, written before its other conditions. SQLite seeks an index from the
    first bound on its column that the WHERE clause names: a page key's bound must come before the area scope's
    (a wider bound on the same column), or every row of the area before the key is read and skipped. (PostgreSQL
    takes the tighter bound wherever it stands.)"""
    filtered = queryset.filter(*conditions)
    where, before = filtered.query.where, len(queryset.query.where.children)
    added = len(where.children) - before
    if where.connector == "AND" and not where.negated and added > 0 and before:
        where.children[:] = where.children[before:] + where.children[:before]
    return filtered


_INTEGER_FIELDS = {"AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "PositiveIntegerField"}


def _field(queryset: QuerySet[Any], name: str) -> Field[Any, Any]:
    model = queryset.model
    return model._meta.pk if name in ("pk", "id") else model._meta.get_field(name)  # type: ignore[return-value]


def _row_key(fields: list[Field[Any, Any]], text: str) -> tuple[Any, ...] | None:
    """The row of a page key (see :func:`keyset_page_rows`), or None when ``text`` cannot be one."""
    if not text:
        return None
    try:
        values = json.loads(text)
    except ValueError:
        return None
    if not isinstance(values, list) or len(values) != len(fields):
        return None
    for field, value in zip(fields, values, strict=True):
        if field.get_internal_type() in _INTEGER_FIELDS:
            if type(value) is not int or abs(value) > _INTEGER_KEY_MAX:
                return None
        elif not isinstance(value, str) or "\x00" in value:  # PostgreSQL refuses NUL in text
            return None
    return tuple(values)


def _row_text(row: Any, order: Sequence[str]) -> str:
    return json.dumps([getattr(row, name) for name in order], ensure_ascii=False, separators=(",", ":"))


def query_without_paging(request: HttpRequest) -> str:
    """The request's query string without the paging keys, for the pager's links."""
    query = request.GET.copy()
    for name in ("after", "before"):
        query.pop(name, None)
    return query.urlencode()
