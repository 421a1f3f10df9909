"""The backend-portable layer for set-based work (docs/DESIGN.md: Ibis).

Batch logic is written once as Ibis expressions over *unbound* tables whose schemas come from the Django
models. An expression is compiled to the SQL dialect of wherever the data lives — the app database (SQLite,
PostgreSQL) through Django's own connection, inside Django's transaction; DuckDB or Spark for larger runs —
and executed there. Python never sees the rows: results are written with ``INSERT … SELECT``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
from django.db import connection, models

from .sqlite import sqlite_pragmas

_DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres"}
_SPARK = {"pyspark", "databricks"}

# Django internal field type → Ibis type. Decimals are read as decimals and turned into integer cents by the
# callers, so sums and comparisons are exact and identical on every backend.
_TYPES = {
    "AutoField": "int64",
    "BigAutoField": "int64",
    "BigIntegerField": "int64",
    "IntegerField": "int64",
    "PositiveIntegerField": "int64",
    "PositiveSmallIntegerField": "int64",
    "SmallIntegerField": "int64",
    "CharField": "string",
    "TextField": "string",
    "BooleanField": "boolean",
    "DateField": "date",
    "DateTimeField": "timestamp",
    "DecimalField": "decimal(14, 2)",
    "ForeignKey": None,  # the target's key type
}


def _ibis_type(field: models.Field[Any, Any]) -> str:
    kind = field.get_internal_type()
    if kind == "ForeignKey":
        return _ibis_type(field.target_field)  # type: ignore[attr-defined]
    ibis_type = _TYPES.get(kind)
    if ibis_type is None:
        raise TypeError(f"no Ibis type for {kind}")
    return ibis_type


def model_table(model: type[models.Model], fields: Sequence[str] | None = None) -> ir.Table:
    """An unbound Ibis table over ``model``'s database table (columns named as in the database)."""
    schema = {}
    for model_field in model._meta.concrete_fields:
        if fields is None or model_field.name in fields or model_field.attname in fields:
            schema[model_field.column] = _ibis_type(model_field)
    return ibis.table(schema, name=model._meta.db_table)


def dialect() -> str:
    """The SQL dialect of the app database."""
    return _DIALECTS[connection.vendor]


def compile_sql(expr: ir.Expr, *, to: str | None = None) -> str:
    """``expr`` as SQL text for the given dialect (default: the app database's)."""
    return str(ibis.to_sql(expr, dialect=to or dialect()))


@dataclass
class Plan:
    """A batch job as a few statements: intermediate tables, then ``INSERT … SELECT`` into the outputs.

    Ibis inlines every use of a derived column, so one giant expression would repeat its sub-expressions
    and grow beyond what SQLite's parser accepts. Materialising the steps as temporary tables keeps each
    statement small, lets the database reuse each intermediate result, and works the same on SQLite,
    PostgreSQL, DuckDB and Spark.
    """

    steps: list[tuple[str, ir.Table]] = field(default_factory=list)
    outputs: list[tuple[str, ir.Table]] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)  # step → its primary key column
    indexes: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # step → indexed column lists

    def step(
        self, name: str, expr: ir.Table, *, key: str | None = None, indexes: Sequence[tuple[str, ...]] = ()
    ) -> ir.Table:
        """Materialise ``expr`` as temporary table ``name``; returns the table to build on.

        ``key`` makes a column the table's primary key: an integer key is, on SQLite, the rowid itself, so a
        join on it is a direct look-up instead of an automatic index built per statement; any other key makes
        the table ``WITHOUT ROWID`` there (the rows are stored in the key's order), so a look-up is one search
        rather than one in the key's index and another in the table. ``indexes`` are created after the rows
        are in. A key or index is worth it only when later statements look rows up in the step.
        """
        self.steps.append((name, expr))
        if key is not None:
            self.keys[name] = key
        if indexes:
            self.indexes[name] = [tuple(columns) for columns in indexes]
        return ibis.table(expr.schema(), name=name)

    def output(self, table: str, expr: ir.Table) -> None:
        self.outputs.append((table, expr))

    def statements(self, *, to: str | None = None, quote: Any = None) -> list[tuple[str, str]]:
        """``(purpose, sql)`` pairs for a dialect: create the steps, fill the outputs, drop the steps.

        Spark has no temporary tables: there a step is a cached temporary view.
        """
        quote = quote or (lambda name: '"' + name + '"')
        spark = to in _SPARK
        if spark:
            quote = lambda name: f"`{name}`"  # noqa: E731
        sql: list[tuple[str, str]] = []
        for name, expr in self.steps:
            select = compile_sql(expr, to=to)
            if spark:
                sql.append((name, f"CREATE OR REPLACE TEMPORARY VIEW {quote(name)} AS {select}"))
                sql.append((f"cache {name}", f"CACHE TABLE {quote(name)}"))
                continue
            sql.append((f"drop {name}", f"DROP TABLE IF EXISTS {quote(name)}"))
            key = self.keys.get(name)
            if key is None:
                sql.append((name, f"CREATE TEMPORARY TABLE {quote(name)} AS {select}"))
            else:
                columns = ", ".join(
                    f"{quote(column)} {_column_type(dtype, to=to)}" for column, dtype in expr.schema().items()
                )
                create = f"CREATE TEMPORARY TABLE {quote(name)} ({columns}, PRIMARY KEY ({quote(key)}))"
                if (to or dialect()) == "sqlite" and not expr.schema()[key].is_integer():
                    create += " WITHOUT ROWID"
                sql.append((f"create {name}", create))
                names = ", ".join(quote(column) for column in expr.columns)
                # Named again outside: Ibis writes all of a table's columns as "*", which in SQL are all
                # of the real table's, not only those its schema here declares.
                select = f"SELECT {names} FROM ({select}) AS jz_step_source"  # noqa: S608
                sql.append((name, f"INSERT INTO {quote(name)} ({names}) {select}"))
            for number, indexed in enumerate(self.indexes.get(name, ())):
                columns = ", ".join(quote(column) for column in indexed)
                sql.append((f"index {name}", f"CREATE INDEX {quote(f'{name}_{number}')} ON {quote(name)} ({columns})"))
        for table, expr in self.outputs:
            columns = ", ".join(quote(name) for name in expr.columns)
            sql.append((table, f"INSERT INTO {quote(table)} ({columns}) {compile_sql(expr, to=to)}"))
        drop = "DROP VIEW IF EXISTS" if spark else "DROP TABLE"
        sql.extend((f"drop {name}", f"{drop} {quote(name)}") for name, _ in self.steps)
        return sql


