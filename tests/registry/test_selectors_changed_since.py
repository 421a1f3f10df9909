"""registry_marks / households_changed_since: the households whose status, village or members changed after a point
in the registry's history, from primary-key ranges."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingzhun.core.scope import SYSTEM
from jingzhun.registry.models import ImportBatch
from jingzhun.registry.selectors import household_states, households_changed_since, registry_marks
from jingzhun.registry.services import household_update, member_add, member_update
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def homes():
    homes = [HouseholdFactory(poverty_status="not_exited") for _ in range(5)]
    for home in homes:
        MemberFactory(household=home)
    return homes


def test_nothing_changed_since_the_marks(homes):
    assert households_changed_since(marks=registry_marks(), limit=10) == set()


def test_the_households_changed_through_the_services_and_those_registered_since(homes):
    marks = registry_marks()
    household_update(household=homes[0], changes={"poverty_status": "exited"}, user=SYSTEM, reason="脱贫")
    member_update(member=homes[1].members.get(), changes={"status": "deceased"}, user=SYSTEM, reason="死亡")
    born = MemberFactory.build(household=homes[2], birth_date=dt.date(2025, 1, 2))
    member_add(
        household=homes[2],
        values={"id_number": born.id_number, "name": "王小", "relation": "son"},
        user=SYSTEM,
        reason="出生",
    )
    new = HouseholdFactory()
    IncomeFactory(household=homes[4], year=2020)  # an income is no status, village or member
    assert households_changed_since(marks=marks, limit=10) == {homes[0].pk, homes[1].pk, homes[2].pk, new.pk}
    states = household_states(household_ids=[homes[0].pk, homes[1].pk, homes[2].pk])
    assert states[homes[0].pk].poverty_status == "exited"
    assert states[homes[1].pk].people == 0 and states[homes[2].pk].people == 2
    assert states[homes[2].pk].household_no == homes[2].household_no


def test_too_many_changes_or_a_ledger_import_name_none(homes):
    marks = registry_marks()
    for home in homes[:3]:
        household_update(household=home, changes={"poverty_status": "exited"}, user=SYSTEM, reason="脱贫")
    assert households_changed_since(marks=marks, limit=2) is None
    assert households_changed_since(marks=marks, limit=3) is not None
    ImportBatch.objects.create(kind=ImportBatch.Kind.PAYMENTS, file_name="发放.xlsx")  # no ledger: still known
    assert households_changed_since(marks=marks, limit=3) is not None
    ImportBatch.objects.create(kind=ImportBatch.Kind.LEDGER, file_name="台账.xlsx")
    assert households_changed_since(marks=marks, limit=3) is None


def test_the_changes_are_read_from_primary_key_ranges(homes):
    marks = registry_marks()
    household_update(household=homes[0], changes={"phone": "13900000000"}, user=SYSTEM, reason="更正")
    with CaptureQueriesContext(connection) as queries:
        households_changed_since(marks=marks, limit=10)
    reads = [q["sql"] for q in queries.captured_queries if "registry_importbatch" not in q["sql"]]
    assert reads
    for sql in reads:
        if 'household_no" IN' in sql:
            continue  # the changed households' numbers: their unique index
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
                assert "INTEGER PRIMARY KEY (rowid>?)" in plan, (sql, plan)
            else:  # PostgreSQL weighs the id range against the entity index by its statistics: no scan of all
                cursor.execute("SET enable_seqscan = off")
                try:
                    cursor.execute(f"EXPLAIN {sql}")
                    plan = " | ".join(row[0] for row in cursor.fetchall())
                finally:
                    cursor.execute("RESET enable_seqscan")
                assert "Seq Scan" not in plan, (sql, plan)
