"""Importing a department list (部门数据, docs/LEDGER.md §2) as one dated :class:`~jingzhun.crosscheck.models.Batch`.

The file is streamed once. Each cell is normalised and parsed in Python (the only per-row work), column by
column over chunks of rows, with a per-column cache for the closed vocabularies, dates and flags that repeat;
accepted rows go straight into the row table with ``executemany`` in chunks, and rejected rows and notes go
to temporary tables, so memory stays flat whatever the file size. The whole import is one transaction: a
batch with all its accepted rows, or nothing.

- A row with a bad cell (not a choice of the format, not a date, too long, blank where required) is not
  imported; the error report beside the file names its row, column and reason. The other rows are.
- An invalid 证件号码 is *not* an error: the row is kept with the number as written (``id_raw``) and an empty
  ``id_number``, counted in ``Batch.invalid_ids``; matching then tries the name. A valid one is normalised
  (15 → 18 digits, NFKC, upper-case X) and gives the birth date and sex.
- One ID number on several rows is allowed (a person owns two vehicles, holds two companies).
- Every import makes a new batch, even of a file imported before: a list is a dated snapshot and the
  comparison reads the latest batch of each department. A repeat of an earlier batch's file is pointed out.
- A file without any importable row makes no batch (it would replace the department's latest list by an
  empty one); a file without data rows, or without a required column, is unusable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from openpyxl.utils import get_column_letter

from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.services import access_log_record
from jingzhun.core import idnumber
from jingzhun.core.files import file_sha256 as _sha256
from jingzhun.core.sql import create_temp_table, drop_temp_tables, insert_rows, q
from jingzhun.spreadsheets.cells import CellError
from jingzhun.spreadsheets.reading import (
    LossyNumber,
    Table,
    UnusableFile,
    clean_cell,
    header_positions,
    open_table,
)
from jingzhun.spreadsheets.report import report_path_for, write_report

from .departments import COLUMNS, ListColumn, columns_for
from .models import Batch, Department, Row

CHUNK_ROWS = 5000
ERRORS, NOTES = "jz_list_errors", "jz_list_notes"
REPORT_HEADERS = ("行号", "姓名", "列", "值", "原因")
_MESSAGE_COLUMNS = [
    ("row_no", "integer"),
    ("name", "text"),
    ("header", "text"),
    ("value", "text"),
    ("message", "text"),
]
# Columns whose values are all but distinct: caching their parse would only cost time. Others (schools,
# plate numbers) may or may not repeat; their caches stop growing at _CACHE_LIMIT.
_UNCACHED = {"name", "id_raw"}
_CACHE_LIMIT = 4096
_MISSING = object()
# Every Row column the import writes, in this order; a department's unused columns get their empty value.
_ROW_FIELDS = (
    "name",
    "id_raw",
    "kind",
    "status",
    "grade",
    "text1",
    "text2",
    "flag1",
    "flag2",
    "date1",
    "date2",
    "year",
    "number",
)
_ROW_COLUMNS = ("batch_id", "row_no", *_ROW_FIELDS, "id_number", "birth_date", "sex")
_TEXT_FIELDS = {"name", "id_raw", "kind", "status", "grade", "text1", "text2"}

Progress = Callable[[int, int], None]


@dataclass
class ListImportOutcome:
    department: str
    as_of: dt.date
    batch_id: int | None = None
    rows: int = 0  # data rows in the file
    imported: int = 0
    invalid_ids: int = 0  # imported rows whose 证件号码 is not a valid ID number
    rejected: int = 0  # rows not imported (each has at least one error in the report)
    errors: int = 0
    notes: int = 0
    unknown_headers: tuple[str, ...] = ()
    same_as_batch: int | None = None  # an earlier batch of this department from the very same file
    report_path: Path | None = None

    @property
    def exit_code(self) -> int:
        """0 when every row was imported, 1 when some were not (the import CLI's convention)."""
        return 1 if self.rejected else 0

    @property
    def department_label(self) -> str:
        return str(Department(self.department).label)


def _department_label(department: str) -> str:
    return f"{Department(department).label}（{department}）"


def _guess_department(headers: set[str]) -> str | None:
    for key, columns in COLUMNS.items():
        if all(c.header in headers for c in columns if c.required):
            return key
    return None


def _resolve_headers(department: str, headers: list[str]) -> tuple[list[tuple[int, ListColumn]], list[tuple[int, str]]]:
    seen, unknown = header_positions(headers, (c.header for c in columns_for(department)))
    missing = [c.header for c in columns_for(department) if c.required and c.header not in seen]
    if missing:
        message = f"不是{_department_label(department)}的数据：缺少必需的列 " + "、".join(missing)
        present = set(headers)
        other = _guess_department(present)
        if "户编号" in present:
            message += "（这像是贫困人口台账，请用“导入台账”）"
        elif other and other != department:
            message += f"（这像是{_department_label(other)}的数据，请检查所选部门）"
        raise UnusableFile(message)
    return [(seen[c.header], c) for c in columns_for(department) if c.header in seen], unknown


def _row_writer(cursor: Any) -> Callable[[list[tuple[Any, ...]]], None]:
    """A function inserting a chunk of rows (``_ROW_COLUMNS`` order) into the row table.

    ``executemany`` of one INSERT; on PostgreSQL ``COPY … FROM STDIN`` instead, because psycopg's executemany
    still sends one statement per row and measured ten times slower than COPY. Both run in the import's
    transaction.
    """
    # Table and column names only; every value is a query parameter or a COPY row.
    table, columns = q(Row._meta.db_table), ", ".join(q(n) for n in _ROW_COLUMNS)
    if connection.vendor == "postgresql":
        copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        raw = cursor.cursor  # psycopg's own cursor, under Django's wrapper

        def copy_rows(rows: list[tuple[Any, ...]]) -> None:
            with raw.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)

        return copy_rows
    insert_sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_ROW_COLUMNS))})"  # noqa: S608

    def insert(rows: list[tuple[Any, ...]]) -> None:
        cursor.executemany(insert_sql, rows)

    return insert


