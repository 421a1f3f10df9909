"""Decision workbooks (docs/LEDGER.md §8) for the tests: rows as dicts of the format's headers, written as .csv or
.xlsx, the import run as the command line runs it, and the error report read back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.core.idnumber import check_character
from tests.supervision.finding_files import report_errors, write_csv, write_xlsx

HEADERS = [
    "户编号",
    "调整类型",
    "证件号码",
    "姓名",
    "与户主关系",
    "文化程度",
    "成员状态",
    "原因",
    "决定日期",
    "决定文号",
    "覆盖理由",
]
DECIDED = dt.date(2026, 11, 20)

__all__ = ["DECIDED", "HEADERS", "decision", "import_file", "new_id", "report_errors", "write"]


def decision(household: Any, kind: str = "脱贫", **cells: Any) -> dict[str, Any]:
    """A row deciding ``kind`` for ``household`` (a Household or its number) on :data:`DECIDED`."""
    row: dict[str, Any] = {
        "户编号": getattr(household, "household_no", household),
        "调整类型": kind,
        "原因": "收入稳定超过标准，两不愁三保障达标",
        "决定日期": DECIDED.isoformat(),
        "决定文号": "某县扶发〔2026〕88号",
    }
    row.update(cells)
    return row


def new_id(region: str = "370125", born: dt.date = dt.date(2026, 5, 1), sequence: int = 11) -> str:
    """A valid ID number nobody in the factories has (born this year)."""
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def write(path: Path, rows: list[dict[str, Any]], headers: list[str] | None = None) -> Path:
    headers = headers or HEADERS
    if path.suffix == ".xlsx":
        return write_xlsx(path, rows, headers)
    return write_csv(path, rows, headers)


def import_file(path: Path) -> int:
    """``jingzhun import adjustments FILE``; its exit code."""
    try:
        call_command("import", "adjustments", str(path), verbosity=0, no_progress=True)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    except CommandError as error:  # the file is unusable
        return error.returncode
    return 0
