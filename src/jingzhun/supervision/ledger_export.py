"""The rectification ledger of supervision findings (督导问题整改台账) as the workbook offices report upward.

Sheet 整改台账: a title (``XX县督导问题整改台账``), the reporting unit and the as-of date, the header, one row per
finding — its two parts (一案双转) side by side, its state and its late mark on the as-of date — and a total
row (found, verified, late). Sheet 分类统计: the statistics by source, category, responsible town and
responsible department, each with its total. Both are streamed (write-only openpyxl through
:class:`~jingzhun.spreadsheets.writing.PrintedSheet`), so 200,000 findings cost no more memory than 200; the
file is written whole or not at all, and every export is recorded in the access log.

The ledger shows the findings as they stood on the as-of date: later dates count as not yet happened (they are
left blank), as in the late lists and the statistics; its late mark is the statistics' test
(``selectors._late_by``) row by row, so the total row's "late" equals the statistics' total.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from openpyxl import Workbook

from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.services import access_log_record
from jingzhun.areas.selectors import area_names
from jingzhun.core.scope import SYSTEM
from jingzhun.core.uploads import Progress, rows_counted
from jingzhun.spreadsheets.writing import PrintedSheet, written_whole

from .models import Category, Finding, Source
from .selectors import GROUPINGS, area_codes_named, findings_for_user, ledger_rows, statistics, statistics_sum
from .services import department_label

Row = dict[str, Any]

TITLE = "督导问题整改台账"
GROUPING_TEXT = {"source": "问题来源", "category": "问题类别", "town": "责任乡镇", "department": "责任部门"}
NONE_TEXT = {"town": "（无责任乡镇）", "department": "（无责任部门）"}
SOURCE_TEXT = dict(Source.choices)
CATEGORY_TEXT = dict(Category.choices)
BORDERED_MAX = 20_000  # findings up to which the ledger's data cells are bordered
STATISTICS_HEADERS = ["分组", "发现问题数", "已整改销号", "未销号", "逾期问题数", "整改率（%）", "平均整改天数"]


@dataclass
class ExportOutcome:
    rows: int
    late: int
    path: Path
    log_target: str  # what the access log says of the export (logged now, or when the browser downloads it)
    log_detail: dict[str, Any]


def _on(value: dt.date | None, as_of: dt.date) -> dt.date | None:
    """A date as it stood on ``as_of``: one after it had not happened yet."""
    return value if value is not None and value <= as_of else None


def _parts(row: Row, as_of: dt.date) -> list[tuple[str, dt.date, dt.date | None]]:
    """The parts begun by ``as_of``: (乡镇/部门, due, done by ``as_of``); kept in the row once read."""
    if "parts" in row:
        return row["parts"]  # type: ignore[no-any-return]
    row["parts"] = [
        (label, row[f"{who}_due"], _on(row[f"{who}_done"], as_of))
        for who, label in (("town", "乡镇"), ("department", "部门"))
        if row[f"{who}_started"] is not None and row[f"{who}_started"] <= as_of
    ]
    return row["parts"]  # type: ignore[no-any-return]


def late_marks(row: Row, as_of: dt.date) -> list[str]:
    """What of a finding is or was late on ``as_of`` (empty: nothing): the statistics' test, row by row."""
    marks = []
    assigned = _on(row["assigned_on"], as_of)
    if assigned is None and row["assign_due"] < as_of:
        marks.append(f"交办逾期 {(as_of - row['assign_due']).days} 天（市级督办）")
    elif assigned is not None and assigned > row["assign_due"]:
        marks.append("逾期交办")
    for label, due, done in _parts(row, as_of):
        if done is None and due < as_of:
            marks.append(f"{label}整改逾期 {(as_of - due).days} 天（县级督办）")
        elif done is not None and done > due:
            marks.append(f"{label}逾期完成整改")
    return marks


def state_text(row: Row, as_of: dt.date) -> str:
    if _on(row["verified_on"], as_of):
        return "已销号"
    if _on(row["assigned_on"], as_of) is None:
        return "待交办"
    if all(done is not None for _label, _due, done in _parts(row, as_of)):
        return "待核验"
    return "整改中"