class _ListImport:
    def __init__(self, *, department: str, table: Table, batch: Batch, today: dt.date) -> None:
        self.department = department
        self.table = table
        self.batch = batch
        self.today = today
        self.columns, self.unknown = _resolve_headers(department, table.headers)
        self.rows = self.imported = self.invalid_ids = self.rejected = 0

    def run(self, progress: Progress | None) -> None:
        cursor = connection.cursor()
        create_temp_table(cursor, ERRORS, _MESSAGE_COLUMNS)
        create_temp_table(cursor, NOTES, _MESSAGE_COLUMNS)
        message_names = [name for name, _ in _MESSAGE_COLUMNS]
        insert_rows(
            cursor,
            NOTES,
            message_names,
            [
                (1, "", header, "", f"未知的列（第 {get_column_letter(i + 1)} 列），已忽略")
                for i, header in self.unknown
            ],
        )
        write_rows = _row_writer(cursor)
        parse_chunk = self._chunk_parser()
        rows: Iterator[tuple[int, list[str]]] = iter(self.table.rows)
        while chunk := list(islice(rows, CHUNK_ROWS)):
            accepted, errors, notes = parse_chunk(chunk)
            if accepted:
                write_rows(accepted)
            insert_rows(cursor, ERRORS, message_names, errors)
            insert_rows(cursor, NOTES, message_names, notes)
            if progress:
                progress(self.table.progress(), self.table.total)
        if progress:
            progress(self.table.total, self.table.total)

    def _chunk_parser(self) -> Callable[[list[tuple[int, list[str]]]], tuple[list[Any], list[Any], list[Any]]]:
        """A function parsing a chunk of (row number, cells) into rows to insert, errors and notes."""
        width = len(self.table.headers)
        batch_id = self.batch.pk
        today = self.today
        births: dict[str, Any] = {}
        present = {c.field: (i, c) for i, c in self.columns}
        caches: dict[str, dict[str, Any] | None] = {
            c.field: None if c.field in _UNCACHED else {} for _, c in self.columns
        }
        name_index = present["name"][0]
        id_index = present["id_raw"][0]
        empty = {f: ("" if f in _TEXT_FIELDS else None) for f in _ROW_FIELDS}

        def parse_cell(column: ListColumn, text: str) -> Any:
            try:
                return column.parse(clean_cell(text))
            except CellError as exc:
                return exc

        def parse_column(column: ListColumn, texts: list[str]) -> list[Any]:
            cache = caches[column.field]
            if cache is None:
                return [parse_cell(column, t) for t in texts]
            values = list(map(cache.get, texts, repeat(_MISSING, len(texts))))
            if _MISSING in values:
                for k, value in enumerate(values):
                    if value is _MISSING:
                        value = values[k] = parse_cell(column, texts[k])
                        if len(cache) < _CACHE_LIMIT:
                            cache[texts[k]] = value
            return values

        def parse_chunk(chunk: list[tuple[int, list[str]]]) -> tuple[list[Any], list[Any], list[Any]]:
            errors: list[Any] = []
            notes: list[Any] = []
            row_nos = [row_no for row_no, _ in chunk]
            cells = [c if len(c) >= width else c + [""] * (width - len(c)) for _, c in chunk]
            by_field = {f: parse_column(c, list(map(itemgetter(i), cells))) for f, (i, c) in present.items()}
            names = [
                v if v.__class__ is str else clean_cell(c[name_index])
                for v, c in zip(by_field["name"], cells, strict=True)
            ]
            bad = [False] * len(cells)
            for field, (index, column) in present.items():
                values = by_field[field]
                if any(v.__class__ is CellError for v in values):
                    for k, value in enumerate(values):
                        if value.__class__ is CellError:
                            errors.append(
                                (row_nos[k], names[k], column.header, clean_cell(cells[k][index]), str(value))
                            )
                            bad[k] = True
            # The ID number as written (the cell trimmed and NFKC-normalised), normalised where it is valid. The
            # parser reads the cell itself: NFKC would make ① or ¹ a digit, which the parser refuses by name.
            ids = by_field["id_raw"]
            written = list(map(itemgetter(id_index), cells))
            lossy = [t.__class__ is LossyNumber for t in written]
            parsed_ids = idnumber.parse_many(
                [w if t.__class__ is str else "" for w, t in zip(written, ids, strict=True)], today=today, births=births
            )
            columns = [by_field.get(f) or [empty[f]] * len(cells) for f in _ROW_FIELDS]
            accepted: list[Any] = []
            self.rows += len(cells)
            for k, row_values in enumerate(zip(*columns, strict=True)):
                if bad[k]:
                    self.rejected += 1
                    continue
                parsed = parsed_ids[k]
                if isinstance(parsed, idnumber.IdNumber) and not lossy[k]:  # lossy: digits lost, never trusted
                    id_number, birth_date, sex = parsed.number, parsed.birth_date, parsed.sex
                    if parsed.converted_from_15:
                        notes.append((row_nos[k], names[k], "证件号码", ids[k], "15 位旧证件号码已转换为 18 位"))
                else:
                    id_number, birth_date, sex = "", None, ""
                    self.invalid_ids += 1
                    reason = "证件号码被 Excel 存成了数字，末几位已丢失" if lossy[k] else str(parsed)
                    notes.append((row_nos[k], names[k], "证件号码", ids[k], f"{reason}；已按原样保存，将按姓名等比对"))
                accepted.append((batch_id, row_nos[k], *row_values, id_number, birth_date, sex))
            self.imported += len(accepted)
            return accepted, errors, notes

        return parse_chunk

    def messages(self, table: str) -> Iterator[tuple[Any, ...]]:
        cursor = connection.cursor()
        cursor.execute(f"SELECT row_no, name, header, value, message FROM {q(table)} ORDER BY row_no, header")  # noqa: S608
        return iter(cursor.fetchone, None)

    def count(self, table: str) -> int:
        cursor = connection.cursor()
        cursor.execute(f"SELECT COUNT(*) FROM {q(table)}")  # noqa: S608
        return int(cursor.fetchone()[0])


