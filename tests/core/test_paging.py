"""The one keyset pager (core.paging): ascending and newest-first pages, and keys that cannot be keys."""

from __future__ import annotations

import pytest

from jingzhun.accounts.models import AuditEvent
from jingzhun.core.paging import keyset_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    return [AuditEvent.objects.create(action=AuditEvent.Action.LOGOUT, target=f"u{n:03d}").pk for n in range(7)]


def test_a_log_pages_newest_first(log):
    first = keyset_page(AuditEvent.objects.all(), key="pk", size=3, descending=True)
    assert [e.pk for e in first] == log[::-1][:3]
    second = keyset_page(AuditEvent.objects.all(), key="pk", after=str(first.next_after), size=3, descending=True)
    assert [e.pk for e in second] == log[::-1][3:6]


def test_previous_goes_back_to_the_page_before_in_a_newest_first_log(log):
    second = keyset_page(AuditEvent.objects.all(), key="pk", after=str(log[4]), size=3, descending=True)
    back = keyset_page(AuditEvent.objects.all(), key="pk", before=str(second.previous_before), size=3, descending=True)
    assert [e.pk for e in back] == log[::-1][:3]
    assert back.is_first


def test_the_last_page_offers_no_next(log):
    last = keyset_page(AuditEvent.objects.all(), key="pk", after=str(log[1]), size=3, descending=True)
    assert [e.pk for e in last] == [log[0]] and last.next_after is None


@pytest.mark.parametrize("key", ["99999999999999999999", "abc", "-1", "１２", "1e3", "\x00"])
def test_a_key_that_cannot_be_a_number_of_the_column_is_the_first_page(log, key):
    page = keyset_page(AuditEvent.objects.all(), key="pk", after=key, size=3, descending=True)
    assert [e.pk for e in page] == log[::-1][:3]


def test_a_text_key_with_a_nul_is_the_first_page(log):
    page = keyset_page(AuditEvent.objects.all(), key="target", before="u005\x00", size=3)
    assert [e.target for e in page] == ["u000", "u001", "u002"]


# --- keyset_page_rows: several columns, the last unique, compared as a row value ------------------------------


@pytest.fixture
def areas():
    from jingzhun.areas.models import Level
    from tests.factories import AreaFactory

    # Names repeat, so the page key needs the code after the name; levels repeat, so it needs the name after them.
    for n in range(11):
        AreaFactory(level=Level.VILLAGE if n % 3 else Level.TOWN, name=f"村{n % 4}")
    return _every()


ORDER = ("level", "name", "code")


def _every() -> list[str]:
    from jingzhun.areas.models import Area

    return list(Area.objects.order_by(*ORDER).values_list("code", flat=True))


def _pages(size: int, **start: str) -> list[list[str]]:
    from jingzhun.areas.models import Area
    from jingzhun.core.paging import keyset_page_rows

    pages, page = [], keyset_page_rows(Area.objects.all(), order=ORDER, size=size, **start)
    while True:
        pages.append([area.code for area in page])
        if page.next_after is None:
            return pages
        page = keyset_page_rows(Area.objects.all(), order=ORDER, size=size, after=page.next_after)


@pytest.mark.parametrize("size", [1, 3, 4, 50])
def test_paging_forward_returns_every_row_once_in_order(areas, size):
    pages = _pages(size)
    assert [code for page in pages for code in page] == areas
    assert all(len(page) == size for page in pages[:-1])


def test_paging_backward_from_the_end_returns_every_row_once_in_order(areas):
    from jingzhun.areas.models import Area
    from jingzhun.core.paging import keyset_page_rows

    last = _pages(3)[-1]
    page = keyset_page_rows(Area.objects.all(), order=ORDER, size=3, after=_key_of(areas[-len(last) - 1]))
    assert [a.code for a in page] == last
    seen = [a.code for a in page]
    while page.previous_before is not None:
        page = keyset_page_rows(Area.objects.all(), order=ORDER, size=3, before=page.previous_before)
        seen = [a.code for a in page] + seen
    assert seen == areas and page.is_first


def _key_of(code: str) -> str:
    import json

    from jingzhun.areas.models import Area

    area = Area.objects.get(code=code)
    return json.dumps([area.level, area.name, area.code], ensure_ascii=False)


@pytest.mark.parametrize(
    "key", ["", "not json", "[1, 2]", '["village", "村1"]', '["village", "村1", 5]', '["\\u0000", "a", "b"]', "{}"]
)
def test_a_key_that_cannot_be_a_row_is_the_first_page(areas, key):
    from jingzhun.areas.models import Area
    from jingzhun.core.paging import keyset_page_rows

    page = keyset_page_rows(Area.objects.all(), order=ORDER, size=3, after=key)
    assert [a.code for a in page] == areas[:3] and page.is_first


def test_a_page_key_is_sought_before_the_filters_of_the_query(areas):
    """SQLite reads an index range from the first bound on a column: the key's must come before a filter's."""
    from django.db.models import F

    from jingzhun.areas.models import Area
    from jingzhun.core.paging import filter_first
    from jingzhun.core.sql import RowCompare

    filtered = Area.objects.filter(name__startswith="村")
    keyed = filter_first(filtered, RowCompare([F("level"), F("name"), F("code")], ">", ("town", "村0", "0")))
    sql = str(keyed.query)
    assert sql.index('("areas_area"."level", "areas_area"."name", "areas_area"."code") >') < sql.index("LIKE")
    assert set(keyed.values_list("code", flat=True)) <= set(filtered.values_list("code", flat=True))
