"""Writing the household ledger (docs/LEDGER.md §1) back out, in the layout it is imported from.

One row per member with the household's columns repeated and, per household, the income of one year
(the latest recorded, or the year asked for). Text that a spreadsheet would run as a formula is
neutralised (:mod:`jingzhun.spreadsheets.writing`): export → import → export gives the same file.
The .xlsx is the import layout on a sheet set up to be read and printed (bold frozen header, column widths,
landscape fitted to the page width; no cell borders, which would make a county's export half as slow
again); the .csv is UTF-8 with a BOM, as Excel needs for Chinese.

The command line writes full ID numbers (the file is read back by the import); the browser's export
(:mod:`.export_jobs`) writes them as its user may see them, masked for a user without the right.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from openpyxl import Workbook

from jingzhun.accounts.permissions import user_sees_id_numbers
from jingzhun.accounts.services import access_log_record
from jingzhun.areas.models import Area
from jingzhun.core.idnumber import mask
from jingzhun.core.sql import q
from jingzhun.core.uploads import Progress, rows_counted
from jingzhun.spreadsheets.writing import (
    PrintedSheet,
    csv_file,
    csv_row,
    display_width,
    sheet_rows_check,
    written_whole,
)

from .ledger_format import LEDGER_COLUMNS, YES_NO_FIELDS
from .models import Household, Income, Member

FETCH_ROWS = 5000
_SOURCE = {  # ledger field -> SQL expression over h (household), m (member), a (village), i (income)
    "household_no": "h.household_no",
    "village_code": "h.village_id",
    "village_name": "a.name",
    "income_year": "i.year",
}
_TEXT_FIELDS = {"household_no", "village_code", "village_name", "name", "id_number", "ethnicity", "phone"}
# Display width of the longest usual value of the free-text columns (the other columns: header or vocabulary).
_CONTENT_WIDTH = {"household_no": 16, "village_code": 12, "village_name": 10, "name": 8, "id_number": 18, "phone": 11}


@dataclass
class LedgerExportOutcome:
    households: int
    rows: int
    path: Path
    log_target: str = ""  # what the access log says of the export (logged now, or when the browser downloads it)
    log_detail: dict[str, Any] = field(default_factory=dict)


def _field_sources() -> list[tuple[str, str]]:
    member_fields = {f.name for f in Member._meta.concrete_fields}
    income_fields = {f.name for f in Income._meta.concrete_fields}
    sources = []
    for column in LEDGER_COLUMNS:
        name = column.field
        if name in _SOURCE:
            sources.append((name, _SOURCE[name]))
        elif name in member_fields:
            sources.append((name, f"m.{q(name)}"))
        elif name in income_fields:
            sources.append((name, f"i.{q(name)}"))
        else:
            sources.append((name, f"h.{q(name)}"))
    return sources


def _converters(*, masked: bool = False) -> list[Any]:
    converters: list[Any] = []
    for column in LEDGER_COLUMNS:
        name = column.field
        if name == "id_number" and masked:
            converters.append(lambda v: mask(v) if v else "")
        elif column.choices is not None:
            words = {code: text for text, code in column.choices.items()}
            converters.append(lambda v, words=words: words[v] if v else "")
        elif name in YES_NO_FIELDS:
            converters.append(lambda v: "" if v is None else ("是" if v else "否"))
        elif name in _TEXT_FIELDS:
            converters.append(lambda v: v or "")
        elif name in ("water_fetch_minutes",):
            converters.append(lambda v: None if v is None else Decimal(str(v)).quantize(Decimal("0.1")))
        elif name in ("work_months", "year_registered", "year_exited", "income_year"):
            converters.append(lambda v: None if v is None else int(v))
        else:  # amounts and other decimals
            converters.append(lambda v: None if v is None else Decimal(str(v)).quantize(Decimal("0.01")))
    return converters


def _widths() -> list[int]:
    """Column widths that show every header and the usual values whole."""
    return [
        2
        + max(
            display_width(column.header),
            max((display_width(word) for word in column.choices or ()), default=0),
            _CONTENT_WIDTH.get(column.field, 0),
        )
        for column in LEDGER_COLUMNS
    ]


def _rows(*, area_prefix: str, year: int | None, masked: bool = False) -> Iterator[list[Any]]:
    sources = _field_sources()
    converters = _converters(masked=masked)
    income_table = q(Income._meta.db_table)
    if year is None:
        income_join = f"i.year = (SELECT MAX(i2.year) FROM {income_table} i2 WHERE i2.household_id = h.id)"
        params: list[Any] = []
    else:
        income_join = "i.year = %s"
        params = [year]
    sql = (
        f"SELECT {', '.join(expr for _, expr in sources)} "
        f"FROM {q(Member._meta.db_table)} m "
        f"JOIN {q(Household._meta.db_table)} h ON h.id = m.household_id "
        f"JOIN {q(Area._meta.db_table)} a ON a.code = h.village_id "
        f"LEFT JOIN {income_table} i ON i.household_id = h.id AND {income_join} "
        f"WHERE h.village_id LIKE %s ORDER BY h.household_no, m.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, area_prefix + "%"])
        while batch := cursor.fetchmany(FETCH_ROWS):
            for raw in batch:
                yield [convert(value) for convert, value in zip(converters, raw, strict=True)]


def _csv_text(value: Any) -> str:
    """Numbers as a person would type them: 8971, 8971.5, -20 (no trailing zeros)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def ledger_export_count(*, area_prefix: str) -> int:
    """How many rows the ledger of ``area_prefix`` has: one per member (an export's total)."""
    return Member.objects.filter(household__village__code__startswith=area_prefix).count()


