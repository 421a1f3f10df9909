"""The payment list as offices print and report it (政策兑现发放明细表): the filtered list of the payments page in
office layout.

One sheet: a title merged across the table (``XX县2025年度政策兑现发放明细表``), a line with the reporting unit, the
unit of money (元) and the date, the header, then for each benefit (in code order) its payments — household,
village, the member paid, the ID number (masked unless the user may see full numbers), amount, date, paying
department, source — followed by the benefit's subtotal (小计), and a total row (合计) at the end. The rows are
those of :func:`payment_selectors.payment_search_for_user` (the user's area and, for a department clerk, its
department's benefits), so the total equals the list's. The file is written whole or not at all, streamed row by
row, and every export is logged in the access log.
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
from jingzhun.accounts.permissions import user_sees_id_numbers
from jingzhun.accounts.services import access_log_record
from jingzhun.areas.selectors import area_names
from jingzhun.core.idnumber import mask
from jingzhun.core.scope import scope_prefix
from jingzhun.core.uploads import Progress, rows_counted
from jingzhun.spreadsheets.writing import PrintedSheet, sheet_rows_check, written_whole

from .models import PaymentSource
from .payment_selectors import PaymentFilters, payment_search_for_user

COLUMNS: list[tuple[str, float]] = [
    ("序号", 6),
    ("政策代码", 8),
    ("政策名称", 20),
    ("户编号", 20),
    ("所在村", 16),
    ("领取人", 10),
    ("证件号码", 20),
    ("金额", 12),
    ("发放日期", 12),
    ("发放部门", 16),
    ("来源", 10),
]
SOURCE_TEXT = dict(PaymentSource.choices)
ZERO = Decimal("0.00")


@dataclass
class PaymentExportOutcome:
    rows: int
    total: Decimal
    path: Path
    log_target: str  # what the access log says of the export (logged now, or when the browser downloads it)
    log_detail: dict[str, Any]


def _unit_name(user: Any) -> str:
    prefix = scope_prefix(user)
    if prefix is None:
        return ""
    if not prefix:
        return "全部区划"
    code = prefix.ljust(12, "0")
    return area_names(codes=[code]).get(code, code)


def payments_office_export(
    *,
    path: Path,
    user: Any,
    filters: PaymentFilters,
    today: dt.date,
    progress: Progress | None = None,
    log: bool = True,
) -> PaymentExportOutcome:
    """Write the payments ``user`` sees that match ``filters`` to ``path`` (.xlsx), reporting ``progress(rows
    written, total)``; logged as an export (unless ``log`` is false: the browser logs each download)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"只能导出为 .xlsx：{path.name}")
    unit = _unit_name(user)
    unmasked = user_sees_id_numbers(user)
    found = payment_search_for_user(user=user, filters=filters)
    payments = found.select_related("household__village", "member").order_by("benefit", "paid_on", "id")
    year = f"{filters.year}年度" if filters.year else ""
    workbook = Workbook(write_only=True)
    rows, total = 0, ZERO
    try:
        sheet = PrintedSheet(workbook, "发放明细", widths=[w for _h, w in COLUMNS], header_row=3, freeze="D4")
        last = chr(ord("A") + len(COLUMNS) - 1)
        sheet.sheet.merged_cells = MultiCellRange(f"A1:{last}1")
        sheet.title(f"{unit}{year}政策兑现发放明细表")
        sheet.note(["填报单位", unit, "", "单位：元", "", "导出日期", today])
        sheet.header(h for h, _w in COLUMNS)
        current: tuple[str, str] | None = None
        count, subtotal = 0, ZERO
        count_all = found.count() if progress else 0
        sheet_rows_check(count_all)
        for payment in rows_counted(payments.iterator(chunk_size=2000), total=count_all, progress=progress):
            if current is not None and payment.benefit != current[0]:
                _subtotal(sheet, current, count, subtotal)
                count, subtotal = 0, ZERO
            current = (payment.benefit, payment.benefit_name)
            rows += 1
            count += 1
            subtotal += payment.amount
            total += payment.amount
            member = payment.member
            number = member.id_number if member is not None else ""
            sheet.append(
                [
                    rows,
                    payment.benefit,
                    payment.benefit_name,
                    payment.household.household_no,
                    payment.household.village.name,
                    member.name if member is not None else "（整户）",
                    number if unmasked else mask(number) if number else "",
                    payment.amount,
                    payment.paid_on,
                    payment.department,
                    SOURCE_TEXT.get(payment.source, payment.source),
                ]
            )
        if current is not None:
            _subtotal(sheet, current, count, subtotal)
        sheet.append(["合计", "", f"{rows} 笔", "", "", "", "", total, "", "", ""])
        with written_whole(path) as tmp:
            workbook.save(tmp)
    except BaseException:
        for ws in workbook.worksheets:
            with contextlib.suppress(Exception):
                ws.close()
        raise
    outcome = PaymentExportOutcome(
        rows=rows,
        total=total,
        path=path,
        log_target=f"benefit-payments:{scope_prefix(user) or '*'}",
        log_detail={"file": path.name, "rows": rows, "filters": filters.as_query(), "unmasked": unmasked},
    )
    if log:
        access_log_record(
            user=user, action=AccessLog.Action.EXPORT, target=outcome.log_target, detail=outcome.log_detail
        )
    return outcome


def _subtotal(sheet: PrintedSheet, benefit: tuple[str, str], count: int, amount: Decimal) -> None:
    sheet.append([f"{benefit[1]}小计", benefit[0], f"{count} 笔", "", "", "", "", amount, "", "", ""])
