"""Bench helper: copy an embedded (SQLite) Jingzhun database into PostgreSQL, so a benchmark serves the same data.

    uv run python bench/pg_copy.py bench/out/assess/county-100000/imported/jingzhun.sqlite3 \\
        postgres://postgres@127.0.0.1:5432/jz_bench

The target database is dropped and created again, then ``jingzhun migrate`` builds the project's own PostgreSQL
schema in it, indexes included (a throwaway data directory; ``DATABASE_URL`` set). Every table the migration
filled (content types, permissions) is emptied, and every table of the SQLite file but ``django_migrations``,
SQLite's own and full-text-search (virtual and shadow) tables is copied with ``COPY … FROM STDIN``, rows read a
batch at a time (memory does not follow the database's size), in one transaction: truncated in it, so the rows
go in ``FREEZE`` (all-visible at once, as after a ``VACUUM``: index-only scans work from the first query) and
with ``session_replication_role = replica`` (the foreign-key triggers do not fire, the table order does not
matter). Only the columns both sides have are copied; values go as text, which PostgreSQL reads for its own
column types (0/1 for a boolean, the naive UTC text of a timestamp with the session in UTC, JSON text, hex
UUIDs), except SQLite's integer microseconds for an interval. The indexes that back no constraint, on the
tables with rows, are dropped before the copy and built again from their own definitions after it (one sorted
build each instead of an insert per row: copy and indexes 11 s instead of 17 s for the 100,000-household
county); primary keys and unique constraints stay. Then every identity and serial column's sequence is set
past the highest id (and past SQLite's AUTOINCREMENT high-water mark, so deleted ids are not reused), the
database is analysed, and each table's row count is compared with the SQLite file's (exit status 1 when one
differs).

The SQLite file is opened read-only (``mode=ro``; in WAL mode SQLite still leaves an empty ``-wal`` and a
``-shm`` beside it). Prints rows and seconds per table, the total and rows/s; the figures as JSON on the last
line. From Python: ``sqlite_to_postgres(Path(...), "postgres://…")``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
BATCH = 5_000
# SQLite's FTS5/FTS4 shadow tables, for a database made before `PRAGMA table_list` could tell them apart.
FTS_SHADOW_SUFFIXES = ("_data", "_idx", "_content", "_docsize", "_config", "_segments", "_segdir", "_stat")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def sqlite_tables(con: sqlite3.Connection) -> tuple[list[str], list[str]]:
    """The ordinary tables of the SQLite file to copy, and those left out (SQLite's, FTS, migrations)."""
    try:
        listed = [(name, kind) for _, name, kind, *_ in con.execute("PRAGMA main.table_list")]
    except sqlite3.OperationalError:  # SQLite before 3.37
        listed = [
            (name, "virtual" if (ddl or "").upper().startswith("CREATE VIRTUAL") else "table")
            for name, ddl in con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        ]
    virtual = [name for name, kind in listed if kind == "virtual"]
    tables, skipped = [], []
    for name, kind in sorted(listed):
        shadow = kind == "shadow" or any(
            name.startswith(f"{v}_") and name.endswith(FTS_SHADOW_SUFFIXES) for v in virtual
        )
        if kind != "table" or shadow or name.startswith("sqlite_") or name == "django_migrations":
            skipped.append(name)
        else:
            tables.append(name)
    return tables, skipped


def pg_columns(cur: psycopg.Cursor[Any]) -> dict[str, dict[str, str]]:
    """Table → column → data type, for the public schema, in column order."""
    cur.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
    )
    tables: dict[str, dict[str, str]] = {}
    for table, column, dtype in cur.fetchall():
        tables.setdefault(table, {})[column] = dtype
    return tables


def select_expression(column: str, pg_type: str) -> str:
    """The SQLite expression whose value PostgreSQL reads as text into a column of ``pg_type``."""
    quoted = '"' + column.replace('"', '""') + '"'
    if pg_type == "interval":  # Django's DurationField: integer microseconds on SQLite
        return f"CASE WHEN {quoted} IS NULL THEN NULL ELSE {quoted} || ' microseconds' END"
    return quoted


