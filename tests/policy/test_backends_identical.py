"""The assessment plan gives the same results wherever it runs.

A generated sample county is imported and assessed for 2020 on the app database (SQLite, or PostgreSQL when
``DATABASE_URL`` is set: running the suite both ways covers both). The very same plan is then executed on an
in-memory DuckDB holding a copy of the source tables, and the stored rows and the docs/LEDGER.md §3 CSV bytes must
be identical — also when that database sorts text in Chinese order, as a county's PostgreSQL created with a
``zh_CN`` locale does.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models, transaction
from django.test import override_settings
from ibis.backends.sql.datatypes import DuckDBType

from jingzhun.core.scope import SYSTEM
from jingzhun.core.sets import Plan, compile_sql
from jingzhun.policy.engine import Tables, assessment_plan
from jingzhun.policy.models import AreaResult, AssessmentRun, HouseholdResult
from jingzhun.policy.packs import pack_get
from jingzhun.policy.result_format import area_rows_write, household_rows_write
from jingzhun.policy.selectors import household_results_rows
from jingzhun.policy.services import assessment_run, source_tables
from jingzhun.registry.models import Household
from jingzhun.registry.services import household_event_record
from jingzhun.samplecounty import generate, output_paths
from tests.factories import IncomeFactory

pytestmark = pytest.mark.django_db

IDS = ("id", "run_id", "household_id")
HOUSEHOLD_COLUMNS = [f.column for f in HouseholdResult._meta.concrete_fields if f.column not in IDS]
AREA_COLUMNS = [f.column for f in AreaResult._meta.concrete_fields if f.column not in IDS]


def sample_county(directory) -> None:
    """300 generated households, plus last year's incomes and sudden events so that every trigger occurs."""
    out = directory / "county.csv"
    generate(households=300, seed=7, out=out)
    call_command("import", "villages", str(output_paths(out).villages), "--no-progress", verbosity=0)
    call_command("import", "ledger", str(out), "--no-progress", verbosity=0)
    homes = list(Household.objects.order_by("household_no").prefetch_related("incomes"))
    for i, home in enumerate(homes[::5]):
        (this_year,) = home.incomes.all()
        # last year's net income: twice this year's, this year's ÷ 0.7, half of it, or a loss
        factor = [Decimal(2), Decimal(10) / Decimal(7), Decimal("0.5"), Decimal(0)][i % 4]
        IncomeFactory(
            household=home,
            year=2019,
            wage=max(this_year.net * factor, Decimal(0)).quantize(Decimal("0.01")),
            business_income=Decimal(-500) if factor == 0 else Decimal(0),
            business_expense=Decimal(0),
            pension=Decimal(0),
        )
    kinds = ["disaster", "accident", "laborer_death", "laborer_disability"]
    for i, home in enumerate(homes[3::17]):
        on = dt.date(2020 if i % 3 else 2019, 6, 1)
        household_event_record(
            household=home, kind=kinds[i % 4], occurred_on=on, loss=Decimal(5000 * (i + 1)), user=SYSTEM
        )
        if i % 2:  # a second event of another kind in the same year
            household_event_record(
                household=home, kind=kinds[(i + 1) % 4], occurred_on=on, loss=Decimal(700), user=SYSTEM
            )


@dataclass(frozen=True)
class Assessed:
    run: AssessmentRun
    tables: Tables
    plan: Plan
    duckdb_sql: list[str]


@pytest.fixture(scope="module")
def county(django_db_setup, django_db_blocker, tmp_path_factory):
    """The sample county imported and assessed once for the module (rolled back afterwards)."""
    directory = tmp_path_factory.mktemp("county")
    with django_db_blocker.unblock(), override_settings(DATA_DIR=directory), transaction.atomic():
        sample_county(directory)
        run = assessment_run(year=2020)
        tables = source_tables()
        plan = assessment_plan(tables, pack_get("national").rules_for(2020), run_id=run.pk)
        yield Assessed(run, tables, plan, [sql for _purpose, sql in plan.statements(to="duckdb")])
        transaction.set_rollback(True)


def _model_for(table: str) -> type[models.Model]:
    return next(m for m in apps.get_models() if m._meta.db_table == table)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _create(con: duckdb.DuckDBPyConnection, name: str, table: ir.Table) -> None:
    columns = ", ".join(f'"{c}" {DuckDBType.from_ibis(t).sql("duckdb")}' for c, t in table.schema().items())
    con.execute(f'CREATE TABLE "{name}" ({columns})')


