"""SQL spellings every set-based module shares, portable between SQLite and PostgreSQL.

A set-based import streams validated rows into a temporary staging table, then checks and applies them with a
handful of ``INSERT … SELECT`` statements. The few places where the two databases spell SQL differently are here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import BooleanField, CharField, Expression, Func


def quoted(name: str) -> str:
    """A table or column name quoted for the current database (names only: every value is a parameter)."""
    return connection.ops.quote_name(name)


q = quoted


def is_distinct(a: str, b: str) -> str:
    """NULL-safe inequality."""
    if connection.vendor == "sqlite":
        return f"({a} IS NOT {b})"
    return f"({a} IS DISTINCT FROM {b})"


def concat_distinct(expr: str) -> str:
    """Comma-separated distinct values of a text expression (an aggregate)."""
    if connection.vendor == "sqlite":
        return f"group_concat(DISTINCT {expr})"
    return f"string_agg(DISTINCT {expr}, ',')"


def as_text(expr: str) -> str:
    return f"CAST({expr} AS TEXT)"


def create_temp_table(cursor: CursorWrapper, name: str, columns: Sequence[tuple[str, str]]) -> None:
    """Create (or recreate) a temporary table; it disappears with the transaction on PostgreSQL."""
    cursor.execute(f"DROP TABLE IF EXISTS {q(name)}")
    body = ", ".join(f"{q(col)} {sql_type}" for col, sql_type in columns)
    suffix = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
    cursor.execute(f"CREATE TEMPORARY TABLE {q(name)} ({body}){suffix}")


def drop_temp_tables(cursor: CursorWrapper, names: Iterable[str]) -> None:
    for name in names:
        cursor.execute(f"DROP TABLE IF EXISTS {q(name)}")


def insert_rows(cursor: CursorWrapper, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    placeholders = ", ".join(["%s"] * len(columns))
    cols = ", ".join(q(c) for c in columns)
    cursor.executemany(f"INSERT INTO {q(table)} ({cols}) VALUES ({placeholders})", rows)


def _successor(text: str) -> str | None:
    """The smallest text greater than every text that starts with ``text`` (code-point order), or None."""
    for cut in range(len(text) - 1, -1, -1):
        point = ord(text[cut]) + 1
        if 0xD800 <= point <= 0xDFFF:  # surrogates are no characters: UTF-8 cannot carry them
            point = 0xE000
        if point <= 0x10FFFF:
            return text[:cut] + chr(point)
    return None


class StartsWith(Expression):
    """``expression`` starts with ``prefix`` (case and all), spelled so that an index on the column or on the
    expression serves it: on SQLite a range (``>= prefix AND < successor``: its text order is code-point order,
    and its LIKE/GLOB optimisation takes plain columns only); on PostgreSQL ``LIKE 'prefix%'`` (an index built
    with ``text_pattern_ops``, whatever the database's collation)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, expression: Any, prefix: str) -> None:
        super().__init__()
        self.expression = expression
        self.prefix = prefix

    def get_source_expressions(self) -> list[Any]:
        return [self.expression]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.expression,) = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.expression)
        if connection.vendor == "postgresql":
            escaped = self.prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return f"{sql} LIKE %s", (*params, escaped + "%")
        upper = _successor(self.prefix)
        if upper is None:
            return f"{sql} >= %s", (*params, self.prefix)
        return f"({sql} >= %s AND {sql} < %s)", (*params, self.prefix, *params, upper)


class CodeStartsWith(StartsWith):
    """An area code (digits) starts with ``prefix``: :class:`StartsWith`, and on PostgreSQL also the range
    ``>= prefix AND < successor``, which a plain index on the code serves whatever the database's collation
    (``LIKE`` alone is read from an index only under the C collation or with ``text_pattern_ops``; every collation
    orders strings of digits as their code points). For an area scope read as an index range."""

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        like, like_params = super().as_sql(compiler, connection, **extra)
        if connection.vendor != "postgresql":
            return like, like_params
        if not (self.prefix.isascii() and self.prefix.isdigit()):
            return like, like_params
        sql, params = compiler.compile(self.expression)
        # The next number of as many digits (a successor by code point, "…9" → "…:", is not next in a locale).
        upper = str(int(self.prefix) + 1).zfill(len(self.prefix))
        if len(upper) > len(self.prefix):  # all nines: nothing above
            return f"({like} AND {sql} >= %s)", (*like_params, *params, self.prefix)
        return f"({like} AND {sql} >= %s AND {sql} < %s)", (*like_params, *params, self.prefix, *params, upper)


class AfterFirst(Func):
    """A text without its first character (a name's given name after a one-character surname), spelled exactly as
    the expression index on it is (``SUBSTR(x, 2)``, the 2 written out: an index on an expression serves only the
    same expression, never one with a parameter in its place)."""

    function = "SUBSTR"
    template = "%(function)s(%(expressions)s, 2)"
    output_field = CharField()


class LastFour(Func):
    """A text's last four characters (an ID number's tail, the part a masked number shows), spelled exactly as the
    expression index on it is: ``SUBSTR(x, -4)`` on SQLite, ``RIGHT(x, 4)`` on PostgreSQL (whose ``substr`` takes
    no negative start)."""

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="SUBSTR(%(expressions)s, -4)", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="RIGHT(%(expressions)s, 4)", **extra)


class RowCompare(Expression):
    """``(a, b, c) > (x, y, z)``: a row value compared in order, column by column, as a keyset pager needs it. SQLite
    (3.15 and later) and PostgreSQL seek it in an index on the same columns in the same order (Django spells
    ``__gt`` on a tuple as an ``OR`` of equalities on SQLite, which no index range serves)."""

    conditional = True
    output_field = BooleanField()
    OPERATORS = frozenset({"<", ">", "<=", ">="})

    def __init__(self, expressions: Sequence[Any], operator: str, values: Sequence[Any]) -> None:
        super().__init__()
        if operator not in self.OPERATORS or len(expressions) != len(values) or not values:
            raise ValueError("a row comparison takes as many values as columns, with <, >, <= or >=")
        self.expressions = list(expressions)
        self.operator = operator
        self.values = tuple(values)

    def get_source_expressions(self) -> list[Any]:
        return list(self.expressions)

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.expressions = list(exprs)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        columns, params = [], []
        for expression in self.expressions:
            sql, column_params = compiler.compile(expression)
            columns.append(sql)
            params.extend(column_params)
        marks = ", ".join(["%s"] * len(self.values))
        return f"({', '.join(columns)}) {self.operator} ({marks})", (*params, *self.values)


class Unindexed(Func):
    """A column as a value no index serves, for a filter that should be checked on the rows an ordered index walk
    reads rather than pick the index the query reads: on SQLite the unary plus its documentation gives for this
    (``+x``, the same value); plain on PostgreSQL, whose planner weighs the filter with its statistics."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="%(expressions)s", **extra)
