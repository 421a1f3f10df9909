"""The project library written out, in two layouts.

- :func:`library_file_export` — ``jingzhun export projects FILE``: exactly the import's layout (docs/LEDGER.md §4),
  a workbook with sheets 项目 and 受益户 or a CSV pair ``<stem>.csv`` + ``<stem>.beneficiaries.csv``, so that
  exporting and importing the file again changes nothing (a round trip).
- :func:`library_office_export` — the office's Excel table of the project library (项目库台账): a merged title
  row with the area's name, the unit (元) and the date, Chinese headers, one row per project and a totals row;
  filtered by year, stage, type and level.

Both stream their rows (write-only openpyxl through :class:`~jingzhun.spreadsheets.writing.PrintedSheet`, or CSV),
write the file whole or not at all, and record the export in the access log. Beneficiary households are people
data: a user's export lists (and counts) only the households of their own scope.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from openpyxl import Workbook

from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.services import access_log_record
from jingzhun.areas.selectors import area_names
from jingzhun.core.scope import SYSTEM, scope_prefix, scoped
from jingzhun.core.uploads import Progress, rows_counted
from jingzhun.spreadsheets.writing import PrintedSheet, csv_file, csv_row, written_whole

from .models import Beneficiary, Project, ProjectKind, ProjectLevel, Stage
from .projects_import import (
    BENEFICIARY_COLUMNS,
    BENEFICIARY_SHEET,
    PROJECT_COLUMNS,
    PROJECT_SHEET,
    beneficiaries_path_for,
    ways_text,
)
from .selectors import projects_for_user

KIND_TEXT = dict(ProjectKind.choices)
LEVEL_TEXT = dict(ProjectLevel.choices)
STAGE_TEXT = dict(Stage.choices)
PROJECT_FIELDS = ("code", "name", "kind", "level", "area_id", "year", "planned_investment", "stage", "operator")
BENEFICIARY_FIELDS = (
    "project__code",
    "household__household_no",
    "by_dividend",
    "by_work",
    "by_land",
    "by_other",
    "refused_post",
    "refusal_reason",
)
FILE_WIDTHS = {PROJECT_SHEET: (18, 30, 10, 10, 16, 8, 14, 10, 24), BENEFICIARY_SHEET: (18, 22, 20, 10, 30)}


@dataclass
class LibraryExportOutcome:
    projects: int
    beneficiaries: int
    paths: list[Path]
    log_target: str = ""  # what the access log says of the office table (logged now, or when the browser downloads it)
    log_detail: dict[str, Any] = field(default_factory=dict)


def _projects(user: Any, area_prefix: str) -> QuerySet[Project]:
    """The projects of the file: those inside the user's own scope (the file is for changing them; the
    projects above it are not the user's to import), under ``area_prefix``."""
    projects = scoped(Project.objects.all(), user, "area__code")
    if area_prefix:
        projects = projects.filter(area__code__startswith=area_prefix)
    return projects.order_by("code")


def _beneficiaries(user: Any, projects: QuerySet[Project]) -> QuerySet[Beneficiary]:
    rows = Beneficiary.objects.filter(project__in=projects.values("pk"))
    return scoped(rows, user, "household__village__code", household="household").order_by(
        "project__code", "household__household_no"
    )


def _project_cells(row: tuple[Any, ...]) -> list[Any]:
    code, name, kind, level, area, year, investment, stage, operator = row
    return [code, name, KIND_TEXT[kind], LEVEL_TEXT[level], area, year, investment, STAGE_TEXT[stage], operator]


def _beneficiary_cells(row: tuple[Any, ...]) -> list[Any]:
    code, household_no, dividend, work, land, other, refused, reason = row
    flags = {"by_dividend": dividend, "by_work": work, "by_land": land, "by_other": other}
    return [code, household_no, ways_text(flags), "是" if refused else "否", reason]


