"""Importing the household ledger (docs/LEDGER.md §1), set-based.

1. Stream the file once: each cell is normalised and parsed in Python (the only per-row work), and the
   typed rows go to a temporary staging table in chunks — memory stays flat whatever the file size. From the
   command line, a big CSV file is cut into parts at household boundaries and staged by forked worker
   processes, one per CPU, each into an SQLite file of its own that is then copied in.
2. Check the file as a whole with a few SQL statements: household columns that disagree between rows,
   an ID number on two households, households without exactly one head.
3. Apply the accepted households with ``INSERT … SELECT … ON CONFLICT DO UPDATE``: households, members,
   incomes, each written only where a value really changed, after the field-level differences have been
   copied into the change history. A household is imported whole or not at all, and the whole import is
   one transaction.

Works the same on SQLite and PostgreSQL (see :mod:`jingzhun.registry.staging`).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.connection
import shutil
import sqlite3
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from openpyxl.utils import get_column_letter

from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.services import access_log_record
from jingzhun.areas import services as area_services
from jingzhun.areas.models import Area
from jingzhun.core import idnumber
from jingzhun.core.files import file_sha256 as _sha256
from jingzhun.core.sqlite import sorts_in_runs
from jingzhun.spreadsheets.cells import CellError, Column
from jingzhun.spreadsheets.reading import (
    CsvPart,
    LossyNumber,
    Table,
    UnusableFile,
    clean_cell,
    csv_part_records,
    csv_parts,
    header_positions,
    open_table,
)
from jingzhun.spreadsheets.report import report_path_for, write_report

from .ledger_format import INCOME_AMOUNT_FIELDS, LEDGER_COLUMNS, YES_NO_FIELDS
from .models import ChangeRecord, Household, ImportBatch, Income, Member, StatusChange
from .staging import as_text, concat_distinct, create_temp_table, drop_temp_tables, insert_rows, is_distinct, q
from .vocab import MemberStatus, Relation

CHUNK_ROWS = 5000
STAGE, STAGE_HH, ERRORS, WARNINGS = "jz_stage", "jz_stage_household", "jz_errors", "jz_warnings"
FIRST, DUP_ID, REJECTED, HOUSEHOLDS, MEMBERS, INCOMES = (
    "jz_first",
    "jz_dup_id",
    "jz_rejected",
    "jz_households",
    "jz_members",
    "jz_incomes",
)
TEMP_TABLES = (STAGE, STAGE_HH, ERRORS, WARNINGS, FIRST, DUP_ID, REJECTED, HOUSEHOLDS, MEMBERS, INCOMES)

# Staging columns that are not model fields of the same name.
_HOUSEHOLD_TARGET = {"village_code": "village_id"}


@dataclass
class LedgerImportOutcome:
    batch_id: int | None = None
    rows: int = 0
    households: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    members_created: int = 0
    members_updated: int = 0
    members_missing: int = 0
    errors: int = 0
    warnings: int = 0
    new_villages: list[str] = field(default_factory=list)
    report_path: Path | None = None
    timings: list[float] = field(default_factory=list)  # seconds: stage, check, apply, report
    workers: int = 1  # processes that read and parsed the file

    @property
    def exit_code(self) -> int:
        """0 when every row was imported, 1 when some were rejected (docs/LEDGER.md, the import CLI)."""
        return 1 if self.errors else 0


Progress = Callable[[int, int], None]
NearMisses = Callable[[int, str, str], str]  # (row, household number, ID text) → a suffix for the error message

# A CSV file at least this big is staged by several worker processes when the caller allows it.
PARALLEL_MIN_BYTES = 8 << 20
# Two parts for each worker process, handed out as they finish: the parts never take exactly as long (a
# whole second apart for halves of a million rows), and each finished part is copied in while the others
# are still parsed. At most eight: each is attached to the connection until the transaction ends, and
# SQLite attaches ten databases at most.
PARTS_PER_WORKER = 2
MAX_PARTS = 8
NEAR = "jz_near"
_MESSAGE_NAMES = ["row_no", "household_no", "header", "value", "message"]


def _resolve_headers(headers: list[str]) -> tuple[list[tuple[int, Column]], list[tuple[int, str]]]:
    seen, unknown = header_positions(headers, (c.header for c in LEDGER_COLUMNS))
    missing = [c.header for c in LEDGER_COLUMNS if c.required_header and c.header not in seen]
    if missing:
        raise UnusableFile("不是贫困人口台账：缺少必需的列 " + "、".join(missing))
    # Declaration order, which starts with 户编号: every later error can name its household.
    return [(seen[c.header], c) for c in LEDGER_COLUMNS if c.header in seen], unknown


def _model_field_type(model: type[Model], name: str) -> str:
    return str(model._meta.get_field(name).db_type(connection))


def _staging_type(column: Column) -> list[tuple[str, str]]:
    if column.field == "id_number":
        return [
            ("id_number", _model_field_type(Member, "id_number")),
            ("birth_date", _model_field_type(Member, "birth_date")),
            ("sex", _model_field_type(Member, "sex")),
        ]
    if column.field == "village_code":
        return [("village_code", _model_field_type(Area, "code"))]
    if column.field == "village_name":
        return [("village_name", _model_field_type(Area, "name"))]
    if column.field == "income_year":
        return [("income_year", _model_field_type(Income, "year"))]
    model = {"household": Household, "member": Member, "income": Income}[column.level]
    return [(column.field, _model_field_type(model, column.field))]


# Columns whose values are mostly distinct: caching their parse would only cost memory.
_UNCACHED_FIELDS = {"household_no", "name", "id_number", "phone"}
# A blank or zero amount, as parsed (Decimal("0.00") == 0) or as staged into SQLite (0).
_NO_AMOUNT = frozenset({None, 0})
_CACHE_LIMIT = 4096
_MISSING = object()


def _sqlite_value(value: Any) -> Any:
    """A parsed value in the form SQLite stores it, so that the driver binds it directly (for a type it has
    no native binding for, it looks up an adapter for every value) and SQLite converts nothing.

    Django binds a Decimal as its text, which the ``decimal`` column's NUMERIC affinity turns into an
    INTEGER when the value is whole ("2379.00" is stored as 2379) and into a REAL otherwise: the same
    numbers are bound here, which saves SQLite parsing the text of every amount.
    """
    if value.__class__ is Decimal:
        return int(value) if value == value.to_integral_value() else float(value)
    if value.__class__ is bool:
        return int(value)
    return value


@contextlib.contextmanager
def _index_built_after(cursor: Any, model: type[Model], fields: list[str], *, new_rows: int) -> Iterator[None]:
    """On SQLite, drop ``model``'s index on ``fields`` around a bulk insert and build it again after, when
    the insert at least doubles the table: one sort instead of a random B-tree insert per row (a million
    new members: 3–4 s less on the ID number index).

    Inside the import's transaction, so a failure restores the index with everything else, and readers keep
    their snapshot meanwhile (WAL). Not on PostgreSQL, where dropping it would lock the table for readers.
    """
    index = next((i for i in model._meta.indexes if i.fields == fields and i.condition is None), None)
    table = q(model._meta.db_table)
    if connection.vendor != "sqlite" or index is None or not new_rows:
        yield
        return
    cursor.execute(f"SELECT COUNT(*) FROM {table}")
    if new_rows < cursor.fetchone()[0]:
        yield
        return
    column_of = {f.name: f.column for f in model._meta.concrete_fields if f.column}
    columns = ", ".join(q(column_of[name]) for name in fields)
    cursor.execute(f"DROP INDEX {q(index.name)}")
    yield
    cursor.execute(f"CREATE INDEX {q(index.name)} ON {table} ({columns})")


def _display_sql(column: Column, expr: str) -> str:
    """SQL showing a staged value the way the ledger writes it (for messages)."""
    if column.choices is not None:
        cases = " ".join(f"WHEN '{code}' THEN '{text}'" for text, code in column.choices.items())
        return f"(CASE {expr} {cases} ELSE '' END)"
    if column.field in YES_NO_FIELDS:
        return f"(CASE WHEN {expr} THEN '是' WHEN NOT {expr} THEN '否' ELSE '' END)"
    return f"COALESCE({as_text(expr)}, '')"


def _registered_near_misses(row_no: int, household_no: str, number: str, *, area_prefix: str = "") -> str:
    """For an ID with a wrong check character: members of the same household one typo away (docs/RULES.md §10).

    Only the household being imported is searched, and with ``area_prefix`` (imports from the web) only when
    it is registered inside the uploader's area: the report never names another area's people.
    """
    members = Member.objects.filter(household__household_no=household_no)
    if area_prefix:
        members = members.filter(household__village__code__startswith=area_prefix)
    found = members.filter(id_number__in=idnumber.near_misses(number)).values_list("id_number", "name")[:3]
    if not found:
        return ""
    return "；本户已登记相近的号码：" + "、".join(f"{idnumber.mask(n)}（{name}）" for n, name in found)


class _LedgerImport:
    def __init__(
        self,
        *,
        path: Path,
        table: Table,
        user: Any,
        on_progress: Progress | None,
        area_prefix: str = "",
        workers: int = 1,
    ) -> None:
        self.path = path
        self.workers = workers
        self.scratch: Path | None = None
        self.hasher: tuple[Any, Any] | None = None  # (process, receiving end) hashing the file aside
        self.attached: list[str] = []
        self.area_prefix = area_prefix
        self.table = table
        self.user = user
        self.user_id = getattr(user, "pk", None)
        self.on_progress = on_progress
        self.columns, self.unknown_headers = _resolve_headers(table.headers)
        self.id_header = next((c.header for _, c in self.columns if c.field == "id_number"), "")
        self.present = {c.field for _, c in self.columns}
        self.household_stage_columns = [("row_no", "integer PRIMARY KEY"), ("hh_sig", "bigint")]
        self.member_stage_columns = [("row_no", "integer PRIMARY KEY"), ("household_no", "varchar(40)")]
        for _, column in self.columns:
            if column.household_level:
                self.household_stage_columns.extend(_staging_type(column))
            else:
                self.member_stage_columns.extend(_staging_type(column))
        self.now = timezone.now()
        self.now_db = connection.ops.adapt_datetimefield_value(self.now)
        self.today = timezone.localdate()
        self.outcome = LedgerImportOutcome()

    def _near_misses(self, row_no: int, household_no: str, number: str) -> str:
        return _registered_near_misses(row_no, household_no, number, area_prefix=self.area_prefix)

    # -- pass 1: stream, parse, stage -------------------------------------------------------------------

    def stage(self) -> None:
        cursor = connection.cursor()
        create_temp_table(cursor, STAGE, self.member_stage_columns)
        create_temp_table(cursor, STAGE_HH, self.household_stage_columns)
        message_columns = [
            ("row_no", "integer"),
            ("household_no", "varchar(40)"),
            ("header", "varchar(40)"),
            ("value", "text"),
            ("message", "text"),
        ]
        create_temp_table(cursor, ERRORS, message_columns)
        create_temp_table(cursor, WARNINGS, message_columns)
        if self.unknown_headers:
            unknown = [
                (1, "", header, "", f"未知的列（第 {get_column_letter(index + 1)} 列），已忽略")
                for index, header in self.unknown_headers
            ]
            insert_rows(cursor, WARNINGS, _MESSAGE_NAMES, unknown)
        parts = self._parts()
        if parts:
            count = self._stage_parallel(cursor, parts)
            self.outcome.workers = min(self.workers, len(parts))
            self._hash_aside()
        else:

            def insert(table: str, names: list[str], rows: list[tuple[Any, ...]]) -> None:
                insert_rows(cursor, table, names, rows)

            def progress() -> None:
                if self.on_progress:
                    self.on_progress(self.table.progress(), self.table.total)

            count = self._stage_stream(self.table.rows, insert, progress, self._near_misses)
        if self.on_progress:
            self.on_progress(self.table.total, self.table.total)
        self.outcome.rows = count
        cursor.execute(f"CREATE INDEX jz_ix_stage_household ON {q(STAGE)} (household_no)")
        cursor.execute(f"CREATE INDEX jz_ix_stage_id ON {q(STAGE)} (id_number)")
        cursor.execute(f"CREATE INDEX jz_ix_stage_hh_no ON {q(STAGE_HH)} (household_no)")

    def _stage_stream(
        self,
        rows: Iterable[tuple[int, list[str]]],
        insert: Callable[[str, list[str], list[tuple[Any, ...]]], None],
        progress: Callable[[], None],
        near_misses: NearMisses,
        split_at: int | None = None,
    ) -> int:
        """Parse ``rows`` chunk by chunk and hand each chunk's staging rows to ``insert``; the row count.

        With ``split_at``, each row's cells from that column on are one unsplit text (see
        :meth:`_split_at`).
        """
        member_names = [name for name, _ in self.member_stage_columns]
        household_names = [name for name, _ in self.household_stage_columns]
        parse_chunk = self._chunk_parser(near_misses, split_at)
        count = 0
        stream = iter(rows)
        while chunk := list(islice(stream, CHUNK_ROWS)):
            members, households, errors, warnings = parse_chunk(chunk)
            count += len(members)
            insert(STAGE, member_names, members)
            insert(STAGE_HH, household_names, households)
            insert(ERRORS, _MESSAGE_NAMES, errors)
            insert(WARNINGS, _MESSAGE_NAMES, warnings)
            progress()
        return count

    # -- pass 1 in parallel: worker processes stage parts of a CSV file --------------------------------------

    def _parts(self) -> list[CsvPart] | None:
        """The parts to stage in parallel, or None to read the file as one stream."""
        if self.workers < 2 or self.table.encoding is None or connection.vendor != "sqlite":
            return None
        if self.table.total < PARALLEL_MIN_BYTES or "fork" not in multiprocessing.get_all_start_methods():
            return None
        parts = min(self.workers * PARTS_PER_WORKER, MAX_PARTS)
        return csv_parts(self.path, parts=parts, key_column=self.columns[0][0])

    def _stage_parallel(self, cursor: Any, parts: list[CsvPart]) -> int:
        """Stage the parts in forked worker processes, each into an SQLite file of its own, and copy them in.

        Each worker parses with the same code as the single stream (the process is forked, so it shares the
        columns, the caches' code and the hash seed the household signatures use); a part starts on a new
        household, so its household cells are parsed where the single stream would parse them. At most
        ``self.workers`` run at once; a finished part is attached and copied into the temporary tables as
        soon as every part before it is in, so the copies are in file order. The lookups of registered near
        misses (which read the database) are done here, for the few rows that need them. When a part fails,
        no further part is started, and the failure of the earliest part is raised once the running ones end.
        """
        context = multiprocessing.get_context("fork")
        scratch = self.scratch = Path(tempfile.mkdtemp(prefix="import-", dir=settings.DATA_DIR))
        positions = [context.Value("q", 0, lock=False) for _ in parts]
        pending: dict[Any, int] = {}
        processes: dict[int, Any] = {}
        results: dict[int, tuple[str, Any]] = {}
        count = copied = 0

        def start(n: int) -> None:
            processes[n], receiver = _fork(_stage_part, self, parts[n], scratch / f"part{n}.sqlite3", positions[n])
            pending[receiver] = n

        try:
            while len(processes) < min(self.workers, len(parts)):
                start(len(processes))
            while pending:
                for ready in multiprocessing.connection.wait(list(pending), timeout=0.25):
                    n = pending.pop(ready)
                    try:
                        result = cast(Any, ready).recv()
                    except EOFError:  # it died without a word: its exit code, once reaped, says how
                        result = None
                    processes[n].join()
                    results[n] = result or ("crash", f"导入进程意外退出（退出码 {processes[n].exitcode}）")
                    failed = any(kind != "ok" for kind, _ in results.values())
                    if len(processes) < len(parts) and not failed:
                        start(len(processes))
                while copied in results and results[copied][0] == "ok":
                    self._copy_part(cursor, copied, scratch / f"part{copied}.sqlite3")
                    count += results[copied][1]
                    copied += 1
                if self.on_progress:
                    self.on_progress(sum(int(p.value) for p in positions), self.table.total)
        except BaseException:  # interrupted: stop the workers rather than let them finish
            for process in processes.values():
                process.terminate()
            raise
        finally:
            for process in processes.values():
                process.join()
        for n in sorted(results):
            kind, value = results[n]
            if kind == "unusable":
                raise UnusableFile(value)
            if kind == "crash":
                raise RuntimeError(value)
        return count

    def _copy_part(self, cursor: Any, n: int, database: Path) -> None:
        """Attach part ``n``'s file, copy its rows into the temporary tables, and complete its near misses."""
        schema = f"jz_part{n}"
        cursor.execute(f"ATTACH DATABASE %s AS {schema}", [str(database)])
        self.attached.append(schema)
        for table in (STAGE, STAGE_HH, ERRORS, WARNINGS):
            cursor.execute(f"INSERT INTO temp.{q(table)} SELECT * FROM {schema}.{q(table)}")
        cursor.execute(f"SELECT row_no, household_no, number FROM {schema}.{q(NEAR)}")
        for row_no, household_no, number in cursor.fetchall():
            suffix = self._near_misses(row_no, household_no, number)
            if suffix:
                cursor.execute(
                    f"UPDATE {q(ERRORS)} SET message = message || %s WHERE row_no = %s AND header = %s",
                    [suffix, row_no, self.id_header],
                )

    def stage_part(self, part: CsvPart, database: Path, position: Any) -> int:
        """In a worker process: stage one part of the file into its own SQLite file (no Django connection)."""
        encoding = self.table.encoding or "utf-8"  # parts exist only for CSV files, which have one
        # A short-lived process whose garbage is freed by reference counting (cached cell errors carry no
        # traceback): the cyclic collector would only walk the chunks in flight, a quarter of the parse time.
        gc.disable()
        con = sqlite3.connect(database, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=OFF")
            con.execute("PRAGMA synchronous=OFF")
            message_columns = [(name, "text") for name in _MESSAGE_NAMES]
            for table, columns in (
                (STAGE, self.member_stage_columns),
                (STAGE_HH, self.household_stage_columns),
                (ERRORS, message_columns),
                (WARNINGS, message_columns),
                (NEAR, [("row_no", "integer"), ("household_no", "text"), ("number", "text")]),
            ):
                body = ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns)
                con.execute(f'CREATE TABLE "{table}" ({body})')
            con.execute("BEGIN")

            def insert(table: str, names: list[str], rows: list[tuple[Any, ...]]) -> None:
                if rows:
                    marks = ", ".join("?" * len(names))
                    con.executemany(f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({marks})', rows)

            near: list[tuple[int, str, str]] = []

            def near_misses(row_no: int, household_no: str, number: str) -> str:
                near.append((row_no, household_no, number))
                return ""

            split_at = self._split_at()
            rows, window = csv_part_records(
                self.path, part, encoding=encoding, maxsplit=-1 if split_at is None else split_at
            )

            def progress() -> None:
                position.value = window.consumed

            count = self._stage_stream(rows, insert, progress, near_misses, split_at)
            insert(NEAR, ["row_no", "household_no", "number"], near)
            con.execute("COMMIT")
            return count
        finally:
            con.close()

    def _split_at(self) -> int | None:
        """The column after the last member column, when household columns follow it (as in the ledger's
        own layout: 27 of its 30 household columns come after the member columns); otherwise None.

        A part's lines are split there only: a household's later rows are compared with its first row on
        the rest of the line as one text, and split only where it differs (a household has 2.7 rows on
        average). The single stream reads with ``csv.reader``, which splits every cell.
        """
        last_member = max(i for i, c in self.columns if not c.household_level)
        if any(i > last_member for i, c in self.columns if c.household_level):
            return last_member + 1
        return None

    def _hash_aside(self) -> None:
        """Once the workers are done, hash the file in one more forked process: the SQL that follows keeps
        one core busy, the SHA-256 of the file (0.3 s for 300 MB) takes another. See :meth:`sha256`."""
        self.hasher = _fork(_send_sha256, self.path)

    def sha256(self) -> str:
        """The file's SHA-256, from the process hashing it aside if there is one, else hashed here."""
        if self.hasher is None:
            return _sha256(self.path)
        process, receiver = self.hasher
        try:
            return cast(str, receiver.recv())
        except EOFError:  # it died without a word: hash the file here instead
            return _sha256(self.path)
        finally:
            receiver.close()
            process.join()
            self.hasher = None

    def release(self) -> None:
        """After the transaction: stop hashing aside if the import failed; detach the workers' files and
        remove them."""
        if self.hasher is not None:
            process, receiver = self.hasher
            process.terminate()
            process.join()
            receiver.close()
            self.hasher = None
        if not self.attached and self.scratch is None:
            return
        with connection.cursor() as cursor:
            for schema in self.attached:
                cursor.execute(f"DETACH DATABASE {schema}")
        self.attached = []
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def _chunk_parser(
        self, near_misses: NearMisses, split_at: int | None = None
    ) -> Callable[[list[tuple[int, list[str]]]], tuple[list[Any], ...]]:
        """A function that parses a chunk of rows into (members, households, errors, warnings) to stage.

        Household columns are parsed on a household's first row only, and again on a later row only
        where its raw household cells differ from the first row's (the whole-file check then names the
        column). Member cells are parsed column by column: a closed vocabulary or a small number is parsed
        once per distinct text and then looked up, so most cells cost one dictionary lookup done in C.
        Household rows (a third of the rows, thirty cells each, many of them amounts seen once) are parsed
        row by row with the same per-column caches, which measured faster than column by column: the cells
        are looked up in one ``map`` and only the misses parsed.
        """
        width = len(self.table.headers)
        household_columns = [(i, c) for i, c in self.columns if c.household_level]
        member_columns = [(i, c) for i, c in self.columns if not c.household_level]
        # A tuple of the household cells: there are at least four (the required household headers).
        household_cells = itemgetter(*(i for i, _ in household_columns))
        household_key = household_cells
        if split_at is not None:  # the household cells before split_at, and the rest of the line as one text
            household_key = itemgetter(*(i for i, _ in household_columns if i < split_at), split_at)
        today = self.today
        to_sqlite = connection.vendor == "sqlite"
        mask = idnumber.mask
        region_known = idnumber.region_known
        caches: dict[str, dict[str, Any] | None] = {
            c.field: None if c.field in _UNCACHED_FIELDS else {} for _, c in self.columns
        }
        bad_texts: dict[str, set[str]] = {c.field: set() for _, c in self.columns}
        birth_memo: dict[str, Any] = {}
        state: dict[str, Any] = {"raw_no": None, "first_raw": None, "key": None, "household_no": None}
        household_no_column = household_columns[0][1]
        errors: list[Any] = []
        warnings: list[Any] = []

        def parse_cell(column: Column, text: str) -> Any:
            """The value, or a CellError carrying the Chinese reason."""
            try:
                value = column.parse(clean_cell(text))
            except CellError as exc:
                return exc.with_traceback(None)  # a cached error must not keep the chunk's frames alive
            return _sqlite_value(value) if to_sqlite else value

        def parse_column(column: Column, texts: list[str], row_nos: list[int], household_nos: list[Any]) -> list[Any]:
            cache, bad = caches[column.field], bad_texts[column.field]
            if cache is None:
                values = [parse_cell(column, t) for t in texts]
                invalid = any(v.__class__ is CellError for v in values)
            else:
                values = list(map(cache.get, texts, repeat(_MISSING, len(texts))))
                invalid = bool(bad) and not bad.isdisjoint(texts)
                if _MISSING in values:
                    for k in [k for k, v in enumerate(values) if v is _MISSING]:
                        value = values[k] = parse_cell(column, texts[k])
                        if value.__class__ is CellError:
                            invalid = True
                            bad.add(texts[k])
                        if len(cache) < _CACHE_LIMIT:
                            cache[texts[k]] = value
            if not invalid:
                return values
            for k, value in enumerate(values):
                if value.__class__ is CellError:
                    errors.append((row_nos[k], household_nos[k] or "", column.header, clean_cell(texts[k]), str(value)))
                    values[k] = None
            return values

        # Household cells go through the column caches in one C-level map; only the misses (the household
        # number, the phone, amounts seen for the first time: about four cells of thirty) are parsed in
        # Python. A column that is never cached gets an empty dictionary that stays empty.
        household_list = [c for _, c in household_columns]
        household_caches = [caches[c.field] or {} for c in household_list]
        cacheable = [caches[c.field] is not None for c in household_list]
        all_missing = [_MISSING] * len(household_list)
        field_positions = {c.field: n for n, c in enumerate(household_list)}
        year_pos = field_positions.get("year_registered")
        exit_pos = field_positions.get("year_exited")
        income_year_pos = field_positions.get("income_year")
        amount_positions = [field_positions[f] for f in INCOME_AMOUNT_FIELDS if f in field_positions]
        amounts_of = itemgetter(*amount_positions) if len(amount_positions) > 1 else None
        household_errors = False  # has any household cell failed to parse yet

        def parse_household(row_no: int, raw: tuple[str, ...], household_no: str) -> tuple[Any, ...]:
            nonlocal household_errors
            values = list(map(dict.get, household_caches, raw, all_missing))
            for _ in range(values.count(_MISSING)):
                k = values.index(_MISSING)
                value = values[k] = parse_cell(household_list[k], raw[k])
                if cacheable[k] and len(household_caches[k]) < _CACHE_LIMIT:
                    household_caches[k][raw[k]] = value
                if value.__class__ is CellError:
                    household_errors = True
            if household_errors:
                for k, value in enumerate(values):
                    if value.__class__ is CellError:
                        column = household_list[k]
                        errors.append((row_no, household_no, column.header, clean_cell(raw[k]), str(value)))
                        values[k] = None
            if year_pos is not None and exit_pos is not None:
                registered, exited = values[year_pos], values[exit_pos]
                if registered and exited and exited < registered:
                    errors.append((row_no, household_no, "脱贫年度", str(exited), f"脱贫年度早于识别年度 {registered}"))
            if amount_positions and not (
                _NO_AMOUNT.issuperset(amounts_of(values)) if amounts_of else values[amount_positions[0]] in _NO_AMOUNT
            ):
                if income_year_pos is None:
                    errors.append((row_no, household_no, "收入年度", "", "文件中有收入金额列，但缺少“收入年度”列"))
                elif values[income_year_pos] is None:
                    errors.append((row_no, household_no, "收入年度", "", "填写了收入金额，但没有填写收入年度"))
            return (row_no, hash(tuple(values)), *values)

        def parse_ids(
            texts: list[str], row_nos: list[int], household_nos: list[Any], column: Column
        ) -> list[list[Any]]:
            numbers: list[Any] = []
            birth_dates: list[Any] = []
            sexes: list[Any] = []
            cleaned = [t if t.__class__ is LossyNumber else clean_cell(t) for t in texts]
            # The parser reads the cells as written, not NFKC-normalised like the others: NFKC would make ① or
            # ¹ a digit, which the parser refuses by name (full-width digits it folds itself).
            for k, (text, parsed) in enumerate(
                zip(cleaned, idnumber.parse_many(texts, today=today, births=birth_memo), strict=True)
            ):
                if parsed.__class__ is not idnumber.IdNumber:
                    if not text:
                        reason = "不能为空"
                    elif text.__class__ is LossyNumber:
                        reason = "证件号码被 Excel 存成了数字，末几位已丢失；请把该列设为“文本”格式后重新填写"
                    else:
                        reason = str(parsed)
                        if parsed.__class__ is idnumber.CheckCharacterError and household_nos[k]:
                            reason += near_misses(row_nos[k], household_nos[k], text)
                        if not texts[k].isascii():  # shown as written: the reason may name a character
                            text = texts[k].strip()  # that NFKC changed
                    errors.append((row_nos[k], household_nos[k] or "", column.header, text, reason))
                    numbers.append(None)
                    birth_dates.append(None)
                    sexes.append(None)
                    continue
                numbers.append(parsed.number)
                birth_dates.append(parsed.birth_date.isoformat())
                sexes.append(parsed.sex)
                if parsed.converted_from_15:
                    warnings.append(
                        (
                            row_nos[k],
                            household_nos[k] or "",
                            column.header,
                            mask(parsed.number),
                            "15 位旧证件号码已转换为 18 位",
                        )
                    )
                if not region_known(parsed.region):
                    warnings.append(
                        (
                            row_nos[k],
                            household_nos[k] or "",
                            column.header,
                            mask(parsed.number),
                            f"地区码 {parsed.region} 不在行政区划代码表中（可能是已撤销的旧代码），已照常导入",
                        )
                    )
            return [numbers, birth_dates, sexes]

        def parse_chunk(chunk: list[tuple[int, list[str]]]) -> tuple[list[Any], ...]:
            nonlocal errors, warnings
            errors, warnings = [], []
            row_nos: list[int] = []
            rows: list[list[str]] = []
            household_nos: list[Any] = []
            households: list[Any] = []
            raw_no, first_raw, first_key = state["raw_no"], state["first_raw"], state["key"]
            household_no = state["household_no"]
            for row_no, cells in chunk:
                key = None
                if split_at is not None:  # cells after split_at are one text: compare it before splitting it
                    if len(cells) <= split_at:
                        cells = cells + [""] * (split_at + 1 - len(cells))
                    key = household_key(cells)
                    if key == first_key:  # the household's cells exactly as on its first row
                        row_nos.append(row_no)
                        rows.append(cells)
                        household_nos.append(household_no)
                        continue
                    cells = [*cells[:split_at], *cells[split_at].split(",")]
                if len(cells) < width:
                    cells = cells + [""] * (width - len(cells))
                raw = household_cells(cells)
                if raw[0] != raw_no:
                    if not raw[0].strip() and not any(c.strip() for c in cells):
                        continue  # a row of spaces only
                    number = parse_cell(household_no_column, raw[0])
                    raw_no, first_raw, first_key = raw[0], raw, key
                    household_no = None if number.__class__ is CellError else number
                    households.append(parse_household(row_no, raw, household_no or ""))
                elif raw != first_raw:
                    households.append(parse_household(row_no, raw, household_no or ""))
                row_nos.append(row_no)
                rows.append(cells)
                household_nos.append(household_no)
            state.update(raw_no=raw_no, first_raw=first_raw, key=first_key, household_no=household_no)
            columns: list[list[Any]] = [row_nos, household_nos]
            for index, column in member_columns:
                texts = list(map(itemgetter(index), rows))
                if column.field == "id_number":
                    columns.extend(parse_ids(texts, row_nos, household_nos, column))
                else:
                    columns.append(parse_column(column, texts, row_nos, household_nos))
            return list(zip(*columns, strict=True)), households, errors, warnings

        return parse_chunk

    # -- pass 2: whole-file checks -----------------------------------------------------------------------

    def check(self) -> None:
        cursor = connection.cursor()
        self._create_as(
            cursor,
            FIRST,
            # Rows of a household disagree when their signatures do (MIN <> MAX: no DISTINCT set per group).
            f"SELECT household_no, MIN(row_no) AS first_row, MIN(hh_sig) <> MAX(hh_sig) AS disagree "
            f"FROM {q(STAGE_HH)} WHERE household_no IS NOT NULL GROUP BY household_no",
        )
        cursor.execute(f"CREATE INDEX jz_first_household ON {q(FIRST)} (household_no)")
        self._check_household_columns(cursor)
        self._check_duplicate_ids(cursor)
        self._check_heads(cursor)
        if self.area_prefix:
            self._check_scope(cursor)
        self._create_as(
            cursor,
            REJECTED,
            f"SELECT DISTINCT household_no FROM {q(ERRORS)} WHERE household_no IS NOT NULL AND household_no <> ''",
        )
        cursor.execute(f"CREATE INDEX jz_rejected_household ON {q(REJECTED)} (household_no)")

    def _create_as(self, cursor: Any, name: str, select: str, params: tuple[Any, ...] = ()) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {q(name)}")
        suffix = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
        cursor.execute(f"CREATE TEMPORARY TABLE {q(name)}{suffix} AS {select}", params)

    def _check_household_columns(self, cursor: Any) -> None:
        """Rows of one household that disagree with its first row on a household column."""
        cursor.execute(f"SELECT COUNT(*) FROM {q(FIRST)} WHERE disagree")
        if not cursor.fetchone()[0]:
            return
        for _, column in self.columns:
            if not column.household_level or column.field == "household_no":
                continue
            c = q(column.field)
            shown_row, shown_first = _display_sql(column, f"r.{c}"), _display_sql(column, f"f0.{c}")
            cursor.execute(
                f"INSERT INTO {q(ERRORS)} (row_no, household_no, header, value, message) "
                f"SELECT r.row_no, r.household_no, %s, {shown_row}, "
                f"'与本户第 ' || f.first_row || ' 行的“' || {shown_first} || '”不一致（户内各行的户信息须相同），本户未导入' "
                f"FROM {q(FIRST)} f JOIN {q(STAGE_HH)} f0 ON f0.row_no = f.first_row "
                f"JOIN {q(STAGE_HH)} r ON r.household_no = f.household_no "
                f"WHERE f.disagree AND r.row_no <> f.first_row AND {is_distinct(f'r.{c}', f'f0.{c}')} "
                f"AND r.row_no NOT IN (SELECT e.row_no FROM {q(ERRORS)} e WHERE e.header = %s)",
                [column.header, column.header],
            )

    def _check_duplicate_ids(self, cursor: Any) -> None:
        self._create_as(
            cursor,
            DUP_ID,
            f"SELECT id_number, COUNT(DISTINCT household_no) AS households, "
            f"{concat_distinct('household_no')} AS household_nos "
            # The numbers written twice are found on the staging index (no sort of every row); only
            # their rows are then grouped again to name the households.
            f"FROM {q(STAGE)} WHERE id_number IN (SELECT id_number FROM {q(STAGE)} "
            f"WHERE id_number IS NOT NULL GROUP BY id_number HAVING COUNT(*) > 1) GROUP BY id_number",
        )
        cursor.execute(
            f"INSERT INTO {q(ERRORS)} (row_no, household_no, header, value, message) "
            f"SELECT r.row_no, r.household_no, '证件号码', r.id_number, "
            f"CASE WHEN d.households > 1 "
            f"THEN '同一证件号码出现在不同的户（户编号 ' || d.household_nos || '），这些户都未导入' "
            f"ELSE '同一证件号码在本户出现多次，本户未导入' END "
            f"FROM {q(STAGE)} r JOIN {q(DUP_ID)} d ON d.id_number = r.id_number"
        )

    def _check_scope(self, cursor: Any) -> None:
        """From the web, a user imports only households of their own area, and cannot move one out of another.

        One error per household and one message, whichever the reason — a village code outside the area, or a
        household number registered outside it — so the report never says whether a household exists
        elsewhere. (Household numbers are unique: a number taken elsewhere cannot be created here either.)
        """
        village_outside = (
            "s.village_code IS NOT NULL AND s.village_code NOT LIKE %s" if "village_code" in self.present else "0 = 1"
        )
        params = [self.area_prefix + "%"] if "village_code" in self.present else []
        cursor.execute(
            f"INSERT INTO {q(ERRORS)} (row_no, household_no, header, value, message) "
            f"SELECT f.first_row, f.household_no, "
            f"CASE WHEN {village_outside} THEN '村代码' ELSE '户编号' END, "
            f"CASE WHEN {village_outside} THEN s.village_code ELSE f.household_no END, "
            f"'不在您的管辖范围（区划代码 ' || %s || ' 开头）内，本户未导入' "
            f"FROM {q(FIRST)} f JOIN {q(STAGE_HH)} s ON s.row_no = f.first_row "
            f"WHERE ({village_outside}) OR EXISTS (SELECT 1 FROM {q(Household._meta.db_table)} h "
            f"WHERE h.household_no = f.household_no AND h.village_id NOT LIKE %s)",
            [*params, *params, self.area_prefix, *params, self.area_prefix + "%"],
        )

    def _check_heads(self, cursor: Any) -> None:
        if "relation" not in self.present:
            return
        cursor.execute(
            f"INSERT INTO {q(ERRORS)} (row_no, household_no, header, value, message) "
            f"SELECT f.first_row, f.household_no, '与户主关系', '', "
            f"CASE WHEN h.heads = 0 THEN '本户没有户主，本户未导入' "
            f"ELSE '本户有 ' || h.heads || ' 个户主（应为 1 个），本户未导入' END "
            f"FROM (SELECT household_no, SUM(CASE WHEN relation = %s THEN 1 ELSE 0 END) AS heads "
            f"      FROM {q(STAGE)} WHERE household_no IS NOT NULL GROUP BY household_no) h "
            f"JOIN {q(FIRST)} f ON f.household_no = h.household_no WHERE h.heads <> 1",
            [Relation.HEAD.value],
        )

    # -- pass 3: apply -----------------------------------------------------------------------------------

    def apply(self, batch: ImportBatch) -> None:
        cursor = connection.cursor()
        self._create_as(
            cursor,
            HOUSEHOLDS,
            f"SELECT f.household_no, f.first_row, h.id AS existing_id FROM {q(FIRST)} f "
            f"LEFT JOIN {q(Household._meta.db_table)} h ON h.household_no = f.household_no "
            f"WHERE f.household_no NOT IN (SELECT household_no FROM {q(REJECTED)})",
        )
        cursor.execute(f"CREATE INDEX jz_households_no ON {q(HOUSEHOLDS)} (household_no)")
        cursor.execute(f"SELECT COUNT(*), COUNT(existing_id) FROM {q(HOUSEHOLDS)}")
        accepted, existing = cursor.fetchone()
        self._ensure_villages(cursor)
        self._apply_households(cursor, batch, has_existing=existing > 0)
        self._apply_members(cursor, batch, has_existing=existing > 0)
        if "income_year" in self.present:
            self._apply_incomes(cursor, batch, has_existing=existing > 0)
        self._count(cursor, accepted=accepted, existing=existing)

    def _ensure_villages(self, cursor: Any) -> None:
        name_expr = "MIN(s.village_name)" if "village_name" in self.present else "''"
        cursor.execute(
            f"SELECT s.village_code, {name_expr}, MIN(j.first_row), MIN(j.household_no) "
            f"FROM {q(HOUSEHOLDS)} j JOIN {q(STAGE_HH)} s ON s.row_no = j.first_row "
            f"LEFT JOIN {q(Area._meta.db_table)} a ON a.code = s.village_code "
            f"WHERE a.code IS NULL GROUP BY s.village_code"
        )
        missing = cursor.fetchall()
        if not missing:
            return
        created = area_services.villages_ensure(villages=[(code, name or "") for code, name, _, _ in missing])
        self.outcome.new_villages = created
        insert_rows(
            cursor,
            WARNINGS,
            ["row_no", "household_no", "header", "value", "message"],
            [
                (row, household_no, "村代码", code, f"系统中原来没有这个村，已新建行政村“{name or code}”及其上级区划")
                for code, name, row, household_no in missing
            ],
        )

    def _history(
        self,
        cursor: Any,
        *,
        entity: str,
        key_sql: str,
        joins: str,
        pairs: list[tuple[str, str, str]],
        batch: ImportBatch,
    ) -> None:
        """Copy field-level differences (target alias t, staging alias s) into the change history."""
        table = q(ChangeRecord._meta.db_table)
        for field_name, target_col, stage_col in pairs:
            cursor.execute(
                f"INSERT INTO {table} (entity, entity_key, field, old_value, new_value, changed_at, "
                f"changed_by_id, batch_id) "
                f"SELECT %s, {key_sql}, %s, {as_text(f't.{q(target_col)}')}, {as_text(f's.{q(stage_col)}')}, "
                f"%s, %s, %s {joins} WHERE {is_distinct(f't.{q(target_col)}', f's.{q(stage_col)}')}",
                [entity, field_name, self.now_db, self.user_id, batch.pk],
            )

    def _upsert(
        self,
        cursor: Any,
        *,
        model: type[Model],
        conflict: list[str],
        pairs: list[tuple[str, str]],
        fixed: list[tuple[str, str]],
        source: str,
    ) -> None:
        """INSERT … SELECT with ON CONFLICT DO UPDATE of the present columns, only where they changed.

        ``pairs`` are (target column, staging expression) taken from the file; every other column a new
        row needs takes its model default, and is left alone on existing rows.
        """
        table = q(model._meta.db_table)
        targets = [t for t, _ in pairs]
        defaults: list[tuple[str, Any]] = []
        skip = {*targets, *(t for t, _ in fixed), "id", "created_at", "updated_at"}
        for model_field in model._meta.concrete_fields:
            if model_field.column is None:  # never: a field is concrete exactly when it has a column
                continue
            if model_field.column in skip:
                continue
            defaults.append((model_field.column, model_field.get_db_prep_save(model_field.get_default(), connection)))
        columns = [*targets, *(t for t, _ in fixed), *(c for c, _ in defaults), "created_at", "updated_at"]
        select = [*(e for _, e in pairs), *(e for _, e in fixed), *(["%s"] * len(defaults)), "%s", "%s"]
        updates = [t for t in targets if t not in conflict]
        changed = " OR ".join(is_distinct(f"{table}.{q(t)}", f"excluded.{q(t)}") for t in updates) or "FALSE"
        sets = ", ".join(f"{q(t)} = excluded.{q(t)}" for t in [*updates, "updated_at"])
        sql = (
            f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "
            f"SELECT {', '.join(select)} {source} "
            f"ON CONFLICT ({', '.join(q(c) for c in conflict)}) DO UPDATE SET {sets} WHERE {changed}"
        )
        cursor.execute(sql, [*(v for _, v in defaults), self.now_db, self.now_db])

    def _household_pairs(self) -> list[tuple[str, str]]:
        pairs = []
        for _, column in self.columns:
            if column.level != "household" or column.field == "village_name":
                continue
            pairs.append((_HOUSEHOLD_TARGET.get(column.field, column.field), column.field))
        return pairs

    def _apply_households(self, cursor: Any, batch: ImportBatch, *, has_existing: bool) -> None:
        household_table = q(Household._meta.db_table)
        status_table = q(StatusChange._meta.db_table)
        pairs = self._household_pairs()
        reason = f"台账导入：{self.path.name}"[:500]
        if has_existing:
            joins = (
                f"FROM {q(HOUSEHOLDS)} j JOIN {q(STAGE_HH)} s ON s.row_no = j.first_row "
                f"JOIN {household_table} t ON t.id = j.existing_id"
            )
            self._history(
                cursor,
                entity="household",
                key_sql="j.household_no",
                joins=joins,
                pairs=[(target, target, stage) for target, stage in pairs if target != "household_no"],
                batch=batch,
            )
            cursor.execute(
                f"INSERT INTO {status_table} (household_id, from_status, to_status, changed_at, changed_by_id, "
                f"reason, batch_id) SELECT t.id, t.poverty_status, s.poverty_status, %s, %s, %s, %s {joins} "
                f"WHERE t.poverty_status <> s.poverty_status",
                [self.now_db, self.user_id, reason, batch.pk],
            )
        if connection.vendor == "sqlite":
            # The import holds SQLite's only write lock since its first insert, and SQLite gives new rows
            # ids above every id there is: the households created are those above the highest id now.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {household_table}")
            created = f"FROM {household_table} h WHERE h.id > {int(cursor.fetchone()[0])}"
        else:
            created = (
                f"FROM {q(HOUSEHOLDS)} j JOIN {household_table} h ON h.household_no = j.household_no "
                f"WHERE j.existing_id IS NULL"
            )
        self._upsert(
            cursor,
            model=Household,
            conflict=["household_no"],
            pairs=[(target, f"s.{q(stage)}") for target, stage in pairs],
            fixed=[],
            source=f"FROM {q(HOUSEHOLDS)} j JOIN {q(STAGE_HH)} s ON s.row_no = j.first_row WHERE 1 = 1",
        )
        cursor.execute(
            f"INSERT INTO {status_table} (household_id, from_status, to_status, changed_at, changed_by_id, "
            f"reason, batch_id) SELECT h.id, '', h.poverty_status, %s, %s, %s, %s {created}",
            [self.now_db, self.user_id, f"建档（{reason}）"[:500], batch.pk],
        )

    def _member_fields(self) -> list[str]:
        fields = []
        for _, column in self.columns:
            if column.level != "member":
                continue
            if column.field == "id_number":
                fields.extend(["id_number", "birth_date", "sex"])
            else:
                fields.append(column.field)
        return fields

    def _apply_members(self, cursor: Any, batch: ImportBatch, *, has_existing: bool) -> None:
        household_table = q(Household._meta.db_table)
        member_table = q(Member._meta.db_table)
        fields = self._member_fields()
        if not has_existing:
            # None of the file's households is registered yet, so neither is any of their members: nothing
            # to compare or look up, and the rows go in straight from the staging table. CROSS JOIN keeps
            # SQLite to this order (a look-up of each household, then its members through the staging
            # index) rather than two index look-ups per member; PostgreSQL plans it as it likes.
            self.outcome.members_created = self._upsert_members(
                cursor,
                fields,
                new_rows=self.outcome.rows,
                household_id="h.id",
                source=(
                    f"FROM {q(HOUSEHOLDS)} j CROSS JOIN {household_table} h CROSS JOIN {q(STAGE)} s "
                    f"WHERE h.household_no = j.household_no AND s.household_no = j.household_no"
                ),
            )
            return
        self._create_as(
            cursor,
            MEMBERS,
            f"SELECT s.row_no, h.id AS household_id, m.id AS existing_id "
            f"FROM {q(HOUSEHOLDS)} j JOIN {q(STAGE)} s ON s.household_no = j.household_no "
            f"JOIN {household_table} h ON h.household_no = j.household_no "
            f"LEFT JOIN {member_table} m ON m.household_id = h.id AND m.id_number = s.id_number",
        )
        self._history(
            cursor,
            entity="member",
            key_sql="s.household_no || '/' || s.id_number",
            joins=(
                f"FROM {q(MEMBERS)} x JOIN {q(STAGE)} s ON s.row_no = x.row_no "
                f"JOIN {member_table} t ON t.id = x.existing_id"
            ),
            pairs=[(f, f, f) for f in fields if f not in ("id_number", "birth_date", "sex")],
            batch=batch,
        )
        masked = "substr(m.id_number, 1, 6) || '********' || substr(m.id_number, 15, 4)"
        cursor.execute(
            f"INSERT INTO {q(WARNINGS)} (row_no, household_no, header, value, message) "
            f"SELECT j.first_row, j.household_no, '证件号码', {masked}, "
            f"'成员“' || m.name || '”已在系统中登记，但本次文件中没有，未删除；如已死亡或迁出，请修改其成员状态' "
            f"FROM {q(HOUSEHOLDS)} j JOIN {member_table} m ON m.household_id = j.existing_id "
            f"WHERE m.status = %s AND NOT EXISTS (SELECT 1 FROM {q(STAGE)} s "
            f"WHERE s.household_no = j.household_no AND s.id_number = m.id_number)",
            [MemberStatus.ACTIVE.value],
        )
        self.outcome.members_missing = cursor.rowcount if cursor.rowcount and cursor.rowcount > 0 else 0
        cursor.execute(f"SELECT COUNT(*) FROM {q(MEMBERS)} WHERE existing_id IS NULL")
        self._upsert_members(
            cursor,
            fields,
            new_rows=cursor.fetchone()[0],
            household_id="x.household_id",
            source=f"FROM {q(MEMBERS)} x JOIN {q(STAGE)} s ON s.row_no = x.row_no WHERE 1 = 1",
        )

    def _upsert_members(self, cursor: Any, fields: list[str], *, new_rows: int, household_id: str, source: str) -> int:
        """Upsert the staged members (alias s) of ``source``; the rows written."""
        with _index_built_after(cursor, Member, ["id_number"], new_rows=new_rows):
            self._upsert(
                cursor,
                model=Member,
                conflict=["household_id", "id_number"],
                pairs=[(f, f"s.{q(f)}") for f in fields],
                fixed=[("household_id", household_id)],
                source=source,
            )
            return int(cursor.rowcount)

    def _apply_incomes(self, cursor: Any, batch: ImportBatch, *, has_existing: bool) -> None:
        household_table = q(Household._meta.db_table)
        income_table = q(Income._meta.db_table)
        amounts = [f for f in INCOME_AMOUNT_FIELDS if f in self.present]
        pairs = [("year", "s.income_year"), *((f, f"s.{q(f)}") for f in amounts)]
        if not has_existing:  # as for members: no income of these households is registered yet
            household_id = "h.id"
            source = (
                f"FROM {q(HOUSEHOLDS)} j JOIN {q(STAGE_HH)} s ON s.row_no = j.first_row "
                f"JOIN {household_table} h ON h.household_no = j.household_no WHERE s.income_year IS NOT NULL"
            )
        else:
            self._create_as(
                cursor,
                INCOMES,
                f"SELECT j.first_row, h.id AS household_id, i.id AS existing_id "
                f"FROM {q(HOUSEHOLDS)} j JOIN {q(STAGE_HH)} s ON s.row_no = j.first_row "
                f"JOIN {household_table} h ON h.household_no = j.household_no "
                f"LEFT JOIN {income_table} i ON i.household_id = h.id AND i.year = s.income_year "
                f"WHERE s.income_year IS NOT NULL",
            )
            self._history(
                cursor,
                entity="income",
                key_sql=f"s.household_no || '/' || {as_text('s.income_year')}",
                joins=(
                    f"FROM {q(INCOMES)} x JOIN {q(STAGE_HH)} s ON s.row_no = x.first_row "
                    f"JOIN {income_table} t ON t.id = x.existing_id"
                ),
                pairs=[(f, f, f) for f in amounts],
                batch=batch,
            )
            household_id = "x.household_id"
            source = f"FROM {q(INCOMES)} x JOIN {q(STAGE_HH)} s ON s.row_no = x.first_row WHERE 1 = 1"
        self._upsert(
            cursor,
            model=Income,
            conflict=["household_id", "year"],
            pairs=pairs,
            fixed=[("household_id", household_id)],
            source=source,
        )

    def _count(self, cursor: Any, *, accepted: int, existing: int) -> None:
        touched = "updated_at = %s"
        member_table, income_table = q(Member._meta.db_table), q(Income._meta.db_table)
        cursor.execute(
            f"SELECT COUNT(*) FROM {q(HOUSEHOLDS)} j WHERE j.existing_id IS NOT NULL AND ("
            f"EXISTS (SELECT 1 FROM {q(Household._meta.db_table)} h WHERE h.id = j.existing_id AND h.{touched}) "
            f"OR EXISTS (SELECT 1 FROM {member_table} m WHERE m.household_id = j.existing_id AND m.{touched}) "
            f"OR EXISTS (SELECT 1 FROM {income_table} i WHERE i.household_id = j.existing_id AND i.{touched}))",
            [self.now_db] * 3,
        )
        updated = cursor.fetchone()[0]
        if existing:  # otherwise every member was created, and _apply_members counted them
            cursor.execute(f"SELECT COUNT(*) FROM {q(MEMBERS)} WHERE existing_id IS NULL")
            self.outcome.members_created = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT COUNT(*) FROM {q(MEMBERS)} x JOIN {member_table} m ON m.id = x.existing_id WHERE m.{touched}",
                [self.now_db],
            )
            self.outcome.members_updated = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {q(FIRST)}")
        households = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {q(REJECTED)}")
        rejected = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {q(ERRORS)}")
        errors = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {q(WARNINGS)}")
        warnings = cursor.fetchone()[0]
        o = self.outcome
        o.households, o.rejected, o.errors, o.warnings = households, rejected, errors, warnings
        o.created, o.updated, o.unchanged = accepted - existing, updated, existing - updated

    # -- report ------------------------------------------------------------------------------------------

    def report(self) -> None:
        path = report_path_for(self.path)
        o = self.outcome
        if not o.errors and not o.warnings:
            if path.exists():
                path.unlink()
            return
        cursor = connection.cursor()
        errors_cursor = connection.cursor()
        errors_cursor.execute(
            f"SELECT row_no, household_no, header, value, message FROM {q(ERRORS)} ORDER BY row_no, header"
        )
        cursor.execute(
            f"SELECT row_no, household_no, header, value, message FROM {q(WARNINGS)} ORDER BY row_no, header"
        )
        write_report(
            path,
            errors=iter(errors_cursor.fetchone, None),
            warnings=iter(cursor.fetchone, None),
            summary=self.summary(),
        )
        o.report_path = path

    def summary(self) -> list[tuple[str, object]]:
        o = self.outcome
        return [
            ("文件", self.path.name),  # the name only: the report must not show where the server keeps files
            ("导入时间", timezone.localtime(self.now).replace(tzinfo=None, microsecond=0)),  # a date cell in the report
            ("数据行数", o.rows),
            ("户数", o.households),
            ("新建户", o.created),
            ("更新户", o.updated),
            ("未变化户", o.unchanged),
            ("未导入户（有错误）", o.rejected),
            ("错误条数", o.errors),
            ("提示条数", o.warnings),
            ("文件中缺少的在册成员（未删除）", o.members_missing),
            ("新建行政村", "、".join(o.new_villages)),
        ]


def _fork(target: Callable[..., None], *args: Any) -> tuple[Any, Any]:
    """Start ``target(*args, sender)`` in a forked process: the process, and the receiving end of the pipe
    whose sending end ``target`` gets (and the parent closes, so that the receiver sees the end of it)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=target, args=(*args, sender))
    process.start()
    sender.close()
    return process, receiver


def _stage_part(job: _LedgerImport, part: CsvPart, database: Path, position: Any, sender: Any) -> None:
    """A worker process's whole life: stage ``part`` and send back ("ok", rows) or what went wrong."""
    try:
        sender.send(("ok", job.stage_part(part, database, position)))
    except UnusableFile as exc:
        sender.send(("unusable", str(exc)))
    except BaseException:
        sender.send(("crash", traceback.format_exc()))
    finally:
        sender.close()


def _send_sha256(path: Path, sender: Any) -> None:
    """The life of the process hashing the file aside."""
    try:
        sender.send(_sha256(path))
    finally:
        sender.close()


def ledger_import(
    *,
    path: Path,
    user: Any = None,
    on_progress: Progress | None = None,
    area_prefix: str = "",
    workers: int = 1,
) -> LedgerImportOutcome:
    """Import a household ledger file; see the module docstring for how.

    ``area_prefix`` (imports from the web) rejects households outside the user's area, and households
    already registered outside it. The command line imports for the whole database.

    ``workers`` > 1 lets a big CSV file be read and parsed by that many forked processes (embedded SQLite,
    when the import owns its transaction; see ``_LedgerImport._stage_parallel``). Only a caller that is
    the whole process (the command line) should allow it: forking a web server's threads is not safe.

    Raises :class:`~jingzhun.spreadsheets.reading.UnusableFile` when the file cannot be used at all;
    nothing is written then.
    """
    path = Path(path)
    # An import that owns its transaction on SQLite closes the connection after the commit instead of
    # dropping its temporary tables: the temporary database then goes at once, where a DROP TABLE would
    # free its pages one by one (a second for a million rows). Inside a caller's transaction it cannot.
    close_after = not connection.in_atomic_block and connection.vendor == "sqlite"
    if connection.in_atomic_block:
        workers = 1  # the workers' files can only be detached once the transaction is over
    with open_table(path) as table:
        job = _LedgerImport(
            path=path, table=table, user=user, on_progress=on_progress, area_prefix=area_prefix, workers=workers
        )
        try:
            if close_after:
                # Every reference the import writes is joined from its parent row in this same transaction
                # (villages created first, households before their members, incomes and history), so
                # SQLite's per-row look-up of each parent only costs time: about 0.7 s for a million
                # members. As for Django's loaddata, the check is off for the import's own transaction;
                # the tests run PRAGMA foreign_key_check after the imports that take this path.
                connection.disable_constraint_checking()
            with sorts_in_runs():
                outcome = _ledger_import_run(job, path, drop_temp=not close_after)
            if close_after:
                connection.close()  # the temporary tables and the workers' attached files go with it
                if connection.connection is None:
                    job.attached = []
                else:  # Django never closes an in-memory database (the tests'): drop them after all
                    drop_temp_tables(connection.cursor(), TEMP_TABLES)
            return outcome
        finally:
            if close_after and connection.connection is not None:  # failed, or the tests' in-memory database
                connection.enable_constraint_checking()
            job.release()


def _ledger_import_run(job: _LedgerImport, path: Path, *, drop_temp: bool) -> LedgerImportOutcome:
    with transaction.atomic():
        batch = ImportBatch.objects.create(kind=ImportBatch.Kind.LEDGER, file_name=path.name, user_id=job.user_id)
        for phase in (job.stage, job.check, lambda: job.apply(batch), job.report):
            started = time.perf_counter()
            phase()
            job.outcome.timings.append(round(time.perf_counter() - started, 3))
        # On failure the rollback removes the temporary tables with everything else.
        if drop_temp:
            drop_temp_tables(connection.cursor(), TEMP_TABLES)
        o = job.outcome
        batch.sha256 = job.sha256()
        batch.rows = o.rows
        batch.households_created, batch.households_updated = o.created, o.updated
        batch.households_unchanged, batch.households_rejected = o.unchanged, o.rejected
        batch.summary = {k: v if isinstance(v, int | str) else str(v) for k, v in job.summary()}  # JSON: time as text
        batch.save()
        o.batch_id = batch.pk
        # In the import's transaction: the log says an import happened exactly when it did.
        access_log_record(
            user=job.user,
            action=AccessLog.Action.IMPORT,
            target=f"贫困人口台账 {path.name}",
            detail={
                "batch": batch.pk,
                "rows": o.rows,
                "created": o.created,
                "updated": o.updated,
                "rejected": o.rejected,
            },
        )
    return o