def _due(row: Row, as_of: dt.date) -> dt.date | None:
    dues = [due for _label, due, _done in _parts(row, as_of)]
    return max(dues) if dues else None


def _columns(names: dict[str, str], as_of: dt.date) -> list[tuple[str, int, Callable[[Row], Any]]]:
    def done(who: str) -> Callable[[Row], Any]:
        return lambda r: _on(r[f"{who}_done"], as_of) if r[f"{who}_started"] and r[f"{who}_started"] <= as_of else None

    return [
        ("序号", 6, lambda r: r["serial"]),
        ("问题编号", 16, lambda r: r["number"]),
        ("问题来源", 10, lambda r: SOURCE_TEXT.get(r["source"], r["source"])),
        ("发现日期", 12, lambda r: r["found_on"]),
        ("发现地点", 16, lambda r: names.get(r["area_code"], r["area_code"])),
        ("户编号", 20, lambda r: r["household_no"] or ""),
        ("问题类别", 10, lambda r: CATEGORY_TEXT.get(r["category"], r["category"])),
        ("问题描述", 40, lambda r: r["description"]),
        ("责任乡镇", 14, lambda r: names.get(r["town_code"], r["town_code"])),
        ("责任部门", 14, lambda r: department_label(r["department"])),
        ("交办日期", 12, lambda r: _on(r["assigned_on"], as_of)),
        ("整改期限", 12, lambda r: _due(r, as_of)),
        ("乡镇整改完成日期", 12, done("town")),
        ("部门整改完成日期", 12, done("department")),
        ("核验销号日期", 12, lambda r: _on(r["verified_on"], as_of)),
        ("整改状态", 10, lambda r: state_text(r, as_of)),
        ("逾期情况", 30, lambda r: "；".join(r["marks"])),
    ]


def statistics_tables(*, findings: QuerySet[Finding], as_of: dt.date) -> list[dict[str, Any]]:
    """The statistics of ``findings`` on ``as_of`` by each grouping, labelled in Chinese, with the total:
    ``[{"by", "title", "rows", "total"}]``. One query per grouping."""
    tables = []
    for by in GROUPINGS:
        rows = labelled(by, statistics(findings=findings, by=by, as_of=as_of))
        tables.append({"by": by, "title": GROUPING_TEXT[by], "rows": rows, "total": statistics_sum(rows)})
    return tables