def _newest_row() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {q(Row._meta.db_table)}")  # noqa: S608
        return int(cursor.fetchone()[0] or 0)


def _row_range(batch_id: int, newest_before: int) -> tuple[int, int]:
    """The first and last id of the batch's rows, all newer than ``newest_before``: read along the row key
    from either end (``+batch_id`` keeps the database off the (batch, id_number) index, which would read
    every row of the batch)."""
    table = q(Row._meta.db_table)
    ends = []
    with connection.cursor() as cursor:
        for order in ("", " DESC"):
            cursor.execute(
                f"SELECT id FROM {table} WHERE id > %s AND +batch_id = %s ORDER BY id{order} LIMIT 1",  # noqa: S608
                [newest_before, batch_id],
            )
            ends.append(int(cursor.fetchone()[0]))
    return ends[0], ends[1]


def batches_visible(*, area_prefix: str) -> Q:
    """The batches a user of ``area_prefix`` may see: imported by an office at or above the area ("" is the
    command line, for the whole database), or within it."""
    above = [area_prefix[:n] for n in range(len(area_prefix) + 1)]
    return Q(area_prefix__in=above) | Q(area_prefix__startswith=area_prefix)


def department_list_import(
    *,
    department: str,
    path: Path,
    as_of: dt.date | None = None,
    source: str = "",
    user: Any = None,
    area_prefix: str = "",
    progress: Progress | None = None,
) -> ListImportOutcome:
    """Import one department's list (.xlsx or .csv) as a new batch dated ``as_of`` (today by default).

    Rows with a bad cell are left out and listed in an error workbook written beside the file
    (``<name>.错误报告.xlsx``); see the module docstring for what counts as an error. ``progress(done, total)``
    is called after every chunk. Raises :class:`~jingzhun.spreadsheets.reading.UnusableFile` (nothing written)
    when the file cannot be used at all, and ``ValueError`` for an unknown department.
    """
    if department not in Department.values:
        raise ValueError(f"未知的部门：{department}")
    path = Path(path)
    today = timezone.localdate()
    as_of = as_of or today
    now = timezone.now()
    outcome = ListImportOutcome(department=department, as_of=as_of)
    with open_table(path) as table, transaction.atomic():
        sha256 = _sha256(path)
        # An earlier batch of the same file is pointed out only when the uploader may see it (from the web).
        earlier_batches = Batch.objects.filter(department=department, sha256=sha256)
        if area_prefix:
            earlier_batches = earlier_batches.filter(batches_visible(area_prefix=area_prefix))
        earlier = earlier_batches.values_list("pk", flat=True).first()
        batch = Batch.objects.create(
            department=department,
            source=source[:200],
            as_of=as_of,
            file_name=path.name[:500],
            sha256=sha256,
            user_id=getattr(user, "pk", None),
            area_prefix=area_prefix,
        )
        newest_before = _newest_row()
        job = _ListImport(department=department, table=table, batch=batch, today=today)
        job.run(progress)
        if not job.rows:
            raise UnusableFile("文件中只有表头，没有数据行")
        outcome.rows, outcome.imported, outcome.rejected = job.rows, job.imported, job.rejected
        outcome.invalid_ids, outcome.same_as_batch = job.invalid_ids, earlier
        outcome.unknown_headers = tuple(h for _, h in job.unknown)
        outcome.errors, outcome.notes = job.count(ERRORS), job.count(NOTES)
        if job.imported:
            batch.rows, batch.invalid_ids, batch.rejected = job.imported, job.invalid_ids, job.rejected
            batch.first_row, batch.last_row = _row_range(batch.pk, newest_before)
            batch.save(update_fields=["rows", "invalid_ids", "rejected", "first_row", "last_row"])
            outcome.batch_id = batch.pk
            access_log_record(
                user=user,
                action=AccessLog.Action.IMPORT,
                target=f"部门数据 {Department(department).label} {path.name}",
                detail={"batch": batch.pk, "department": department, "rows": job.imported, "rejected": job.rejected},
            )
        outcome.report_path = _report(path, job, outcome, now=now)
        drop_temp_tables(connection.cursor(), (ERRORS, NOTES))
        if not job.imported:
            # Every row has an error: no batch, or it would stand as the department's (empty) latest list.
            transaction.set_rollback(True)
    return outcome


