"""``core.sql.StartsWith``: exactly Python's ``str.startswith`` on the database, for any text (LIKE's wildcards and
escape on PostgreSQL, the range's upper bound at the ends of Unicode on SQLite), and served by an index."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from hypothesis import given, settings
from hypothesis import strategies as st

from jingzhun.areas.models import Area, Level
from jingzhun.core.sql import StartsWith
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db

NAMES = [
    "王建国",
    "王",
    "王建",
    "欧阳娜娜",
    "王_国",
    "王%国",
    "a\\b",
    "a\\c",
    "\ud7ffx",
    "\ud7ff",
    "\ue000",
    "\U0010ffff",
]


@pytest.fixture
def named():
    return {AreaFactory(level=Level.VILLAGE, name=name).code: name for name in NAMES}


def _found(prefix: str) -> set[str]:
    return set(Area.objects.filter(StartsWith(F("name"), prefix)).values_list("name", flat=True)) & set(NAMES)


@pytest.mark.parametrize(
    "prefix", ["王", "王建", "王建国", "王_", "王%", "a\\", "\ud7ff", "\U0010ffff", "欧阳", "_", "%"]
)
def test_a_prefix_finds_exactly_the_texts_that_start_with_it(named, prefix):
    assert _found(prefix) == {name for name in NAMES if name.startswith(prefix)}


@settings(max_examples=60, deadline=None)
@given(prefix=st.text(alphabet="王建国欧阳_%\\a\ud7ff\ue000", min_size=1, max_size=3))
def test_any_prefix_agrees_with_python(django_db_blocker, prefix):
    with django_db_blocker.unblock():
        names = set(Area.objects.filter(name__in=NAMES).values_list("name", flat=True))
        if not names:  # the fixture is not function-scoped under hypothesis: make the rows once
            for name in NAMES:
                AreaFactory(level=Level.VILLAGE, name=name)
        assert _found(prefix) == {name for name in NAMES if name.startswith(prefix)}


def _plan(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " ".join(str(row) for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = off")  # a test table is tiny: ask whether an index can serve
        try:
            cursor.execute(f"EXPLAIN {sql}", params)
            return " ".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("SET enable_seqscan = on")


@pytest.mark.parametrize(
    ("text", "indexes"),
    [
        ("建国", ["registry_member_name_prefix", "registry_member_given_name_prefix"]),
        ("1234", ["registry_member_id_tail"]),  # the last four characters of an ID number
    ],
)
def test_the_member_search_reads_its_indexes(text, indexes):
    from jingzhun.registry.models import Member
    from jingzhun.registry.selectors import _member_match

    plan = _plan(*Member.objects.filter(_member_match(text)).values("household_id").query.sql_with_params())
    assert all(index in plan for index in indexes), plan


@pytest.mark.parametrize("prefix", ["3701", "37012", "370129", "3799", "99", "9", "", "37a"])
def test_an_area_code_prefix_finds_exactly_the_codes_that_start_with_it(prefix):
    from jingzhun.core.sql import CodeStartsWith

    codes = ["370125000000", "370129000000", "370130000000", "379900000000", "380000000000", "990000000000"]
    for code in codes:
        AreaFactory(level=Level.COUNTY, code=code)
    found = set(Area.objects.filter(CodeStartsWith(F("code"), prefix)).values_list("code", flat=True)) & set(codes)
    assert found == {code for code in codes if code.startswith(prefix)}
