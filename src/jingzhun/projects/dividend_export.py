"""A distribution's dividend list (差异化分红名单) as the workbook offices print and post: a title row, the project,
unit (元) and date, the header 户编号 / 户主 / 分层分类 / 权重 / 分红金额 / 说明, one row per household the user may
see, and the total row. Streamed, written whole or not at all, and recorded in the access log as an export.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import Case, OuterRef, Subquery, When
from openpyxl import Workbook

from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.services import access_log_record
from jingzhun.core.uploads import Progress, rows_counted
from jingzhun.registry.models import Member
from jingzhun.registry.vocab import Relation
from jingzhun.spreadsheets.writing import PrintedSheet, Shown, written_whole

from .dividend_selectors import TIER_WORD, shares_for_user
from .models import Distribution

HEADERS = [("户编号", 22), ("户主", 12), ("分层分类", 14), ("权重", 8), ("分红金额", 14), ("说明", 36)]
MONEY_FORMAT = "#,##0.00"


@dataclass
class ExportOutcome:
    rows: int
    total: Decimal
    path: Path
    log_target: str  # what the access log says of the export (logged now, or when the browser downloads it)
    log_detail: dict[str, Any]


def head_name() -> Subquery:
    """The head of the share's household (or its first registered member, when the head has died)."""
    members = Member.objects.filter(household=OuterRef("household_id"))
    return Subquery(members.order_by(Case(When(relation=Relation.HEAD, then=0), default=1), "id").values("name")[:1])


def distribution_list_export(
    *,
    path: Path,
    distribution: Distribution,
    user: Any,
    today: dt.date,
    progress: Progress | None = None,
    log: bool = True,
) -> ExportOutcome:
    """Write the dividend list of ``distribution`` — the households ``user`` may see — to ``path`` (.xlsx),
    reporting ``progress(rows written, total)``; logged (unless ``log`` is false: the browser logs each
    download)."""
    path = Path(path)
    project = distribution.project
    workbook = Workbook(write_only=True)
    count, total = 0, Decimal(0)
    try:
        sheet = PrintedSheet(workbook, "分红名单", widths=[w for _h, w in HEADERS], header_row=3, freeze="B4")
        sheet.title(f"{project.name}{distribution.year}年度差异化分红名单")
        sheet.note([f"项目编号：{project.code}", "", "单位：元", "", "日期", today])
        sheet.header(h for h, _w in HEADERS)
        shares = shares_for_user(user=user, distribution=distribution)
        rows = shares.annotate(head=head_name()).values_list(
            "household_no", "head", "tier", "weight", "share", "reason"
        )
        total_rows = shares.count() if progress else 0
        for household_no, head, tier, weight, share, reason in rows_counted(
            rows.iterator(chunk_size=2000), total=total_rows, progress=progress
        ):
            count += 1
            total += share
            sheet.append(
                [
                    household_no,
                    head or "",
                    TIER_WORD.get(tier, ""),
                    weight.normalize(),
                    Shown(share, MONEY_FORMAT),
                    reason,
                ]
            )
        sheet.append(["合计", f"{count} 户", "", "", Shown(total, MONEY_FORMAT), ""])
        if count < distribution.households:
            sheet.append(
                [
                    "全项目",
                    f"{distribution.households} 户",
                    "",
                    "",
                    Shown(distribution.distributable, MONEY_FORMAT),
                    "含辖区外的户",
                ]
            )
        with written_whole(path) as tmp:
            workbook.save(tmp)
    except BaseException:
        for open_sheet in workbook.worksheets:
            with contextlib.suppress(Exception):
                open_sheet.close()
        raise
    outcome = ExportOutcome(
        rows=count,
        total=total,
        path=path,
        log_target=f"dividends:{distribution.pk}",
        log_detail={"file": path.name, "rows": count, "project": project.code, "year": distribution.year},
    )
    if log:
        access_log_record(
            user=user, action=AccessLog.Action.EXPORT, target=outcome.log_target, detail=outcome.log_detail
        )
    return outcome