def on_duckdb(county: Assessed, *, collation: str = "") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB: the source tables created from their Ibis schemas and filled with the rows fetched
    through Django, the result tables, and the plan executed."""
    con = duckdb.connect()
    if collation:
        con.execute(f"SET default_collation = '{collation}'")
    t = county.tables
    for table in [t.households, t.members, t.incomes, t.events, t.areas]:
        name = table.get_name()
        _create(con, name, table)
        by_column = {f.column: f.attname for f in _model_for(name)._meta.concrete_fields}
        columns = list(table.schema().names)
        rows = list(_model_for(name).objects.values_list(*(by_column[c] for c in columns)))
        row_marks = "(" + ", ".join("?" for _ in columns) + ")"
        for start in range(0, len(rows), 200):  # many rows per statement: executemany is slow on DuckDB
            chunk = rows[start : start + 200]
            insert = f'INSERT INTO "{name}" VALUES ' + ", ".join([row_marks] * len(chunk))  # noqa: S608 - names from the models; values are parameters
            con.execute(insert, [_plain(v) for row in chunk for v in row])
    for name, expr in county.plan.outputs:
        _create(con, name, expr)
    for sql in county.duckdb_sql:
        con.execute(sql)
    return con


def stored(con: duckdb.DuckDBPyConnection, plan: Plan, model: type[models.Model], key: str) -> list[tuple[Any, ...]]:
    """The rows DuckDB stored in a model's output table (all columns but the ids), read through Ibis."""
    name = model._meta.db_table
    table = ibis.table(dict(plan.outputs)[name].schema(), name=name)
    columns = [f.column for f in model._meta.concrete_fields if f.column not in IDS]
    return con.execute(compile_sql(table.select(*columns).order_by(key), to="duckdb")).fetchall()


def csv_bytes(write: Any, rows: Any) -> bytes:
    stream = io.StringIO()
    write(stream, rows)
    return stream.getvalue().encode("utf-8")


def test_the_sample_exercises_every_rule(county):
    """Without this, the comparisons below could pass on a sample where nothing happens."""
    assessed = HouseholdResult.objects.filter(run=county.run, exclusion="")
    assert assessed.count() == 300
    for flag in ["low_income", "income_drop", "medical_burden", "sudden_event", "exit_eligible", "relapse_candidate"]:
        assert assessed.filter(**{flag: True}).exists(), flag
    exited = assessed.filter(poverty_status__in=["exited", "exited_no_policy"])
    assert set(exited.values_list("tier", flat=True)) == {"fragile", "general", "stable", "high_quality"}
    assert set(assessed.difference(exited).values_list("tier", flat=True)) == {""}
    assert assessed.filter(reasons__contains="等 2 起").exists()


def test_duckdb_stores_the_same_household_rows(county):
    con = on_duckdb(county)
    expected = HouseholdResult.objects.filter(run=county.run).order_by("household_no")
    assert stored(con, county.plan, HouseholdResult, "household_no") == list(expected.values_list(*HOUSEHOLD_COLUMNS))


def test_duckdb_stores_the_same_area_rows(county):
    con = on_duckdb(county)
    expected = AreaResult.objects.filter(run=county.run).order_by("area_code")
    assert stored(con, county.plan, AreaResult, "area_code") == list(expected.values_list(*AREA_COLUMNS))


def test_duckdb_results_give_the_same_csv_bytes(county):
    con = on_duckdb(county)
    households = [
        HouseholdResult(**dict(zip(HOUSEHOLD_COLUMNS, row, strict=True)))
        for row in stored(con, county.plan, HouseholdResult, "household_no")
    ]
    areas = [
        AreaResult(**dict(zip(AREA_COLUMNS, row, strict=True)))
        for row in stored(con, county.plan, AreaResult, "area_code")
    ]

    assert csv_bytes(household_rows_write, [h for h in households if not h.exclusion]) == csv_bytes(
        household_rows_write, household_results_rows(run=county.run)
    )
    assert csv_bytes(area_rows_write, areas) == csv_bytes(
        area_rows_write, AreaResult.objects.filter(run=county.run).order_by("area_code")
    )


def test_results_do_not_depend_on_the_databases_text_order(county):
    con = on_duckdb(county, collation="zh")
    expected = HouseholdResult.objects.filter(run=county.run).order_by("household_no")
    assert stored(con, county.plan, HouseholdResult, "household_no") == list(expected.values_list(*HOUSEHOLD_COLUMNS))


def test_plan_compiles_for_spark_sql():
    # No Spark here to run it on: this only pins that the same plan still compiles to Spark SQL, with
    # cached temporary views where the other backends use temporary tables.
    statements = assessment_plan(source_tables(), pack_get().rules_for(2020), run_id=1).statements(to="pyspark")
    assert statements[0][1].startswith("CREATE OR REPLACE TEMPORARY VIEW `jz_assess_members` AS SELECT")
    assert [purpose for purpose, _ in statements if purpose.startswith("policy_")] == [
        "policy_householdresult",
        "policy_arearesult",
    ]