def database_recreate(database_url: str) -> str:
    """Drop and create the database of ``database_url`` (through the server's ``postgres`` database)."""
    name = str(conninfo_to_dict(database_url).get("dbname") or "")
    if not name or name in {"postgres", "template0", "template1"}:
        sys.exit(f"refusing to drop the database {name!r}")
    with psycopg.connect(make_conninfo(database_url, dbname="postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def migrate(database_url: str) -> float:
    """``jingzhun migrate`` against the database, with a throwaway data directory; its seconds."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="jz-pg-copy-") as data_dir:
        env = {**os.environ, "DATABASE_URL": database_url, "JINGZHUN_DATA_DIR": data_dir}
        proc = subprocess.run(
            [sys.executable, "-m", "jingzhun.cli", "migrate", "--verbosity", "0"],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=False,
        )
    if proc.returncode != 0:
        sys.exit(f"jingzhun migrate failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return time.perf_counter() - started


def migrations_compare(lite: sqlite3.Connection, cur: psycopg.Cursor[Any]) -> list[str]:
    """The migrations PostgreSQL has and the SQLite file has not (its columns may be missing or different)."""
    applied = set(lite.execute("SELECT app, name FROM django_migrations").fetchall())
    cur.execute("SELECT app, name FROM django_migrations")
    return sorted(f"{app}.{name}" for app, name in cur.fetchall() if (app, name) not in applied)


def table_copy(
    lite: sqlite3.Connection, cur: psycopg.Cursor[Any], table: str, columns: dict[str, str], batch: int
) -> int:
    """COPY one table's rows, ``batch`` at a time; the rows copied."""
    names = list(columns)
    select = ", ".join(select_expression(c, t) for c, t in columns.items())
    source = lite.execute(f'SELECT {select} FROM "{table}"')  # rowid order: as stored
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FREEZE)").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    rows = 0
    with cur.copy(statement) as copy:
        while chunk := source.fetchmany(batch):
            for row in chunk:
                copy.write_row(row)
            rows += len(chunk)
    return rows


def secondary_indexes(cur: psycopg.Cursor[Any], tables: list[str]) -> list[tuple[str, str]]:
    """The indexes of ``tables`` that back no primary key, unique or exclusion constraint: (name, definition)."""
    cur.execute(
        "SELECT ic.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
        "JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE n.nspname = 'public' AND t.relname = ANY(%s) AND NOT EXISTS ("
        "SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')) "
        "ORDER BY t.relname, ic.relname",
        (tables,),
    )
    return [(name, definition) for name, definition in cur.fetchall()]


def sequences_reset(cur: psycopg.Cursor[Any], high_water: dict[str, int]) -> int:
    """Every identity/serial column's sequence past the table's highest id (and SQLite's AUTOINCREMENT mark)."""
    cur.execute(
        "SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) "
        "FROM information_schema.columns WHERE table_schema = 'public' "
        "AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')"
    )
    found = [row for row in cur.fetchall() if row[2]]
    for table, column, sequence in found:
        cur.execute(sql.SQL("SELECT max({}) FROM {}").format(sql.Identifier(column), sql.Identifier(table)))
        highest = max(cur.fetchone()[0] or 0, high_water.get(table, 0))  # type: ignore[index]
        if highest > 0:
            cur.execute("SELECT setval(%s, %s, true)", (sequence, highest))
        else:
            cur.execute("SELECT setval(%s, 1, false)", (sequence,))
    return len(found)


def sqlite_to_postgres(sqlite_path: Path, database_url: str, *, batch: int = BATCH) -> dict[str, Any]:
    """Copy the SQLite database at ``sqlite_path`` into a new PostgreSQL database at ``database_url`` (dropped
    first if it exists) with the project's migrated schema; returns the figures (rows and seconds per table)."""
    sqlite_path = Path(sqlite_path).resolve()
    if not sqlite_path.is_file():
        sys.exit(f"no such file: {sqlite_path}")
    started = time.perf_counter()
    result: dict[str, Any] = {"sqlite": str(sqlite_path), "database": database_recreate(database_url)}
    result["migrate_seconds"] = migrate(database_url)
    say(f"migrated in {result['migrate_seconds']:.1f} s")
    lite = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    lite.execute("BEGIN")  # one read transaction: what is counted here is what is copied
    tables, result["skipped_sqlite_tables"] = sqlite_tables(lite)
    counts = {t: lite.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    high_water: dict[str, int] = {}
    if lite.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
        high_water = dict(lite.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    per_table: dict[str, dict[str, Any]] = {}
    with psycopg.connect(database_url) as pg, pg.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # no foreign-key triggers: any table order
        cur.execute("SET TimeZone = 'UTC'")  # Django keeps timestamps on SQLite as naive UTC text
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET maintenance_work_mem = '256MB'")
        missing = result["migrations_missing_in_sqlite"] = migrations_compare(lite, cur)
        if missing:
            say(f"warning: the SQLite file lacks migrations (run `jingzhun migrate` on a copy): {', '.join(missing)}")
        target = pg_columns(cur)
        emptied = [t for t in target if t != "django_migrations"]
        prefilled = {}
        for table in emptied:
            cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            if count := cur.fetchone()[0]:  # type: ignore[index]
                prefilled[table] = count
        result["truncated_after_migrate"] = prefilled
        # All in one statement (no foreign key between them stops it), in this transaction: COPY … FREEZE.
        cur.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(map(sql.Identifier, emptied))))
        result["tables_not_in_postgres"] = [t for t in tables if t not in target]
        result["tables_only_in_postgres"] = sorted(set(emptied) - set(tables))
        result["columns_not_in_postgres"] = {}
        result["columns_not_in_sqlite"] = {}
        # Indexes built once over the loaded rows instead of row by row; those of the constraints stay.
        indexes = secondary_indexes(cur, [t for t in tables if counts[t] and t in target])
        for name, _ in indexes:
            cur.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        copy_started = time.perf_counter()
        for table in tables:
            if table not in target:
                say(f"skipped {table}: not in the PostgreSQL schema")
                continue
            source_columns = [row[1] for row in lite.execute(f'PRAGMA table_info("{table}")')]
            columns = {c: t for c, t in target[table].items() if c in source_columns}
            if extra := [c for c in source_columns if c not in target[table]]:
                result["columns_not_in_postgres"][table] = extra
            if missing_columns := [c for c in target[table] if c not in source_columns]:
                result["columns_not_in_sqlite"][table] = missing_columns
            table_started = time.perf_counter()
            rows = table_copy(lite, cur, table, columns, batch) if counts[table] else 0
            seconds = time.perf_counter() - table_started
            per_table[table] = {"rows": rows, "seconds": seconds}
            if rows:
                say(f"{table:<40} {rows:>10,} rows {seconds:>8.2f} s {rows / seconds:>10,.0f} rows/s")
        result["copy_seconds"] = time.perf_counter() - copy_started
        index_started = time.perf_counter()
        for _, definition in indexes:
            cur.execute(definition)  # pg_get_indexdef's own text
        result["indexes_rebuilt"] = len(indexes)
        result["index_seconds"] = time.perf_counter() - index_started
        say(f"{len(indexes)} secondary indexes built in {result['index_seconds']:.1f} s")
        result["sequences_reset"] = sequences_reset(cur, high_water)
        pg.commit()
        analyse_started = time.perf_counter()
        pg.autocommit = True
        cur.execute("ANALYZE")
        result["analyze_seconds"] = time.perf_counter() - analyse_started
        mismatched = {}
        for table, figures in per_table.items():
            cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            in_pg = cur.fetchone()[0]  # type: ignore[index]
            if in_pg != counts[table] or figures["rows"] != counts[table]:
                mismatched[table] = {"sqlite": counts[table], "copied": figures["rows"], "postgres": in_pg}
        result["counts_mismatched"] = mismatched
    lite.close()
    result["tables"] = per_table
    result["rows"] = sum(t["rows"] for t in per_table.values())
    result["seconds"] = time.perf_counter() - started
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # this process, not migrate's
    load = result["copy_seconds"] + result["index_seconds"]
    result["rows_per_second"] = result["rows"] / load if load else 0.0
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sqlite", type=Path, help="an embedded database: DATA_DIR/jingzhun.sqlite3")
    parser.add_argument("database_url", help="postgres://user@host:5432/NAME (dropped and created again)")
    parser.add_argument("--batch", type=int, default=BATCH, help="rows read from SQLite at a time")
    args = parser.parse_args()
    result = sqlite_to_postgres(args.sqlite, args.database_url, batch=args.batch)
    say(
        f"{result['rows']:,} rows in {len(result['tables'])} tables: copy {result['copy_seconds']:.1f} s, "
        f"indexes {result['index_seconds']:.1f} s ({result['rows_per_second']:,.0f} rows/s); "
        f"migrate {result['migrate_seconds']:.1f} s, analyze {result['analyze_seconds']:.1f} s; "
        f"total {result['seconds']:.1f} s; peak RSS {result['peak_rss_mb']:.0f} MB"
    )
    for key in ("tables_not_in_postgres", "columns_not_in_postgres", "columns_not_in_sqlite", "counts_mismatched"):
        if result[key]:
            say(f"{key}: {result[key]}")
    print(json.dumps(result, ensure_ascii=False))
    if result["counts_mismatched"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