def library_file_export(*, path: Path, user: Any = SYSTEM, area_prefix: str = "") -> LibraryExportOutcome:
    """Write the project library in the import's layout (.xlsx with sheets 项目 and 受益户, or .csv: the
    projects to ``path`` and the beneficiaries to ``<stem>.beneficiaries.csv``); logged as an export."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError(f"只能导出为 .xlsx 或 .csv：{path.name}")
    projects = _projects(user, area_prefix)
    beneficiaries = _beneficiaries(user, projects)
    project_rows = (_project_cells(r) for r in projects.values_list(*PROJECT_FIELDS).iterator(chunk_size=2000))
    beneficiary_rows = (
        _beneficiary_cells(r) for r in beneficiaries.values_list(*BENEFICIARY_FIELDS).iterator(chunk_size=2000)
    )
    project_headers = [c.header for c in PROJECT_COLUMNS]
    beneficiary_headers = [c.header for c in BENEFICIARY_COLUMNS]
    if suffix == ".xlsx":
        paths = [path]
        counts = _workbook(
            path,
            [
                (PROJECT_SHEET, project_headers, project_rows),
                (BENEFICIARY_SHEET, beneficiary_headers, beneficiary_rows),
            ],
        )
    else:
        other = beneficiaries_path_for(path)
        paths = [path, other]
        counts = [_csv(path, project_headers, project_rows), _csv(other, beneficiary_headers, beneficiary_rows)]
    access_log_record(
        user=None if user is SYSTEM else user,
        action=AccessLog.Action.EXPORT,
        target=f"projects:{area_prefix or scope_prefix(user) or '*'}",
        detail={"file": str(path), "projects": counts[0], "beneficiaries": counts[1]},
    )
    return LibraryExportOutcome(projects=counts[0], beneficiaries=counts[1], paths=paths)


def _workbook(path: Path, sheets: list[tuple[str, list[str], Any]]) -> list[int]:
    workbook = Workbook(write_only=True)
    counts = []
    try:
        for title, headers, rows in sheets:
            sheet = PrintedSheet(workbook, title, widths=FILE_WIDTHS[title])
            sheet.header(headers)
            count = 0
            for row in rows:
                sheet.append([_apostrophe(v) for v in row])
                count += 1
            counts.append(count)
        with written_whole(path) as tmp:
            workbook.save(tmp)
    except BaseException:
        _abandon(workbook)
        raise
    return counts


def _apostrophe(value: Any) -> Any:
    """Text that starts with an apostrophe gets one more, as in CSV (:func:`~jingzhun.spreadsheets.cells.
    neutralise_formula`): the import takes an apostrophe before formula-like text off, so ``'=x`` written as it is
    would be read back as ``=x``. (Formula-like text itself is stored with Excel's quote prefix.)"""
    return "'" + value if isinstance(value, str) and value.startswith("'") else value


def _csv(path: Path, headers: list[str], rows: Any) -> int:
    count = 0
    with csv_file(path, bom=True) as stream:
        writer = csv.writer(stream)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(csv_row(row))
            count += 1
    return count


def _abandon(workbook: Workbook) -> None:
    """Close the streamed sheets of a workbook that will not be saved (see supervision's ledger export)."""
    for sheet in workbook.worksheets:
        with contextlib.suppress(Exception):
            sheet.close()


# --- the office's table ------------------------------------------------------------------------------------------

OFFICE_COLUMNS: list[tuple[str, int]] = [
    ("序号", 6),
    ("项目编号", 16),
    ("项目名称", 30),
    ("项目类型", 10),
    ("项目级别", 10),
    ("所属区划", 16),
    ("年度", 8),
    ("计划投资（元）", 16),
    ("项目状态", 10),
    ("运营主体", 20),
    ("责任单位", 20),
    ("受益户数", 10),
]


@dataclass(frozen=True)
class LibraryFilters:
    year: int | None = None
    stage: str = ""
    kind: str = ""
    level: str = ""

    def text(self) -> str:
        """The filters as the title's subtitle says them ("" for none)."""
        parts = []
        if self.year:
            parts.append(f"{self.year}年度")
        if self.level:
            parts.append(LEVEL_TEXT.get(self.level, self.level))
        if self.kind:
            parts.append(KIND_TEXT.get(self.kind, self.kind))
        if self.stage:
            parts.append(STAGE_TEXT.get(self.stage, self.stage))
        return "、".join(parts)


def library_rows(*, user: Any, filters: LibraryFilters) -> QuerySet[Project]:
    """The projects the user sees (their area's and, read-only, those of the town and county above), filtered,
    each with ``households``: its beneficiary households inside the user's scope."""
    projects = projects_for_user(user=user)
    if filters.year:
        projects = projects.filter(year=filters.year)
    if filters.stage:
        projects = projects.filter(stage=filters.stage)
    if filters.kind:
        projects = projects.filter(kind=filters.kind)
    if filters.level:
        projects = projects.filter(level=filters.level)
    households = (
        scoped(
            Beneficiary.objects.filter(project=OuterRef("pk")), user, "household__village__code", household="household"
        )
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return projects.annotate(households=Coalesce(Subquery(households, output_field=IntegerField()), Value(0))).order_by(
        "area__code", "year", "code"
    )


def unit_name(user: Any) -> str:
    """The reporting unit: the name of the user's area (全部区划 for the command line)."""
    prefix = scope_prefix(user)
    if not prefix:
        return "全部区划"
    code = prefix.ljust(12, "0")
    return area_names(codes=[code]).get(code, code)


def library_office_export(
    *,
    path: Path,
    user: Any,
    filters: LibraryFilters,
    today: dt.date,
    progress: Progress | None = None,
    log: bool = True,
) -> LibraryExportOutcome:
    """Write the office's project library table of what ``user`` sees to ``path`` (.xlsx), reporting
    ``progress(rows written, total)``; logged as an export (unless ``log`` is false: the browser logs each
    download)."""
    path = Path(path)
    unit = unit_name(user)
    workbook = Workbook(write_only=True)
    count, total, households = 0, Decimal("0.00"), 0
    try:
        sheet = PrintedSheet(workbook, "项目库", widths=[w for _h, w in OFFICE_COLUMNS], header_row=3, freeze="C4")
        subtitle = filters.text()
        sheet.title(f"{unit}巩固拓展脱贫攻坚成果和乡村振兴项目库" + (f"（{subtitle}）" if subtitle else ""))
        sheet.sheet.merged_cells.add(f"A1:{_letter(len(OFFICE_COLUMNS))}1")
        sheet.note(["填报单位：", unit, "", "单位：元", "", "", "导出日期：", today])
        sheet.header(h for h, _w in OFFICE_COLUMNS)
        projects = library_rows(user=user, filters=filters)
        rows = projects.values_list(  # type: ignore[misc]  # "households" is annotated
            "code",
            "name",
            "kind",
            "level",
            "area__name",
            "year",
            "planned_investment",
            "stage",
            "operator",
            "responsible_unit",
            "households",
        )
        total_rows = projects.count() if progress else 0
        for code, name, kind, level, area, year, investment, stage, operator, unit_text, n in rows_counted(
            rows.iterator(chunk_size=2000), total=total_rows, progress=progress
        ):
            count += 1
            total += investment
            households += n
            sheet.append(
                [
                    count,
                    code,
                    name,
                    KIND_TEXT[kind],
                    LEVEL_TEXT[level],
                    area,
                    year,
                    investment,
                    STAGE_TEXT[stage],
                    operator,
                    unit_text,
                    n,
                ]
            )
        sheet.append(["合计", f"{count} 个项目", "", "", "", "", "", total, "", "", "", households])
        with written_whole(path) as tmp:
            workbook.save(tmp)
    except BaseException:
        _abandon(workbook)
        raise
    outcome = LibraryExportOutcome(
        projects=count,
        beneficiaries=households,
        paths=[path],
        log_target=f"project-library:{scope_prefix(user) or '*'}",
        log_detail={
            "file": path.name,
            "projects": count,
            "filters": {k: v for k, v in vars(filters).items() if v},
        },
    )
    if log:
        access_log_record(
            user=None if user is SYSTEM else user,
            action=AccessLog.Action.EXPORT,
            target=outcome.log_target,
            detail=outcome.log_detail,
        )
    return outcome


def _letter(number: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(number)