def _report(path: Path, job: _ListImport, outcome: ListImportOutcome, *, now: dt.datetime) -> Path | None:
    report = report_path_for(path)
    if not outcome.errors and not outcome.notes:
        report.unlink(missing_ok=True)
        return None
    write_report(
        report,
        errors=job.messages(ERRORS),
        warnings=job.messages(NOTES),
        summary=list_import_summary(outcome, file=path, now=now),
        headers=REPORT_HEADERS,
    )
    return report


def list_import_summary(outcome: ListImportOutcome, *, file: Path, now: dt.datetime) -> list[tuple[str, object]]:
    """The counts of an import in Chinese, as the CLI prints them and the report's 汇总 sheet lists them.

    The date and time are values, not text: the report writes them as date cells, the CLI prints their ISO text.
    """
    return [
        ("文件", file.name),  # the name only: the report must not show where the server keeps files
        ("导入时间", timezone.localtime(now).replace(tzinfo=None, microsecond=0)),
        ("部门", _department_label(outcome.department)),
        ("批次号", outcome.batch_id if outcome.batch_id is not None else "未建立（没有可导入的行）"),
        ("数据日期", outcome.as_of),
        ("数据行数", outcome.rows),
        ("导入行数", outcome.imported),
        ("证件号码无效行数", outcome.invalid_ids),
        ("未导入行数（有错误）", outcome.rejected),
        ("错误条数", outcome.errors),
        ("提示条数", outcome.notes),
        ("忽略的未知列", "、".join(outcome.unknown_headers)),
    ]
