"""Pass 1: the file read, parsed and staged into temporary tables, as one stream or, for a big CSV file from
the command line, by forked worker processes each staging a part into an SQLite file of its own; and the
file's SHA-256, taken aside by one more forked process."""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import shutil
import sqlite3
import tempfile
import traceback
from collections.abc import Callable, Iterable
from itertools import islice
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.db import connection
from openpyxl.utils import get_column_letter

from jingzhun.core import idnumber
from jingzhun.core.files import file_sha256 as _sha256
from jingzhun.core.sql import create_temp_table, insert_rows, q
from jingzhun.spreadsheets.reading import CsvPart, UnusableFile, csv_part_records, csv_parts

from ..models import Member
from .base import _MESSAGE_NAMES, ERRORS, STAGE, STAGE_HH, WARNINGS, NearMisses
from .parsing import ChunkParsing

CHUNK_ROWS = 5000

# A CSV file at least this big is staged by several worker processes when the caller allows it.
PARALLEL_MIN_BYTES = 8 << 20
# Two parts for each worker process, handed out as they finish: the parts never take exactly as long (a
# whole second apart for halves of a million rows), and each finished part is copied in while the others
# are still parsed. At most eight: each is attached to the connection until the transaction ends, and
# SQLite attaches ten databases at most.
PARTS_PER_WORKER = 2
MAX_PARTS = 8
NEAR = "jz_near"


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


class Staging(ChunkParsing):
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


def _fork(target: Callable[..., None], *args: Any) -> tuple[Any, Any]:
    """Start ``target(*args, sender)`` in a forked process: the process, and the receiving end of the pipe
    whose sending end ``target`` gets (and the parent closes, so that the receiver sees the end of it)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=target, args=(*args, sender))
    process.start()
    sender.close()
    return process, receiver


def _stage_part(job: Staging, part: CsvPart, database: Path, position: Any, sender: Any) -> None:
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
