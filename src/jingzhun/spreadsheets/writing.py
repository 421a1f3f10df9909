"""Writing the files people open in Excel: printable streamed worksheets, real date cells, CSV with a BOM.

Every export goes through here, so that every workbook prints the same way — A4 landscape, fitted to the page
width, the header row repeated on every printed page, frozen on screen and bold, the table bordered (the
household ledger's data cells excepted, for speed), page numbers in the footer — and every CSV is written
whole or not at all.

Text that a spreadsheet would run as a formula is kept as plain text. In .xlsx the cell is stored as a string
with Excel's quote prefix (shown without an apostrophe, never evaluated, not even after editing); in .csv,
which has no types, a leading apostrophe is added, and the import takes it off again
(:func:`~jingzhun.spreadsheets.cells.strip_neutraliser`).

Dates are written as Excel dates (a day number with the format ``yyyy-mm-dd``), so that they sort, filter and
subtract as dates; CSV keeps them as ISO text, the only date a CSV has.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO, TypeVar

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from .cells import FORMULA_PREFIXES, neutralise_formula

T = TypeVar("T")

DATE_FORMAT = "yyyy-mm-dd"
SHEET_MAX_ROWS = 1_048_576  # Excel's last row: a worksheet holds no more (a longer one will not open)
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"

# The named styles every export's workbook carries (Excel lists them in its style gallery by these names).
TITLE, HEADER, BODY, DATE, DATETIME, NOTE = "标题", "表头", "数据", "日期", "日期时间", "说明"
_THIN = Side(style="thin")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _named_styles() -> tuple[NamedStyle, ...]:
    """New ones for each workbook: a named style is bound to the workbook it joins (and a copy loses its format)."""
    return (
        NamedStyle(name=TITLE, font=Font(bold=True, size=14)),
        NamedStyle(
            name=HEADER,
            font=Font(bold=True),
            border=_GRID,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        ),
        NamedStyle(name=BODY, border=_GRID),
        NamedStyle(name=DATE, border=_GRID, number_format=DATE_FORMAT),
        NamedStyle(name=DATETIME, border=_GRID, number_format=DATETIME_FORMAT),
        NamedStyle(name=NOTE),
    )


# Values a cached cell of a column may take in turn without carrying a format over from one row to the next.
_PLAIN = (str, int, float, Decimal, bool, type(None))


class SheetFull(ValueError):
    """A table longer than a worksheet holds; the message, in Chinese, says so."""


def sheet_rows_check(rows: int) -> None:
    """Refuse at once a table of ``rows`` data rows that no worksheet can hold, rather than after writing a
    million of them (:class:`SheetFull`)."""
    if rows > SHEET_MAX_ROWS:
        raise SheetFull(
            f"共 {rows:,} 行，超过 Excel 一个工作表最多 {SHEET_MAX_ROWS:,} 行的上限，没有生成文件；请缩小导出范围后重新导出"
        )


@dataclass(frozen=True)
class Shown:
    """A value written with a number format of its own, e.g. a date with a remark:
    ``Shown(deadline, 'yyyy-mm-dd"（估算）"')`` stays a date cell and reads 2026-01-05（估算）."""

    value: Any
    number_format: str


def display_width(text: str) -> int:
    """Columns ``text`` takes in Excel's default font: a Chinese character is two, a Latin letter one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class PrintedSheet:
    """A write-only (streamed) worksheet set up to be read on screen and printed.

    The page setup, column widths and frozen panes are set before the first row: a write-only sheet writes
    its head as soon as a row is appended. Rows go out as they are appended, so memory stays flat whatever
    the number of rows. One cell per column and kind is reused from row to row (the row is written out before
    :meth:`append` returns).

    ``header_row`` is the row :meth:`header` will write (after any :meth:`title` and :meth:`note` rows); it is
    repeated at the top of every printed page, with the rows after it when ``header_rows`` is more than one (a
    two-row header: group headers above the columns' own). ``freeze`` is the first cell that scrolls (default: column A
    under the header). ``bordered=False`` leaves the data cells without borders: a bordered cell is written
    even when empty and goes through openpyxl's slow path for styled cells, which made the 20,000-household
    ledger export take half as long again (bench/README.md).
    """

    def __init__(
        self,
        workbook: Workbook,
        title: str,
        *,
        widths: Sequence[float],
        header_row: int = 1,
        header_rows: int = 1,
        freeze: str | None = None,
        bordered: bool = True,
    ) -> None:
        _styles_register(workbook)
        sheet: WriteOnlyWorksheet = workbook.create_sheet(title)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        # Fit all columns on the width of the page and run down as many pages as the rows need.
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.print_options.horizontalCentered = True
        sheet.HeaderFooter.oddFooter.center.text = "第 &P 页，共 &N 页"
        if header_row:
            last = header_row + header_rows - 1
            sheet.print_title_rows = f"{header_row}:{last}"
            sheet.freeze_panes = freeze or f"A{last + 1}"
        self.sheet = sheet
        self.header_row = header_row
        self.header_rows = header_rows
        self.rows = 0
        self._cells: dict[tuple[int, str], Any] = {}
        self._cell: Callable[[int, Any], Any] = self._bordered if bordered else self._plain

    def title(self, text: str) -> None:
        """A large bold line above the table (not bordered, not repeated on each page)."""
        self._write([self._fresh(text, TITLE)])

    def note(self, values: Iterable[Any]) -> None:
        """A line of plain cells outside the table: the export date, a total."""
        self._write([self._fresh(value, NOTE) for value in values])

    def header(self, headers: Iterable[str]) -> None:
        """A bold, bordered header row; the first lands on ``header_row``, the others (``header_rows``) after it."""
        if not self.header_row <= self.rows + 1 < self.header_row + self.header_rows:
            raise ValueError(f"the header belongs on row {self.header_row}, not on row {self.rows + 1}")
        self._write([self._fresh(text, HEADER) for text in headers])

    def append(self, values: Iterable[Any]) -> None:
        """A data row: dates as date cells, formula-like text as plain text."""
        self._write([self._cell(index, value) for index, value in enumerate(values)])

    def _write(self, cells: list[Any]) -> None:
        if self.rows >= SHEET_MAX_ROWS:  # a row past Excel's last makes a file Excel will not open
            raise SheetFull(
                f"超过 Excel 一个工作表最多 {SHEET_MAX_ROWS:,} 行的上限，没有生成文件；请缩小导出范围后重新导出"
            )
        self.sheet.append(cells)
        self.rows += 1

    def _plain(self, _index: int, value: Any) -> Any:
        # Values go to openpyxl as they are (its fast path) unless they need a format or the quote prefix.
        if isinstance(value, str):
            return self._fresh(value, NOTE) if value.startswith(FORMULA_PREFIXES) else value
        if isinstance(value, dt.date):
            return self._fresh(value, NOTE, DATETIME_FORMAT if isinstance(value, dt.datetime) else DATE_FORMAT)
        if isinstance(value, Shown):
            return self._fresh(value.value, NOTE, value.number_format)
        return value

    def _bordered(self, index: int, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            kind, value = DATETIME, _naive(value)
        elif isinstance(value, dt.date):
            kind = DATE
        elif isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            return self._fresh(value, BODY)
        elif isinstance(value, Shown):
            return self._fresh(value.value, BODY, value.number_format)
        elif isinstance(value, _PLAIN):
            kind = BODY
        else:  # a type openpyxl gives a format of its own (a time, a duration): not for a reused cell
            return self._fresh(value, BODY)
        cell = self._cells.get((index, kind))
        if cell is None:
            cell = self._cells[index, kind] = self._fresh(None, kind)
        cell.value = value
        return cell

    def _fresh(self, value: Any, style: str, number_format: str | None = None) -> Any:
        cell = WriteOnlyCell(self.sheet)
        cell.style = style  # before the value: a date keeps the format openpyxl gives it in a plain style
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            cell.value = value
            cell.data_type = "s"
            cell.quotePrefix = True
        else:
            cell.value = _naive(value)
        if number_format:
            cell.number_format = number_format
        return cell


def _naive(value: Any) -> Any:
    """Excel has no time zones: a time is written as the wall-clock time the caller chose, to the second."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, microsecond=0)
    return value


def _styles_register(workbook: Workbook) -> None:
    if TITLE not in workbook.named_styles:
        for style in _named_styles():
            workbook.add_named_style(style)


@contextmanager
def written_whole(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; moved onto ``path`` when the block ends without error,
    removed otherwise, so that a failed export never leaves half a file under the name asked for."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


def written_in_memory(write: Callable[[Path], T], *, name: str) -> tuple[io.BytesIO, T]:
    """Let ``write`` write a small file (a table, a record) under ``name`` in a scratch directory, and return its
    bytes in memory with what ``write`` returned: a download then holds no open file and leaves nothing behind."""
    folder = Path(tempfile.mkdtemp(prefix="jz-download-"))
    try:
        path = folder / name
        result = write(path)
        return io.BytesIO(path.read_bytes()), result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def csv_file(path: Path, *, bom: bool) -> Iterator[TextIO]:
    """Open ``path`` to write a CSV whole or not at all (:func:`written_whole`), UTF-8.

    ``bom``: start with the UTF-8 byte-order mark. Excel reads a CSV without it in the local code page (GBK on
    a Chinese Windows) and shows Chinese as mojibake, so every CSV with Chinese text in it carries one — unless
    its machine format (docs/LEDGER.md) says plain UTF-8.
    """
    with written_whole(path) as tmp, tmp.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as stream:
        yield stream


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [neutralise_formula(v) if isinstance(v, str) else v for v in values]
