"""SQL spellings every set-based module shares, portable between SQLite and PostgreSQL.

A set-based import streams validated rows into a temporary staging table, then checks and applies them with a
handful of ``INSERT … SELECT`` statements. The few places where the two databases spell SQL differently are here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper


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
