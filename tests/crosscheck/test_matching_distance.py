"""The SQL ID-distance classification agrees with the Python reference (property test)."""

from __future__ import annotations

import datetime as dt

import ibis
import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingzhun.core.sets import compile_sql
from jingzhun.crosscheck.matching import id_differences, id_edit, id_edit_sql
from tests.crosscheck.factories_matching import id_number

pytestmark = pytest.mark.django_db

_PAIRS = ibis.table({"key": "string", "number": "string"}, name="jz_xcm_test_pairs")
_SQL: dict[str, str] = {}


def _sql_class(key: str, number: str) -> str:
    if connection.vendor not in _SQL:
        # As the fuzzy pass computes it: the differences in one step, the class from them in the next.
        pairs = _PAIRS.mutate(differences=id_differences(_PAIRS.key, _PAIRS.number))
        _SQL[connection.vendor] = compile_sql(
            pairs.select(edit=id_edit_sql(pairs.key, pairs.number, pairs.differences))
        )
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS jz_xcm_test_pairs (key varchar(20), number varchar(20))")
        cursor.execute("DELETE FROM jz_xcm_test_pairs")
        cursor.execute("INSERT INTO jz_xcm_test_pairs (key, number) VALUES (%s, %s)", [key, number])
        cursor.execute(_SQL[connection.vendor])
        return cursor.fetchone()[0]


numbers = st.builds(
    id_number,
    st.sampled_from(["370125", "110101", "441900", "652928"]),
    st.dates(dt.date(1906, 1, 1), dt.date(2024, 12, 31)),
    st.integers(0, 999),
)


@st.composite
def edited(draw):
    number = draw(numbers)
    kind = draw(st.sampled_from(["same", "substitute", "swap", "two", "widened"]))
    chars = list(number)
    if kind == "substitute":
        i = draw(st.integers(0, 17))
        chars[i] = draw(st.sampled_from([c for c in "0123456789X" if c != chars[i]]))
    elif kind == "swap":
        i = draw(st.integers(0, 16))
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    elif kind == "two":
        for i in draw(st.lists(st.integers(0, 17), min_size=2, max_size=2, unique=True)):
            chars[i] = draw(st.sampled_from([c for c in "0123456789" if c != chars[i]]))
    elif kind == "widened":
        chars[17] = "?"
    return "".join(chars), number


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edited())
def test_sql_distance_classification_agrees_with_python(pair):
    key, number = pair
    assert _sql_class(key, number) == id_edit(key, number)


def test_the_reference_itself():
    number = id_number("370125", dt.date(1980, 5, 17), 123)
    assert id_edit(number, number) == "id"
    assert id_edit("4" + number[1:], number) == "id_typo"
    assert id_edit(number[1] + number[0] + number[2:], number) == "id_swap"
    assert id_edit(number[:17] + "?", number) == "id"
    assert id_edit("00" + number[2:], number) == ""
