"""Reading back what an export workbook says about printing, to compare with :func:`printed_as`."""

from __future__ import annotations

import datetime as dt
from typing import Any

BOM = b"\xef\xbb\xbf"


def print_setup(sheet: Any) -> dict[str, Any]:
    """The page setup of a worksheet reopened with openpyxl (not read-only: that mode skips the setup)."""
    setup = sheet.page_setup
    return {
        "orientation": setup.orientation,
        "paper": setup.paperSize,
        "fit_to_page": sheet.sheet_properties.pageSetUpPr.fitToPage,
        "fit_width": setup.fitToWidth,
        "fit_height": setup.fitToHeight,
        "title_rows": sheet.print_title_rows,
        "freeze": sheet.freeze_panes,
    }


def printed_as(*, header_row: int, freeze: str) -> dict[str, Any]:
    """A4 landscape, every column on the page width, the header row repeated on every page, frozen panes."""
    return {
        "orientation": "landscape",
        "paper": 9,  # A4
        "fit_to_page": True,
        "fit_width": 1,
        "fit_height": 0,
        "title_rows": f"${header_row}:${header_row}",
        "freeze": freeze,
    }


def row_look(sheet: Any, row: int) -> list[tuple[bool, str | None]]:
    """(bold, left border style) of every cell of a row."""
    return [(bool(cell.font.b), cell.border.left.style if cell.border.left else None) for cell in sheet[row]]


def excel_time(*parts: int) -> dt.datetime:
    """A date or time as openpyxl reads an Excel date back: naive, for Excel has no time zones."""
    return dt.datetime(*parts)  # noqa: DTZ001