def _column_type(dtype: Any, *, to: str | None) -> str:
    """The SQL type of a keyed step's column. On SQLite a key declared exactly ``INTEGER`` is the rowid."""
    sqlite = (to or dialect()) == "sqlite"
    if dtype.is_integer():
        return "INTEGER" if sqlite else "BIGINT"
    if dtype.is_boolean():
        return "BOOLEAN"
    if dtype.is_date():
        return "DATE"
    if dtype.is_timestamp():
        return "TIMESTAMP"
    if dtype.is_decimal():
        return "NUMERIC"
    if dtype.is_floating():
        return "DOUBLE PRECISION" if not sqlite else "REAL"
    return "TEXT"


def plan_execute(plan: Plan, *, on_progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Run a plan on the app database, in the caller's transaction; returns rows written per output table.

    Every value in the plan is a column or a literal built by Ibis from validated numbers and our own fixed
    phrases, so the compiled SQL carries no user text. ``on_progress(done, total)`` is told after each
    statement how many of them have run.
    """
    written: dict[str, int] = {}
    outputs = {table for table, _ in plan.outputs}
    statements = plan.statements(quote=connection.ops.quote_name)
    with connection.cursor() as cursor:
        for done, (purpose, sql) in enumerate(statements, start=1):
            cursor.execute(sql)
            if purpose in outputs:
                written[purpose] = int(cursor.rowcount)
            if on_progress is not None:
                on_progress(done, len(statements))
    return written


def temp_cache(megabytes: int) -> AbstractContextManager[None]:
    """On SQLite, let the temporary tables of a big plan keep ``megabytes`` of pages in memory (SQLite's default
    for them is 2 MB, so a plan that looks rows up in its own steps reads them back from the temporary file
    for every look-up); the previous size is restored afterwards. Nothing to do on PostgreSQL, whose
    temporary tables use ``temp_buffers``."""
    return sqlite_pragmas({"temp.cache_size": -1024 * int(megabytes)})


def fetch(expr: ir.Expr) -> list[tuple[Any, ...]]:
    """Run ``expr`` on the app database and return its rows (for small, aggregated results only)."""
    with connection.cursor() as cursor:
        cursor.execute(compile_sql(expr))
        return list(cursor.fetchall())


def fetch_iter(expr: ir.Expr, *, batch: int = 5000) -> Iterator[tuple[Any, ...]]:
    """Stream the rows of ``expr`` from the app database (for listings too long to hold in memory)."""
    with connection.cursor() as cursor:
        cursor.execute(compile_sql(expr))
        while rows := cursor.fetchmany(batch):
            yield from rows
