"""Project library files (docs/LEDGER.md §4) for the tests: rows as dicts of the format's headers, written as a
workbook with sheets 项目 and 受益户 or as a CSV pair, the import run as the command line runs it, and the error
report read back."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

PROJECT_HEADERS = [
    "项目编号",
    "项目名称",
    "项目类型",
    "项目级别",
    "区划代码",
    "年度",
    "计划投资",
    "项目状态",
    "运营主体",
]
BENEFICIARY_HEADERS = ["项目编号", "户编号", "受益方式", "拒绝岗位", "拒绝原因"]


def project_row(code: str, area: Any, **cells: Any) -> dict[str, Any]:
    """A village industry project of 2025 at 立项 serving ``area`` (an Area or its code)."""
    row: dict[str, Any] = {
        "项目编号": code,
        "项目名称": f"{code}光伏扶贫电站",
        "项目类型": "光伏",
        "项目级别": "村级",
        "区划代码": getattr(area, "code", area),
        "年度": 2025,
        "计划投资": "500000.00",
        "项目状态": "立项",
        "运营主体": "",
    }
    row.update(cells)
    return row


def beneficiary_row(code: str, household: Any, **cells: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "项目编号": code,
        "户编号": getattr(household, "household_no", household),
        "受益方式": "分红",
        "拒绝岗位": "否",
        "拒绝原因": "",
    }
    row.update(cells)
    return row


def write(
    path: Path,
    projects: list[dict[str, Any]],
    beneficiaries: list[dict[str, Any]] | None = None,
    *,
    project_headers: list[str] | None = None,
) -> Path:
    """A workbook (``.xlsx``) or CSV pair (``.csv`` + ``.beneficiaries.csv``); ``beneficiaries=None``: without
    the 受益户 sheet or file."""
    project_headers = project_headers or PROJECT_HEADERS
    if path.suffix == ".xlsx":
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "项目"
        sheet.append(project_headers)
        for row in projects:
            sheet.append([row.get(h, "") for h in project_headers])
        if beneficiaries is not None:
            sheet = workbook.create_sheet("受益户")
            sheet.append(BENEFICIARY_HEADERS)
            for row in beneficiaries:
                sheet.append([row.get(h, "") for h in BENEFICIARY_HEADERS])
        workbook.save(path)
        return path
    _csv(path, project_headers, projects)
    if beneficiaries is not None:
        _csv(path.with_name(path.stem + ".beneficiaries.csv"), BENEFICIARY_HEADERS, beneficiaries)
    return path


def _csv(path: Path, headers: list[str], rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows([[row.get(h, "") for h in headers] for row in rows])


def import_file(path: Path) -> int:
    """``jingzhun import projects FILE``; its exit code."""
    try:
        call_command("import", "projects", str(path), verbosity=0, no_progress=True)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    except CommandError as error:  # the file is unusable
        return error.returncode
    return 0


def report_errors(path: Path) -> dict[tuple[str, int, str], str]:
    """The error report beside ``path``: (sheet, row, column) → reason."""
    report = path.with_name(f"{path.stem}.错误报告.xlsx")
    sheet = load_workbook(report)["错误"]
    return {(row[0], row[1], row[3]): row[5] for row in sheet.iter_rows(min_row=2, values_only=True)}
