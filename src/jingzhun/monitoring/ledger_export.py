"""The monitoring ledger (防止返贫监测对象台账) and the instant-help ledger (即时帮扶台账) as files.

``.csv`` is the machine format: UTF-8 with a BOM (Excel needs it to read the Chinese), one header row, one row
per case. The monitoring ledger's CSV has exactly the columns
``household_no, category, risk_types, channel, stage, opened, deadline, tier`` (category, channel and stage in
Chinese, risk types as their codes joined by ``;``, dates ISO, the tier A/B/C; ``deadline`` is the county decision
deadline). ``.xlsx`` is what an office sends upward: a title, the area and date, Chinese headers, every column an
office reports, dates as Excel dates, frozen headers repeated on every printed page and a total row
(:class:`~jingzhun.spreadsheets.writing.PrintedSheet`).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone
from openpyxl import Workbook

from jingzhun.accounts.selectors import id_number_shown
from jingzhun.accounts.services import access_log_record
from jingzhun.areas.selectors import area_names
from jingzhun.core.uploads import Progress, rows_counted
from jingzhun.registry.vocab import LEDGER_WORD, PovertyStatus
from jingzhun.spreadsheets.writing import (
    DATE_FORMAT,
    PrintedSheet,
    Shown,
    csv_file,
    csv_row,
    sheet_rows_check,
    written_whole,
)

from .models import CATEGORY_TEXT, RiskType
from .selectors import ledger_count_for_scope, ledger_rows_for_scope
from .services import CHANNEL_TEXT, STAGE_TEXT

Row = dict[str, Any]
Column = tuple[str, int, Callable[[Row], Any]]  # header, width, value
ESTIMATED = f'{DATE_FORMAT}"（估算）"'  # a deadline estimated for a case opened without its discovery date


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _iso(value: Callable[[Row], dt.date | None]) -> Callable[[Row], str]:
    """An office column's date as the machine format writes it."""
    return lambda row: _date(value(row))


def _deadline(row: Row) -> Any:
    due = row["decision_due"]
    return Shown(due, ESTIMATED) if due and row["decision_due_estimated"] else due


def _risks(row: Row) -> str:
    return "、".join(RiskType(code).label.split(" ", 1)[1] for code in row["risk_types"] or [])


def _help_state(row: Row, today: dt.date) -> str:
    if not row["help_tier"]:
        return ""
    if row["help_started_on"]:
        late = row["help_started_on"] > row["help_due"]
        return "已响应（超期）" if late else "已响应"
    return "逾期未响应" if row["help_due"] < today else "待响应"


MACHINE_COLUMNS: list[tuple[str, Callable[[Row], Any]]] = [
    ("household_no", lambda r: r["household__household_no"]),
    ("category", lambda r: CATEGORY_TEXT.get(r["category"], "")),
    ("risk_types", lambda r: ";".join(r["risk_types"] or [])),
    ("channel", lambda r: CHANNEL_TEXT[r["channel"]]),
    ("stage", lambda r: STAGE_TEXT[r["stage"]]),
    ("opened", lambda r: _date(r["opened_on"])),
    ("deadline", lambda r: _date(r["decision_due"])),
    ("tier", lambda r: r["help_tier"]),
]


def _office_columns(user: Any, today: dt.date) -> list[Column]:
    def overdue(row: Row) -> str:
        late = []
        if row["decided_on"] is None and row["closed_on"] is None and row["decision_due"] < today:
            late.append("认定逾期")
        if _help_state(row, today) == "逾期未响应":
            late.append("帮扶逾期")
        return "、".join(late)

    return [
        ("户编号", 20, lambda r: r["household__household_no"]),
        ("行政区划代码", 14, lambda r: r["household__village_id"]),
        ("村名称", 14, lambda r: r["household__village__name"]),
        ("户主姓名", 10, lambda r: r["head_name"] or ""),
        ("户主身份证号", 20, lambda r: id_number_shown(user=user, id_number=r["head_id"]) if r["head_id"] else ""),
        ("贫困户状态", 12, lambda r: _status_text(r["household__poverty_status"])),
        ("监测对象类别", 14, lambda r: CATEGORY_TEXT.get(r["category"], "")),
        ("风险类型", 18, _risks),
        ("发现渠道", 14, lambda r: CHANNEL_TEXT[r["channel"]]),
        ("当前环节", 16, lambda r: STAGE_TEXT[r["stage"]]),
        ("发现日期", 12, lambda r: r["opened_on"]),
        ("认定期限", 18, _deadline),
        ("认定日期", 12, lambda r: r["decided_on"]),
        ("纳入监测日期", 12, lambda r: r["monitored_since"]),
        ("即时帮扶分档", 8, lambda r: r["help_tier"]),
        ("帮扶响应期限", 12, lambda r: r["help_due"]),
        ("首次帮扶日期", 12, lambda r: r["help_started_on"]),
        ("帮扶措施数", 8, lambda r: r["measures"]),
        ("逾期情况", 14, overdue),
        ("办结日期", 12, lambda r: r["closed_on"]),
        ("办结说明", 24, lambda r: r["close_reason"]),
    ]


