"""Findings files (docs/LEDGER.md §6) for the tests: rows as dicts of the format's headers, written as .csv or .xlsx,
and the error report read back."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

HEADERS = [
    "问题编号",
    "问题来源",
    "发现日期",
    "区划代码",
    "户编号",
    "问题类别",
    "问题描述",
    "责任乡镇",
    "责任部门",
    "交办日期",
    "乡镇整改完成日期",
    "部门整改完成日期",
    "核验日期",
]


def finding_row(number: str, area: str, town: str, **cells: Any) -> dict[str, Any]:
    """A valid row: found on 2026-03-02 in ``area`` by the monthly inspection, for ``town`` and 医保, not assigned."""
    row: dict[str, Any] = {
        "问题编号": number,
        "问题来源": "月度督导",
        "发现日期": "2026-03-02",
        "区划代码": area,
        "户编号": "",
        "问题类别": "政策落实",
        "问题描述": "低保政策未落实到户",
        "责任乡镇": town,
        "责任部门": "医保",
        "交办日期": "",
        "乡镇整改完成日期": "",
        "部门整改完成日期": "",
        "核验日期": "",
    }
    row.update(cells)
    return row


def write_csv(path: Path, rows: list[dict[str, Any]], headers: list[str] | None = None) -> Path:
    headers = headers or HEADERS
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows([[row.get(h, "") for h in headers] for row in rows])
    return path


def write_xlsx(path: Path, rows: list[dict[str, Any]], headers: list[str] | None = None) -> Path:
    headers = headers or HEADERS
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    workbook.save(path)
    return path


def report_errors(path: Path) -> dict[tuple[int, str], str]:
    """The error report beside ``path``: (row, column) → reason."""
    report = path.with_name(f"{path.stem}.错误报告.xlsx")
    sheet = load_workbook(report)["错误"]
    return {(row[0], row[2]): row[4] for row in sheet.iter_rows(min_row=2, values_only=True)}