@transaction.atomic
def ledger_export(
    *,
    path: Path,
    area_prefix: str = "",
    year: int | None = None,
    user: Any = None,
    progress: Progress | None = None,
    log: bool = True,
) -> LedgerExportOutcome:
    """Write the ledger of every household under ``area_prefix`` to ``path`` (.xlsx or .csv), reporting
    ``progress(rows written, total)``.

    The command line's export (``user`` None) carries full ID numbers; a user's, the numbers as that user may see
    them. Either is recorded in the access log (unless ``log`` is false: the browser logs each download).
    """
    path = Path(path)
    headers = [c.header for c in LEDGER_COLUMNS]
    masked = user is not None and not user_sees_id_numbers(user)
    total = ledger_export_count(area_prefix=area_prefix) if progress else 0
    lines = rows_counted(_rows(area_prefix=area_prefix, year=year, masked=masked), total=total, progress=progress)
    rows = households = 0
    last = None
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        sheet_rows_check(total + 1)  # and the header
        workbook = Workbook(write_only=True)
        # No cell borders: the exchange file stays as quick to write as before (see PrintedSheet).
        sheet = PrintedSheet(workbook, "贫困人口台账", widths=_widths(), bordered=False)
        sheet.header(headers)
        for row in lines:
            sheet.append(row)
            rows += 1
            households += row[0] != last  # the rows come by household number: count each household once
            last = row[0]
        with written_whole(path) as tmp:
            workbook.save(tmp)
    elif suffix == ".csv":
        with csv_file(path, bom=True) as f:
            writer = csv.writer(f)
            writer.writerow(headers)
            for row in lines:
                writer.writerow([_csv_text(v) for v in csv_row(row)])
                rows += 1
                households += row[0] != last
                last = row[0]
    else:
        raise ValueError(f"只能导出为 .xlsx 或 .csv：{path.name}")
    detail: dict[str, Any] = {"file": str(path), "rows": rows, "households": households, "year": year}
    if user is not None:
        detail["unmasked"] = not masked
    outcome = LedgerExportOutcome(
        households=households, rows=rows, path=path, log_target=f"ledger:{area_prefix or '*'}", log_detail=detail
    )
    if log:
        access_log_record(user=user, action="export", target=outcome.log_target, detail=outcome.log_detail)
    return outcome
