"""Keyset paging for long lists: "after this key" / "before this key" instead of OFFSET and COUNT(*).

On a county of 100,000 households an OFFSET page deep in the list, and the total count under a name search,
make the database walk every earlier row; a keyset page reads only the rows it shows (plus one, to know
whether there is a next page) through the key's unique index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Cast, Concat, LPad
from django.http import HttpRequest


@dataclass(frozen=True)
class KeysetPage:
    rows: list[Any]
    next_after: str | None  # key to pass as ``after`` for the next page; None on the last page
    previous_before: str | None  # key to pass as ``before`` for the previous page; None on the first page

    @property
    def is_first(self) -> bool:
        return self.previous_before is None


def keyset_page(queryset: QuerySet[Any], *, key: str, after: str = "", before: str = "", size: int = 50) -> KeysetPage:
    """One page of ``queryset`` ordered by the unique text field ``key``, after or before a key value."""
    if before and not after:
        rows = list(queryset.filter(**{f"{key}__lt": before}).order_by(f"-{key}")[: size + 1])
        more_before = len(rows) > size
        rows = rows[:size][::-1]
        return KeysetPage(
            rows=rows,
            next_after=getattr(rows[-1], key) if rows else None,
            previous_before=getattr(rows[0], key) if rows and more_before else None,
        )
    if after:
        queryset = queryset.filter(**{f"{key}__gt": after})
    rows = list(queryset.order_by(key)[: size + 1])
    more_after = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows=rows,
        next_after=getattr(rows[-1], key) if rows and more_after else None,
        previous_before=getattr(rows[0], key) if rows and after else None,
    )


def keyset_page_tied(
    queryset: QuerySet[Any], *, order: str, after: str = "", before: str = "", size: int = 50
) -> KeysetPage:
    """:func:`keyset_page` in the order of the text field ``order`` (a lookup path is fine), the primary key
    breaking ties: the page key is ``order`` + "#" + the zero-padded id."""
    keyed = queryset.annotate(
        page_key=Concat(F(order), Value("#"), LPad(Cast("id", CharField()), 12, Value("0")), output_field=CharField())
    )
    return keyset_page(keyed, key="page_key", after=after, before=before, size=size)


def query_without_paging(request: HttpRequest) -> str:
    """The request's query string without the paging keys, for the pager's links."""
    query = request.GET.copy()
    for name in ("after", "before"):
        query.pop(name, None)
    return query.urlencode()