def labelled(by: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Statistics rows of a grouping with their ``label``: the source's or category's Chinese name, the town's
    name, the department's name (§2 keys) or as entered; a finding without that assignee under （无…）."""
    codes = [row["key"] for row in rows if row["key"]] if by == "town" else []
    towns = area_names(codes=codes) if codes else {}
    for row in rows:
        row["label"] = _label(by, row["key"], towns)
    return rows


def _label(by: str, key: str, towns: dict[str, str]) -> str:
    if not key:
        return NONE_TEXT.get(by, "")
    if by == "source":
        return SOURCE_TEXT.get(key, key)
    if by == "category":
        return CATEGORY_TEXT.get(key, key)
    if by == "town":
        return towns.get(key, key)
    return department_label(key)


def _figures(row: dict[str, Any]) -> list[Any]:
    return [row["found"], row["rectified"], row["open"], row["late"], row["rate"], row["average_days"]]


def unit_name(area_prefix: str) -> str:
    """The reporting unit of a scope: its area's name (全部区划 for the whole database)."""
    if not area_prefix:
        return "全部区划"
    code = area_prefix.ljust(12, "0")
    return area_names(codes=[code]).get(code, code)


def findings_ledger_export(
    *,
    path: Path,
    as_of: dt.date,
    area_prefix: str = "",
    user: Any = None,
    statistics_sheet: bool = True,
    progress: Progress | None = None,
    log: bool = True,
) -> ExportOutcome:
    """Write the rectification ledger of the findings ``user`` sees (the command line: every finding) under
    ``area_prefix`` on ``as_of`` to ``path`` (.xlsx), with the statistics sheet, reporting ``progress(rows
    written, total)``; logged as an export (unless ``log`` is false: the browser logs each download)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"只能导出为 .xlsx：{path.name}")
    findings = findings_for_user(user=SYSTEM if user is None else user)
    if area_prefix:
        findings = findings.filter(area_code__startswith=area_prefix)
    unit = unit_name(area_prefix)
    names = area_names(codes=area_codes_named(findings=findings))
    columns = _columns(names, as_of)
    workbook = Workbook(write_only=True)
    try:
        count, late = _ledger_sheet(
            workbook, findings=findings, unit=unit, as_of=as_of, columns=columns, progress=progress
        )
        if statistics_sheet:
            _statistics_sheet(workbook, unit=unit, as_of=as_of, findings=findings)
        with written_whole(path) as tmp:
            workbook.save(tmp)
    except BaseException:
        _abandon(workbook)
        raise
    outcome = ExportOutcome(
        rows=count,
        late=late,
        path=path,
        log_target=f"findings:{area_prefix or '*'}",
        log_detail={"file": str(path), "rows": count, "as_of": as_of.isoformat()},
    )
    if log:
        access_log_record(
            user=user, action=AccessLog.Action.EXPORT, target=outcome.log_target, detail=outcome.log_detail
        )
    return outcome


def _ledger_sheet(
    workbook: Workbook,
    *,
    findings: QuerySet[Finding],
    unit: str,
    as_of: dt.date,
    columns: list[tuple[str, int, Callable[[Row], Any]]],
    progress: Progress | None = None,
) -> tuple[int, int]:
    """The ledger sheet; (findings, late findings)."""
    # Borders on every data cell cost openpyxl's slow path (half as long again, bench/README.md): a county's
    # ledger of a few thousand findings gets them, a whole database's of tens of thousands goes without.
    total = findings.filter(found_on__lte=as_of).count()
    bordered = total <= BORDERED_MAX
    sheet = PrintedSheet(
        workbook, "整改台账", widths=[w for _h, w, _v in columns], header_row=3, freeze="C4", bordered=bordered
    )
    sheet.title(f"{unit}{TITLE}")
    sheet.note(["填报单位", unit, "", "截至日期", as_of])
    sheet.header(header for header, _w, _v in columns)
    count = verified = late = 0
    for row in rows_counted(ledger_rows(findings=findings, as_of=as_of), total=total, progress=progress):
        count += 1
        row["serial"] = count
        row["marks"] = late_marks(row, as_of)
        late += bool(row["marks"])
        verified += _on(row["verified_on"], as_of) is not None
        sheet.append(value(row) for _h, _w, value in columns)
    sheet.note(["合计", f"发现问题 {count} 个", f"已整改销号 {verified} 个", f"逾期 {late} 个"])
    return count, late


def _abandon(workbook: Workbook) -> None:
    """Close the streamed sheets of a workbook that will not be saved: a sheet left open writes its end into its
    temporary file when collected, after that file is gone (an error logged for nothing)."""
    for sheet in workbook.worksheets:
        with contextlib.suppress(Exception):  # already closed, or never written
            sheet.close()


def _statistics_sheet(workbook: Workbook, *, unit: str, as_of: dt.date, findings: QuerySet[Finding]) -> None:
    sheet = PrintedSheet(workbook, "分类统计", widths=[24, 12, 12, 10, 12, 12, 14], header_row=3)
    sheet.title(f"{unit}督导问题整改情况统计表")
    sheet.note(["填报单位", unit, "截至日期", as_of])
    first = True
    for table in statistics_tables(findings=findings, as_of=as_of):
        headers = [f"按{table['title']}", *STATISTICS_HEADERS[1:]]
        if first:
            sheet.header(headers)
            first = False
        else:
            sheet.note([])
            sheet.append(headers)
        for row in table["rows"]:
            sheet.append([row["label"], *_figures(row)])
        sheet.append(["合计", *_figures(table["total"])])
