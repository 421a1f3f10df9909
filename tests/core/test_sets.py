"""core.sets.Plan: steps as temporary tables (keyed or not), outputs, and the steps dropped at the end."""

from __future__ import annotations

import ibis
import pytest
from django.db import connection

from jingzhun.core.sets import Plan, plan_execute

pytestmark = pytest.mark.django_db

_SOURCE = ibis.table({"code": "string", "n": "int64"}, name="jz_test_source")
_OUT = "jz_test_out"


@pytest.fixture
def source():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE jz_test_source (code varchar(10), n bigint)")
        cursor.execute("INSERT INTO jz_test_source VALUES ('b', 2), ('a', 1), ('c', 3)")
        cursor.execute("CREATE TEMPORARY TABLE jz_test_out (code varchar(10), n bigint)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE jz_test_source")
        cursor.execute("DROP TABLE jz_test_out")


def _looked_up(key: str) -> list[tuple[str, int]]:
    plan = Plan()
    step = plan.step("jz_test_step", _SOURCE.mutate(tenfold=_SOURCE.n * 10), key=key)
    joined = _SOURCE.join(step, _SOURCE[key] == step[key]).select(code=_SOURCE.code, n=step.tenfold)
    plan.output(_OUT, joined)
    assert plan_execute(plan) == {_OUT: 3}
    with connection.cursor() as cursor:
        cursor.execute("SELECT code, n FROM jz_test_out ORDER BY code")
        return cursor.fetchall()


@pytest.mark.parametrize("key", ["n", "code"], ids=["integer key", "text key"])
def test_a_keyed_step_is_looked_up_by_its_key(source, key):
    assert _looked_up(key) == [("a", 10), ("b", 20), ("c", 30)]


def test_a_text_key_makes_a_table_without_rowid_on_sqlite_and_an_integer_key_the_rowid():
    plan = Plan()
    plan.step("jz_by_code", _SOURCE, key="code")
    plan.step("jz_by_n", _SOURCE, key="n")
    creates = {purpose: sql for purpose, sql in plan.statements(to="sqlite") if purpose.startswith("create")}
    assert creates["create jz_by_code"].endswith("WITHOUT ROWID")
    assert '"n" INTEGER' in creates["create jz_by_n"] and "WITHOUT ROWID" not in creates["create jz_by_n"]
    postgres = {purpose: sql for purpose, sql in plan.statements(to="postgres") if purpose.startswith("create")}
    assert "WITHOUT ROWID" not in postgres["create jz_by_code"]


def test_steps_are_dropped_after_the_outputs(source):
    _looked_up("n")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE jz_test_step (x integer)")  # the name is free again
        cursor.execute("DROP TABLE jz_test_step")


def test_a_keyed_step_of_some_columns_of_a_wider_table_takes_only_those(source):
    plan = Plan()
    narrow = ibis.table({"code": "string"}, name="jz_test_source")  # the real table has "n" as well
    step = plan.step("jz_test_codes", narrow, key="code")
    plan.output(_OUT, step.mutate(n=ibis.literal(0, type="int64")))
    assert plan_execute(plan) == {_OUT: 3}
