"""A standard table as the workbook an office files: the title merged across the table, the unit and the date, a
two-row Chinese header (each group over its columns), the areas with each town's subtotal, the total first."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import MultiCellRange

from jingzhun.spreadsheets.writing import PrintedSheet, written_whole

from .tables import AreaRow, StandardTable

LEVEL_TEXT = {"county": "县", "town": "乡镇", "village": "村"}


def row_label(table: StandardTable, row: AreaRow) -> str:
    """A row's name in the table: the scope's own area is the total, a town under it its subtotal."""
    total = table.total
    if total is not None and row is total:
        return f"合计（{row.name}）"
    if row.level == "town":
        return f"{row.name}小计"
    return row.name


def table_xlsx(table: StandardTable, path: Path) -> None:
    """Write ``table`` to ``path`` (.xlsx), whole or not at all."""
    figures = len(table.columns)
    last = get_column_letter(2 + figures)
    merged = [f"A1:{last}1", "A3:A4", "B3:B4"]
    column = 3
    for _group, span in table.groups:
        if span > 1:
            merged.append(f"{get_column_letter(column)}3:{get_column_letter(column + span - 1)}3")
        column += span
    workbook = Workbook(write_only=True)
    sheet = PrintedSheet(
        workbook, table.title[:31], widths=[26, 14, *([9] * figures)], header_row=3, header_rows=2, freeze="C5"
    )
    sheet.sheet.merged_cells = MultiCellRange(" ".join(merged))
    sheet.title(f"{table.scope_name}{table.year}年{table.title}")
    sheet.note([f"填报单位：{table.scope_name}", "", table.unit, "", f"截至 {table.as_of.isoformat()}"])
    groups: list[str] = []
    for group, span in table.groups:
        groups += [group] + [""] * (span - 1)
    sheet.header(["区划", "区划代码", *groups])
    sheet.header(["", "", *(c.label for c in table.columns)])
    for row in table.rows:
        sheet.append([row_label(table, row), row.code, *(row.values[c.key] for c in table.columns)])
    sheet.note([table.note])
    sheet.note([f"导出日期：{timezone.localdate().isoformat()}"])
    with written_whole(Path(path)) as tmp:
        workbook.save(tmp)
