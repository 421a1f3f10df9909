"""The office's Excel table of 应享未享 (or 不应享而享): a merged title row with the area's name and the year, the
unit (元) and the date, Chinese headers, one row per entitlement (payment) and a totals row; logged as an export.
ID numbers are masked unless the user may see them."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.permissions import user_sees_id_numbers
from jingzhun.accounts.services import access_log_record
from jingzhun.areas.selectors import area_names
from jingzhun.core.idnumber import mask
from jingzhun.core.scope import SYSTEM, scope_prefix
from jingzhun.core.uploads import Progress, rows_counted
from jingzhun.spreadsheets.writing import PrintedSheet, sheet_rows_check, written_whole

from .catalogue import Catalogue

COLUMNS: list[tuple[str, int]] = [
    ("序号", 6),
    ("政策代码", 10),
    ("政策名称", 24),
    ("主管部门", 14),
    ("行政村", 16),
    ("户编号", 18),
    ("成员", 10),
    ("证件号码", 22),
    ("金额（元）", 14),
]


def _unit(user: Any) -> str:
    prefix = scope_prefix(user)
    if not prefix:
        return "全部区划"
    code = prefix.ljust(12, "0")
    return area_names(codes=[code]).get(code, code)


@dataclass
class GapExportOutcome:
    rows: int
    path: Path
    log_target: str  # what the access log says of the export (logged now, or when the browser downloads it)
    log_detail: dict[str, Any]


def gap_office_export(
    *,
    path: Path,
    user: Any,
    rows: QuerySet[Any],
    catalogue: Catalogue,
    year: int,
    unentitled: bool,
    today: dt.date,
    progress: Progress | None = None,
    log: bool = True,
) -> GapExportOutcome:
    """Write ``rows`` (gaps: entitlements; unentitled: payments) as the office's table to ``path`` (.xlsx),
    reporting ``progress(rows written, total)``; logged as an export (unless ``log`` is false: the browser logs
    each download)."""
    unit = _unit(user)
    unmasked = user_sees_id_numbers(user)
    what = "不应享而享政策清单" if unentitled else "应享未享政策清单"
    workbook = Workbook(write_only=True)
    count, total = 0, Decimal("0.00")
    try:
        sheet = PrintedSheet(workbook, what[:20], widths=[w for _h, w in COLUMNS], header_row=3, freeze="C4")
        sheet.title(f"{unit}{year}年{what}")
        sheet.sheet.merged_cells.add(f"A1:{get_column_letter(len(COLUMNS))}1")
        sheet.note(["填报单位：", unit, "", "", "单位：元", "", "导出日期：", today])
        sheet.header(h for h, _w in COLUMNS)
        values = rows.order_by("benefit", "household__household_no", "member__id_number").values_list(
            "benefit",
            "household__village__name",
            "household__household_no",
            "member__name",
            "member__id_number",
            "amount",
        )
        total_rows = rows.count() if progress else 0
        sheet_rows_check(total_rows)
        for code, village, household_no, name, id_number, amount in rows_counted(
            values.iterator(chunk_size=5000), total=total_rows, progress=progress
        ):
            benefit = catalogue.get(code)
            count += 1
            total += amount
            sheet.append(
                [
                    count,
                    code,
                    benefit.name if benefit else "",
                    catalogue.department_name(benefit.department) if benefit else "",
                    village,
                    household_no,
                    name or "",
                    (id_number if unmasked else mask(id_number)) if id_number else "",
                    amount,
                ]
            )
        sheet.append(["合计", f"{count} 条", "", "", "", "", "", "", total])
        with written_whole(path) as tmp:
            workbook.save(tmp)
    except BaseException:
        for ws in workbook.worksheets:
            with contextlib.suppress(Exception):
                ws.close()
        raise
    outcome = GapExportOutcome(
        rows=count,
        path=Path(path),
        log_target=f"benefit-{'unentitled' if unentitled else 'gaps'}:{scope_prefix(user) or '*'}",
        log_detail={"file": path.name, "rows": count, "year": year},
    )
    if log:
        access_log_record(
            user=None if user is SYSTEM else user,
            action=AccessLog.Action.EXPORT,
            target=outcome.log_target,
            detail=outcome.log_detail,
        )
    return outcome
