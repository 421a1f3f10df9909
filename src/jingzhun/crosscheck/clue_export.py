"""The comparison clues as a workbook (数据比对疑点线索台账): the clues a user sees, filtered as on the clue list,
with their state, the department's feedback (sent back on, deadline, answer, late mark) and the review's answer.

Streamed through :class:`~jingzhun.spreadsheets.writing.PrintedSheet` (write-only), written whole or not at all,
and recorded in the access log like every export. ID numbers are shown as the user may see them (masked unless
the account has the right; the command line's export is masked too).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone
from openpyxl import Workbook

from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.selectors import id_number_shown
from jingzhun.accounts.services import access_log_record
from jingzhun.core.scope import SYSTEM
from jingzhun.core.uploads import Progress, rows_counted
from jingzhun.spreadsheets.writing import PrintedSheet, sheet_rows_check, written_whole

from .models import Clue, Department, FeedbackState
from .rules import INTERNAL, VARIANT_TEXT
from .selectors import clues_for_user
from .services import FEEDBACK_TEXT, STATE_TEXT, feedback_late_days

TITLE = "数据比对疑点线索台账"
DEPARTMENT_TEXT = {**dict(Department.choices), INTERNAL: "内部比对"}


@dataclass
class ClueExportOutcome:
    rows: int
    late: int
    path: Path
    log_target: str  # what the access log says of the export (logged now, or when the browser downloads it)
    log_detail: dict[str, Any]


def _late_text(clue: Clue, today: dt.date) -> str:
    days = feedback_late_days(clue=clue, today=today)
    if not days:
        return ""
    if clue.feedback_state == FeedbackState.ANSWERED:
        return f"逾期 {days} 天反馈"
    return f"已逾期 {days} 天未反馈"


def _columns(user: Any, today: dt.date) -> list[tuple[str, int, Callable[[Clue], Any]]]:
    return [
        ("序号", 6, lambda c: c.serial),  # type: ignore[attr-defined]
        ("规则", 30, lambda c: c.get_rule_display()),
        ("方向", 14, lambda c: VARIANT_TEXT.get(c.variant, "")),
        ("部门", 12, lambda c: DEPARTMENT_TEXT.get(c.department, c.department)),
        ("户编号", 20, lambda c: c.household.household_no),
        ("村", 14, lambda c: c.household.village.name),
        ("成员", 10, lambda c: c.member.name if c.member else ""),
        ("证件号码", 20, lambda c: id_number_shown(user=user, id_number=c.id_number)),
        ("线索", 40, lambda c: c.detail),
        ("台账情况", 20, lambda c: c.registry_value),
        ("部门数据", 20, lambda c: c.department_value),
        ("比对日期", 12, lambda c: c.last_run.as_of),
        ("状态", 12, lambda c: STATE_TEXT.get(c.state, c.state)),
        ("部门反馈", 12, lambda c: FEEDBACK_TEXT.get(c.feedback_state, c.feedback_state)),
        ("退回日期", 12, lambda c: c.feedback_sent_on),
        ("反馈期限", 12, lambda c: c.feedback_due),
        ("反馈日期", 12, lambda c: c.feedback_answered_on),
        ("部门核实情况", 40, lambda c: c.feedback_answer),
        ("逾期情况", 16, lambda c: _late_text(c, today)),
        ("核实结果说明", 40, lambda c: c.answer),
    ]


def clues_export(
    *,
    path: Path,
    user: Any = None,
    area_prefix: str = "",
    rule: str = "",
    department: str = "",
    state: str = "open",
    village: str = "",
    progress: Progress | None = None,
    log: bool = True,
) -> ClueExportOutcome:
    """Write the clues ``user`` sees (the command line: every clue) under ``area_prefix``, filtered as on the clue
    list (``state``: a clue state, ``open`` or ``all``), to ``path`` (.xlsx), reporting ``progress(rows written,
    total)``; logged as an export (unless ``log`` is false: the browser logs each download)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"只能导出为 .xlsx：{path.name}")
    clues = clues_for_user(
        user=SYSTEM if user is None else user, rule=rule, department=department, state=state, village=village
    )
    if area_prefix:
        clues = clues.filter(village_code__startswith=area_prefix)
    clues = clues.select_related("member", "last_run").order_by("rule", "id")
    today = timezone.localdate()
    columns = _columns(user, today)
    workbook = Workbook(write_only=True)
    count = late = 0
    try:
        sheet = PrintedSheet(workbook, "线索", widths=[w for _h, w, _v in columns], header_row=3, freeze="C4")
        sheet.title(TITLE)
        sheet.note(["导出日期", today, "", "范围", area_prefix or "全部区划"])
        sheet.header(header for header, _w, _v in columns)
        total = clues.count() if progress else 0
        sheet_rows_check(total)
        for clue in rows_counted(clues.iterator(chunk_size=2000), total=total, progress=progress):
            count += 1
            clue.serial = count  # type: ignore[attr-defined]
            late += bool(feedback_late_days(clue=clue, today=today))
            sheet.append(value(clue) for _h, _w, value in columns)
        sheet.note(["合计", f"线索 {count} 条", f"部门反馈逾期 {late} 条"])
        with written_whole(path) as tmp:
            workbook.save(tmp)
    except BaseException:
        for open_sheet in workbook.worksheets:
            with contextlib.suppress(Exception):
                open_sheet.close()
        raise
    outcome = ClueExportOutcome(
        rows=count,
        late=late,
        path=path,
        log_target=f"clues:{area_prefix or '*'}",
        log_detail={
            "file": str(path),
            "rows": count,
            "filters": {"rule": rule, "department": department, "state": state, "village": village},
        },
    )
    if log:
        access_log_record(
            user=user, action=AccessLog.Action.EXPORT, target=outcome.log_target, detail=outcome.log_detail
        )
    return outcome
