"""The error report workbook written beside an imported file (docs/LEDGER.md §1)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook

from .writing import PrintedSheet, written_whole

HEADERS = ("行号", "户编号", "列", "值", "原因")
EXCEL_MAX_ROWS = 1_048_575


def report_path_for(source: Path) -> Path:
    return source.with_name(f"{source.stem}.错误报告.xlsx")


def write_report(
    path: Path,
    *,
    errors: Iterable[tuple[object, ...]],
    warnings: Iterable[tuple[object, ...]],
    summary: list[tuple[str, object]],
    headers: Sequence[str] = HEADERS,
    widths: Sequence[float] = (8, 18, 16, 24, 70),
) -> None:
    """Write sheets 错误 (rows not imported and why), 提示 (warnings) and 汇总 (counts), atomically.

    ``headers`` name the columns of 错误 and 提示 (five by default: the ledger's second column is 户编号; a
    department list's is 姓名; the project library's six start with the sheet), ``widths`` their widths. A date
    or time in ``summary`` is written as an Excel date.
    """
    workbook = Workbook(write_only=True)
    for title, rows in (("错误", errors), ("提示", warnings)):
        sheet = PrintedSheet(workbook, title, widths=widths)
        sheet.header(headers)
        for count, row in enumerate(rows):
            if count >= EXCEL_MAX_ROWS:
                break
            sheet.append(row)
    sheet = PrintedSheet(workbook, "汇总", widths=(24, 60), header_row=0)
    for key, value in summary:
        sheet.append([key, value])
    with written_whole(path) as tmp:
        workbook.save(tmp)
