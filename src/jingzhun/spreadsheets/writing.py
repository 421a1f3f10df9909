"""Writing cells safely: text that a spreadsheet would run as a formula is kept as plain text.

In .xlsx the cell is stored as a string with Excel's quote prefix (shown without an apostrophe, never
evaluated, not even after editing); in .csv, which has no types, a leading apostrophe is added, and the
import takes it off again (:func:`~jingzhun.spreadsheets.cells.strip_neutraliser`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from .cells import FORMULA_PREFIXES, neutralise_formula


def xlsx_row(sheet: WriteOnlyWorksheet, values: Iterable[Any]) -> list[Any]:
    row: list[Any] = []
    for value in values:
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cell.quotePrefix = True
            row.append(cell)
        else:
            row.append(value)
    return row


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [neutralise_formula(v) if isinstance(v, str) else v for v in values]
