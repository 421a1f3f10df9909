"""The fund ledger by source and project (项目资金台账（按资金来源和项目）) as offices print and report it.

One sheet: a title merged across the table (``XX县2025年度项目资金台账``), a line with the reporting unit, the unit
of money (元) and the as-of date, the header, then for each fund source its projects — allocated, paid, unpaid,
spending progress — followed by the source's subtotal (小计), and a total row (合计) at the end. The figures are
those of :func:`fund_selectors.ledger_rows` (the user's area, the year's funds), so the total equals the progress
page's county row. The file is written whole or not at all, and every export is logged in the access log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.cell_range import MultiCellRange

from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.services import access_log_record
from jingzhun.areas.selectors import area_names
from jingzhun.core.scope import scope_prefix
from jingzhun.core.uploads import Progress, rows_counted
from jingzhun.spreadsheets.writing import PrintedSheet, written_whole

from .fund_selectors import ZERO, ledger_rows, percent
from .models import ProjectLevel

COLUMNS: list[tuple[str, float]] = [
    ("序号", 6),
    ("资金来源", 16),
    ("项目编号", 16),
    ("项目名称", 32),
    ("项目级别", 8),
    ("实施地点", 16),
    ("计划投资", 14),
    ("分配资金", 14),
    ("已支付", 14),
    ("未支付", 14),
    ("支出进度（%）", 10),
]
LEVEL_TEXT = dict(ProjectLevel.choices)


@dataclass
class LedgerOutcome:
    rows: int
    allocated: Decimal
    paid: Decimal
    path: Path
    log_target: str  # what the access log says of the export (logged now, or when the browser downloads it)
    log_detail: dict[str, Any]


def unit_name(user: Any) -> str:
    prefix = scope_prefix(user)
    if prefix is None:
        return ""
    if not prefix:
        return "全部区划"
    code = prefix.ljust(12, "0")
    return area_names(codes=[code]).get(code, code)


def fund_ledger_export(
    *, path: Path, user: Any, year: int, as_of: dt.date, progress: Progress | None = None, log: bool = True
) -> LedgerOutcome:
    """Write the fund ledger of ``year``'s funds in ``user``'s area to ``path`` (.xlsx), reporting
    ``progress(rows written, total)``; logged as an export (unless ``log`` is false: the browser logs each
    download)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"只能导出为 .xlsx：{path.name}")
    unit = unit_name(user)
    rows = ledger_rows(user=user, year=year)
    workbook = Workbook(write_only=True)
    try:
        sheet = PrintedSheet(workbook, "资金台账", widths=[w for _h, w in COLUMNS], header_row=3, freeze="E4")
        last = chr(ord("A") + len(COLUMNS) - 1)
        sheet.sheet.merged_cells = MultiCellRange(f"A1:{last}1")
        sheet.title(f"{unit}{year}年度项目资金台账（按资金来源和项目）")
        sheet.note(["填报单位", unit, "", "单位：元", "", "截至日期", as_of])
        sheet.header(h for h, _w in COLUMNS)
        total_a = total_p = ZERO
        source = None
        sub_a = sub_p = ZERO
        for serial, row in enumerate(rows_counted(rows, total=len(rows), progress=progress), start=1):
            if source is not None and row["source"] != source[0]:
                _subtotal(sheet, source[1], sub_a, sub_p)
                sub_a = sub_p = ZERO
            source = (row["source"], row["source_text"])
            project = row["project"]
            allocated, paid = row["allocated"], row["paid"]
            sub_a += allocated
            sub_p += paid
            total_a += allocated
            total_p += paid
            sheet.append(
                [
                    serial,
                    row["source_text"],
                    project.code,
                    project.name,
                    LEVEL_TEXT.get(project.level, project.level),
                    project.area.name,
                    project.planned_investment,
                    allocated,
                    paid,
                    allocated - paid,
                    percent(paid, allocated),
                ]
            )
        if source is not None:
            _subtotal(sheet, source[1], sub_a, sub_p)
        sheet.append(["合计", "", "", "", "", "", "", total_a, total_p, total_a - total_p, percent(total_p, total_a)])
        with written_whole(path) as tmp:
            workbook.save(tmp)
    except BaseException:
        for ws in workbook.worksheets:
            with contextlib.suppress(Exception):
                ws.close()
        raise
    outcome = LedgerOutcome(
        rows=len(rows),
        allocated=total_a,
        paid=total_p,
        path=path,
        log_target=f"fund-ledger:{scope_prefix(user) or '*'}:{year}",
        log_detail={"file": path.name, "rows": len(rows), "year": year, "as_of": as_of.isoformat()},
    )
    if log:
        access_log_record(
            user=user, action=AccessLog.Action.EXPORT, target=outcome.log_target, detail=outcome.log_detail
        )
    return outcome


def _subtotal(sheet: PrintedSheet, label: str, allocated: Decimal, paid: Decimal) -> None:
    sheet.append([f"{label}小计", "", "", "", "", "", "", allocated, paid, allocated - paid, percent(paid, allocated)])
