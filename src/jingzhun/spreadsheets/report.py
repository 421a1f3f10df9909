"""The error report workbook written beside an imported file (docs/LEDGER.md §1)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook

from .writing import xlsx_row

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
) -> None:
    """Write sheets 错误 (rows not imported and why), 提示 (warnings) and 汇总 (counts), atomically.

    ``headers`` name the five columns of 错误 and 提示 (the ledger's second column is 户编号; a department
    list's is 姓名).
    """
    workbook = Workbook(write_only=True)
    for title, rows in (("错误", errors), ("提示", warnings)):
        sheet = workbook.create_sheet(title)
        sheet.freeze_panes = "A2"
        for width, letter in zip((8, 18, 16, 24, 70), "ABCDE", strict=True):
            sheet.column_dimensions[letter].width = width
        sheet.append(list(headers))
        for count, row in enumerate(rows):
            if count >= EXCEL_MAX_ROWS:
                break
            sheet.append(xlsx_row(sheet, row))
    sheet = workbook.create_sheet("汇总")
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 60
    for key, value in summary:
        sheet.append(xlsx_row(sheet, [key, value]))
    tmp = path.with_name(path.name + ".tmp")
    workbook.save(tmp)
    os.replace(tmp, path)
