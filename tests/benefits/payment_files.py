"""Payment files (docs/LEDGER.md §5) for the tests: rows as dicts of the format's headers, written as a workbook or
a CSV file, and the error report read back."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

HEADERS = ["项目代码", "户编号", "证件号码", "金额", "发放日期", "发放部门"]


def payment_row(benefit: str, household: Any, member: Any = None, **cells: Any) -> dict[str, Any]:
    """A payment of ``benefit`` on 2025-09-10 to ``household`` (and ``member``, for a member benefit)."""
    row: dict[str, Any] = {
        "项目代码": benefit,
        "户编号": getattr(household, "household_no", household),
        "证件号码": getattr(member, "id_number", member or ""),
        "金额": "3000.00",
        "发放日期": "2025-09-10",
        "发放部门": "",
    }
    row.update(cells)
    return row


def write(path: Path, rows: list[dict[str, Any]], headers: list[str] | None = None) -> Path:
    headers = headers if headers is not None else HEADERS
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(headers)
            for row in rows:
                writer.writerow([row.get(h, "") for h in headers])
        return path
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    workbook.save(path)
    return path


def report_rows(path: Path) -> list[tuple[Any, ...]]:
    """The 错误 sheet of the error report beside ``path``: (row, 户编号, column, value, reason)."""
    report = path.with_name(f"{path.stem}.错误报告.xlsx")
    sheet = load_workbook(report, read_only=True)["错误"]
    return [tuple(r) for r in sheet.iter_rows(min_row=2, values_only=True) if any(c is not None for c in r)]