def _help_columns(user: Any, today: dt.date) -> list[Column]:
    def days_late(row: Row) -> Any:
        end = row["help_started_on"] or today
        return max((end - row["help_due"]).days, 0) if row["help_due"] else ""

    return [
        ("户编号", 20, lambda r: r["household__household_no"]),
        ("村名称", 14, lambda r: r["household__village__name"]),
        ("户主姓名", 10, lambda r: r["head_name"] or ""),
        ("户主身份证号", 20, lambda r: id_number_shown(user=user, id_number=r["head_id"]) if r["head_id"] else ""),
        ("监测对象类别", 14, lambda r: CATEGORY_TEXT.get(r["category"], "")),
        ("风险类型", 18, _risks),
        ("分档", 6, lambda r: r["help_tier"]),
        ("分档日期", 12, lambda r: r["help_tier_since"]),
        ("响应期限", 12, lambda r: r["help_due"]),
        ("首次帮扶日期", 12, lambda r: r["help_started_on"]),
        ("帮扶措施数", 8, lambda r: r["measures"]),
        ("响应情况", 12, lambda r: _help_state(r, today)),
        ("逾期天数", 8, days_late),
    ]


def _status_text(code: str) -> str:
    return LEDGER_WORD[PovertyStatus].get(code, code)


@dataclass
class ExportOutcome:
    rows: int
    path: Path
    log_target: str  # what the access log says of the export (logged now, or when the browser downloads it)
    log_detail: dict[str, Any]


def _title_area(area_prefix: str) -> str:
    if not area_prefix:
        return "全部区划"
    code = area_prefix.ljust(12, "0")
    return area_names(codes=[code]).get(code, code)


def _write(
    *,
    path: Path,
    rows: Iterator[Row],
    title: str,
    area_prefix: str,
    office: list[Column],
    machine: list[tuple[str, Callable[[Row], Any]]],
    total: int,
    progress: Progress | None,
) -> int:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError(f"只能导出为 .xlsx 或 .csv：{path.name}")
    rows = rows_counted(rows, total=total, progress=progress)
    count = 0
    if suffix == ".csv":
        with csv_file(path, bom=True) as handle:
            writer = csv.writer(handle)
            writer.writerow([name for name, _value in machine])
            for row in rows:
                writer.writerow(csv_row(value(row) for _name, value in machine))
                count += 1
        return count
    sheet_rows_check(total)
    workbook = Workbook(write_only=True)
    # The header is the third row, under the title and the export date; 户编号 stays in view when scrolling right.
    sheet = PrintedSheet(
        workbook, title, widths=[width for _header, width, _value in office], header_row=3, freeze="B4"
    )
    sheet.title(f"{_title_area(area_prefix)}{title}")
    sheet.note(["导出日期", timezone.localdate()])
    sheet.header(header for header, _width, _value in office)
    for row in rows:
        sheet.append(value(row) for _header, _width, value in office)
        count += 1
    sheet.note([f"合计：{count} 户"])
    with written_whole(path) as tmp:
        workbook.save(tmp)
    return count


def monitoring_ledger_export(
    *,
    path: Path,
    area_prefix: str = "",
    include_closed: bool = False,
    user: Any = None,
    progress: Progress | None = None,
    log: bool = True,
) -> ExportOutcome:
    """Write the monitoring ledger of ``area_prefix`` (open cases, or all with ``include_closed``), reporting
    ``progress(rows written, total)``; logged (unless ``log`` is false: the browser logs each download)."""
    today = timezone.localdate()
    state = "all" if include_closed else "open"
    count = _write(
        path=path,
        rows=ledger_rows_for_scope(area_prefix=area_prefix, state=state),
        title="防止返贫监测对象台账",
        area_prefix=area_prefix,
        office=_office_columns(user, today),
        machine=MACHINE_COLUMNS,
        total=ledger_count_for_scope(area_prefix=area_prefix, state=state) if progress else 0,
        progress=progress,
    )
    outcome = ExportOutcome(
        rows=count,
        path=Path(path),
        log_target=f"monitoring:{area_prefix or '*'}",
        log_detail={"file": str(path), "rows": count, "closed": include_closed},
    )
    if log:
        access_log_record(user=user, action="export", target=outcome.log_target, detail=outcome.log_detail)
    return outcome


def instant_help_export(
    *, path: Path, area_prefix: str = "", user: Any = None, progress: Progress | None = None, log: bool = True
) -> ExportOutcome:
    """Write the instant-help ledger (open cases with an A/B/C tier) of ``area_prefix``, reporting
    ``progress(rows written, total)``; logged (unless ``log`` is false: the browser logs each download)."""
    today = timezone.localdate()
    rows = ledger_rows_for_scope(area_prefix=area_prefix, state="open", tiered=True)
    total = ledger_count_for_scope(area_prefix=area_prefix, state="open", tiered=True) if progress else 0
    office = _help_columns(user, today)
    machine = [
        ("household_no", office[0][2]),
        ("category", office[4][2]),
        ("tier", office[6][2]),
        ("tier_since", _iso(office[7][2])),
        ("due", _iso(office[8][2])),
        ("first_help", _iso(office[9][2])),
        ("measures", office[10][2]),
        ("state", office[11][2]),
        ("days_late", office[12][2]),
    ]
    count = _write(
        path=path,
        rows=rows,
        title="即时帮扶台账",
        area_prefix=area_prefix,
        office=office,
        machine=machine,
        total=total,
        progress=progress,
    )
    outcome = ExportOutcome(
        rows=count,
        path=Path(path),
        log_target=f"instant_help:{area_prefix or '*'}",
        log_detail={"file": str(path), "rows": count},
    )
    if log:
        access_log_record(user=user, action="export", target=outcome.log_target, detail=outcome.log_detail)
    return outcome
