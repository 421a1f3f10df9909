"""Importing the project library (项目库, docs/LEDGER.md §4): ``jingzhun import projects FILE`` and the browser's
upload of the same file, set-based.

The file is a workbook with two sheets, 项目 (one row per project) and 受益户 (one row per beneficiary household),
or two CSV files ``<stem>.csv`` and ``<stem>.beneficiaries.csv`` (the command names the first). A workbook without
a 受益户 sheet, or a CSV file without its beneficiaries file beside it, changes no beneficiary list (a warning
says so).

1. Both sheets are streamed once: each row's cells are parsed in Python (the only per-row work) and the typed row
   goes to a temporary staging table; a row with a bad cell is staged too, marked, so that its project is
   rejected whole.
2. Every other check is a query over the staging tables: 项目编号 unique in the file; 区划代码 an area of the
   project's level inside the user's scope; a known project inside the user's scope and its stage not moving
   backwards; each 受益户 row's project (in the file or inside the user's scope) and household (a registered
   household the user may see, :func:`~jingzhun.registry.selectors.households_for_user`); one row per project and
   household; no household removed from a project that has already paid it a dividend.
3. **A project is imported whole or not at all**: an error in its 项目 row or in any of its 受益户 rows rejects
   the project and all its rows; the report names each problem (sheet, row, column, reason) and marks the
   project's other rows as not imported because of it.
4. The accepted projects are written with a handful of statements: ``INSERT … SELECT`` for new projects and new
   beneficiaries, ``UPDATE … FROM`` for changed ones, one ``DELETE`` for the beneficiaries the file drops.

What the import decides:

- A new project is created at the stage of its row; the stage's date field (``models.STAGE_DATE_FIELD``) is the
  import date.
- A known project is updated field by field. Its stage may move forward along 申报 → 立项 → 开工 → 完工 → 验收 →
  运营, or to 终止 from any stage before 运营; never backwards (the error names both stages). 立项 and 终止 are
  the county's, as in the browser: a town imports new projects as 申报, and never approves or terminates one. Reaching a new stage
  sets that stage's date to the import date when it is empty.
- Each project created or changed gets one :class:`~jingzhun.projects.models.ProjectStep` with the action
  ``import``: from and to stage, and in ``data`` the fields changed (``{field: [old, new]}``) and how many
  beneficiary households were added, changed or removed — counts only, since a county project's steps are seen
  by every town it serves and the households are people data.
- For a project with rows in 受益户, the file's rows become its beneficiary list: households not in the file are
  removed — only those inside the user's own scope (a household the user cannot see is neither shown nor
  touched) — unless a dividend of the project already included the household, which rejects the project.
  A project without rows in 受益户 keeps its beneficiaries.

Importing the same file twice changes nothing the second time (every project counted unchanged). The whole file
is one transaction, recorded as an :class:`~jingzhun.registry.models.ImportBatch` of kind ``projects``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.accounts.services import access_log_record
from jingzhun.areas.models import Level
from jingzhun.core.scope import SYSTEM, account_of, scope_prefix
from jingzhun.core.sql import create_temp_table, drop_temp_tables, insert_rows
from jingzhun.core.sql import quoted as q
from jingzhun.registry.models import Household, ImportBatch
from jingzhun.registry.selectors import households_for_user
from jingzhun.spreadsheets.cells import (
    CellError,
    Column,
    decimal_parser,
    enum_parser,
    text_parser,
    village_code_parser,
    year_parser,
    yes_no_parser,
)
from jingzhun.spreadsheets.reading import (
    Table,
    UnusableFile,
    clean_cell,
    header_positions,
    open_table,
    xlsx_sheet_names,
)
from jingzhun.spreadsheets.report import report_path_for, write_report

from .models import (
    STAGE_DATE_FIELD,
    STAGE_ORDER,
    Beneficiary,
    Distribution,
    Project,
    ProjectKind,
    ProjectLevel,
    ProjectStep,
    Share,
    Stage,
)

PROJECT_SHEET, BENEFICIARY_SHEET = "项目", "受益户"
BENEFICIARY_SUFFIX = ".beneficiaries.csv"
IMPORT_ACTION = "import"
CHUNK_ROWS = 2000
P_STAGE, B_STAGE, ERRORS = "jz_proj_stage", "jz_proj_benef_stage", "jz_proj_errors"
ACCEPTED, CHANGED = "jz_proj_accepted", "jz_proj_changed"
TEMP_TABLES = (P_STAGE, B_STAGE, ERRORS, ACCEPTED, CHANGED)
REPORT_HEADERS = ("工作表", "行号", "项目编号", "列", "值", "原因")
REPORT_WIDTHS = (8, 8, 18, 12, 24, 70)

Progress = Callable[[int, int], None]
Problem = tuple[str, str, str]  # (column header, the cell as written, reason)

# The ledger's words are the models' choice labels (docs/LEDGER.md §4).
KIND_WORDS = {str(c.label): c.value for c in ProjectKind}
LEVEL_WORDS = {str(c.label): c.value for c in ProjectLevel}
STAGE_WORDS = {str(c.label): c.value for c in Stage}
STAGE_WORD = {code: word for word, code in STAGE_WORDS.items()}
LEVEL_WORD = {code: word for word, code in LEVEL_WORDS.items()}
AREA_LEVEL_WORD = {Level.COUNTY.value: "县", Level.TOWN.value: "乡镇", Level.VILLAGE.value: "村"}
# 受益方式, in the order the export writes them, and the flag each sets.
WAYS = {"分红": "by_dividend", "务工": "by_work", "土地流转": "by_land", "其他": "by_other"}
WAY_SEPARATOR = "、"
REASON_MAX = 500


def _required(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def required(text: str) -> Any:
        if not text:
            raise CellError("不能为空")
        return parse(text)

    return required


def ways_parser(text: str) -> tuple[str, ...]:
    """受益方式: one or more of 分红、务工、土地流转、其他 joined by 、 → the flags they set (in the order of WAYS)."""
    if not text:
        raise CellError("不能为空")
    words = [word.strip() for word in text.split(WAY_SEPARATOR)]
    unknown = [word for word in words if word not in WAYS]
    if unknown:
        raise CellError(f"“{unknown[0] or text}”不是可选值，应为：{'、'.join(WAYS)}（多种方式用“{WAY_SEPARATOR}”分隔）")
    return tuple(flag for word, flag in WAYS.items() if word in words)


def ways_text(flags: dict[str, bool]) -> str:
    """The 受益方式 cell of a beneficiary's flags, as the export writes it."""
    return WAY_SEPARATOR.join(word for word, flag in WAYS.items() if flags.get(flag))


PROJECT_COLUMNS = (
    Column("项目编号", "code", "project", text_parser(40, required=True), required_header=True),
    Column("项目名称", "name", "project", text_parser(200, required=True), required_header=True),
    Column(
        "项目类型", "kind", "project", enum_parser(KIND_WORDS, required=True), required_header=True, choices=KIND_WORDS
    ),
    Column(
        "项目级别",
        "level",
        "project",
        enum_parser(LEVEL_WORDS, required=True),
        required_header=True,
        choices=LEVEL_WORDS,
    ),
    Column("区划代码", "area_code", "project", village_code_parser, required_header=True),
    Column("年度", "year", "project", _required(year_parser), required_header=True),
    Column("计划投资", "planned_investment", "project", _required(decimal_parser()), required_header=True),
    Column(
        "项目状态",
        "stage",
        "project",
        enum_parser(STAGE_WORDS, required=True),
        required_header=True,
        choices=STAGE_WORDS,
    ),
    Column("运营主体", "operator", "project", text_parser(200), required_header=True),
)
BENEFICIARY_COLUMNS = (
    Column("项目编号", "code", "beneficiary", text_parser(40, required=True), required_header=True),
    Column("户编号", "household_no", "beneficiary", text_parser(40, required=True), required_header=True),
    Column("受益方式", "ways", "beneficiary", ways_parser, required_header=True),
    Column("拒绝岗位", "refused_post", "beneficiary", yes_no_parser(default=False)),
    Column("拒绝原因", "refusal_reason", "beneficiary", text_parser(REASON_MAX)),
)
HEADER_OF = {c.field: c.header for c in PROJECT_COLUMNS}
# The project fields an import sets, compared field by field for a known project.
PROJECT_FIELDS = ("name", "kind", "level", "area_code", "year", "planned_investment", "stage", "operator")
FLAGS = tuple(WAYS.values())

P_COLUMNS = (
    ("row_no", "integer PRIMARY KEY"),
    ("code", "varchar(40)"),
    ("name", "varchar(200)"),
    ("kind", "varchar(20)"),
    ("level", "varchar(10)"),
    ("area_code", "varchar(12)"),
    ("year", "integer"),
    ("planned_investment", "numeric(14, 2)"),
    ("stage", "varchar(20)"),
    ("operator", "varchar(200)"),
    ("bad", "boolean"),
)
B_COLUMNS = (
    ("row_no", "integer PRIMARY KEY"),
    ("code", "varchar(40)"),
    ("household_no", "varchar(40)"),
    ("by_dividend", "boolean"),
    ("by_work", "boolean"),
    ("by_land", "boolean"),
    ("by_other", "boolean"),
    ("refused_post", "boolean"),
    ("refusal_reason", "varchar(500)"),
    ("bad", "boolean"),
    ("household_id", "bigint"),
    ("project_id", "bigint"),
)
STEP_COLUMNS = ("project_id", "action", "from_stage", "to_stage", "on", "by_id", "actor", "note", "data", "recorded_at")


@dataclass
class ProjectImportOutcome:
    batch_id: int | None = None
    rows: int = 0  # rows of 项目
    beneficiary_rows: int = 0  # rows of 受益户
    projects: int = 0  # projects named by the file (either sheet)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0  # projects rejected whole
    rows_rejected: int = 0  # rows of either sheet not imported
    beneficiaries_added: int = 0
    beneficiaries_changed: int = 0
    beneficiaries_removed: int = 0
    errors: int = 0
    unknown_headers: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)
    report_path: Path | None = None
    timings: list[float] = field(default_factory=list)  # seconds: read, check and write, report

    @property
    def exit_code(self) -> int:
        """0 when every row was imported (or found unchanged), 1 when some were rejected (as for the ledger)."""
        return 1 if self.errors else 0


def stage_problem(old: str | None, new: str, *, county: bool = True) -> str:
    """Why a project at stage ``old`` (``None``: a new project) may not be set to ``new`` by an import ("" when it
    may): the lifecycle runs 申报 → … → 运营 and may end in 终止 from any stage before 运营; an import never moves it
    backwards. As in the browser (``services.STEPS``), 立项 and 终止 are the county's: a town (``county=False``)
    imports new projects as 申报 and neither approves nor terminates one."""
    new_word = STAGE_WORD.get(new, new)
    if old is None:
        if not county and new != Stage.DECLARED:
            return f"立项须由县级办理：乡镇导入的新项目只能是“申报”状态，不能是“{new_word}”"
        return ""
    if old == new:
        return ""
    old_word = STAGE_WORD.get(old, old)
    if not county and new == Stage.TERMINATED and old != Stage.OPERATING:
        return "终止项目须由县级办理"
    if not county and old == Stage.DECLARED and new != Stage.TERMINATED:
        return f"立项须由县级办理：乡镇不能把“申报”状态的项目改为“{new_word}”"
    if old == Stage.TERMINATED:
        return f"项目已终止，状态不能改为“{new_word}”"
    if new == Stage.TERMINATED:
        if old == Stage.OPERATING:
            return "项目已运营，不能改为终止"
        return ""
    if STAGE_ORDER.index(Stage(new)) < STAGE_ORDER.index(Stage(old)):
        return f"项目状态不能倒退：系统中为“{old_word}”，文件中为“{new_word}”"
    return ""


class _Import:
    def __init__(self, *, user: Any, today: dt.date, path: Path) -> None:
        self.user = user
        self.today = today
        self.path = path
        prefix = scope_prefix(user)
        if prefix is None:
            raise PermissionDenied("您的账号没有管辖范围，不能导入项目库。")
        self.prefix = prefix
        # 立项 and 终止 are the county's (and the command line's).
        self.county = user is SYSTEM or getattr(user, "role", "") == Role.COUNTY
        self.account_id = getattr(account_of(user), "pk", None)
        self.actor = getattr(user, "username", "system") or "system"
        self.outcome = ProjectImportOutcome()
        self.unknown: list[tuple[str, str]] = []  # (sheet, header)
        self.seq = 0
        self.cursor = connection.cursor()

    # --- pass 1: parse and stage -----------------------------------------------------------------------------

    def stage(self, project_table: Table, beneficiary_table: Table | None, progress: Progress | None) -> None:
        cursor = self.cursor
        create_temp_table(cursor, P_STAGE, P_COLUMNS)
        create_temp_table(cursor, B_STAGE, B_COLUMNS)
        create_temp_table(
            cursor,
            ERRORS,
            [
                ("seq", "integer"),
                ("sheet", "varchar(10)"),
                ("row_no", "integer"),
                ("code", "varchar(200)"),
                ("header", "text"),
                ("value", "text"),
                ("message", "text"),
            ],
        )
        self._stage_sheet(PROJECT_SHEET, project_table, PROJECT_COLUMNS, P_STAGE, self._project_row, progress)
        if beneficiary_table is not None:
            self._stage_sheet(
                BENEFICIARY_SHEET, beneficiary_table, BENEFICIARY_COLUMNS, B_STAGE, self._beneficiary_row, None
            )
        cursor.execute(f"CREATE INDEX jz_proj_stage_code ON {q(P_STAGE)} (code)")
        cursor.execute(f"CREATE INDEX jz_proj_benef_stage_code ON {q(B_STAGE)} (code, household_no)")

    def _stage_sheet(
        self,
        sheet: str,
        table: Table,
        columns: tuple[Column, ...],
        stage_table: str,
        parse_row: Callable[[int, dict[str, Any], list[Problem]], tuple[Any, ...]],
        progress: Progress | None,
    ) -> None:
        positions, unknown = header_positions(table.headers, (c.header for c in columns))
        missing = [c.header for c in columns if c.required_header and c.header not in positions]
        if missing:
            raise UnusableFile(f"{sheet}工作表缺少必需的列：" + "、".join(missing) + "（格式见 docs/LEDGER.md §4）")
        self.unknown.extend((sheet, header) for _, header in unknown)
        present = [(positions[c.header], c) for c in columns if c.header in positions]
        names = [c for c, _ in (P_COLUMNS if stage_table == P_STAGE else B_COLUMNS)]
        names = names[: names.index("bad") + 1]
        rows: Iterator[tuple[int, list[str]]] = iter(table.rows)
        while chunk := list(islice(rows, CHUNK_ROWS)):
            staged: list[tuple[Any, ...]] = []
            errors: list[tuple[Any, ...]] = []
            for row_no, cells in chunk:
                if not any(c.strip() for c in cells):
                    continue
                values: dict[str, Any] = {}
                problems: list[Problem] = []
                for index, column in present:
                    text = clean_cell(cells[index]) if index < len(cells) else ""
                    try:
                        values[column.field] = column.parse(text)
                    except CellError as exc:
                        problems.append((column.header, text, str(exc)))
                        values[column.field] = None
                staged.append(parse_row(row_no, values, problems))
                code = values.get("code") or ""
                errors.extend((sheet, row_no, code, *problem) for problem in problems)
            insert_rows(self.cursor, stage_table, names, staged)
            self._errors(errors)
            if progress:
                progress(table.progress(), table.total)

    def _project_row(self, row_no: int, values: dict[str, Any], problems: list[Problem]) -> tuple[Any, ...]:
        self.outcome.rows += 1
        if values.get("stage") == Stage.OPERATING and values.get("operator") == "":
            problems.append(("运营主体", "", "项目状态为“运营”时须填写运营主体"))
        return (
            row_no,
            values.get("code") or "",
            values.get("name"),
            values.get("kind"),
            values.get("level"),
            values.get("area_code"),
            values.get("year"),
            values.get("planned_investment"),
            values.get("stage"),
            values.get("operator") or "",
            bool(problems),
        )

    def _beneficiary_row(self, row_no: int, values: dict[str, Any], problems: list[Problem]) -> tuple[Any, ...]:
        self.outcome.beneficiary_rows += 1
        ways = values.get("ways") or ()
        refused = bool(values.get("refused_post"))
        reason = values.get("refusal_reason") or ""
        if refused and not reason and not any(header == "拒绝原因" for header, _, _ in problems):
            problems.append(("拒绝原因", "", "拒绝岗位为“是”时须填写拒绝原因"))
        return (
            row_no,
            values.get("code") or "",
            values.get("household_no") or "",
            *(flag in ways for flag in FLAGS),
            refused,
            reason,
            bool(problems),
        )

    def _errors(self, errors: list[tuple[Any, ...]]) -> None:
        rows = []
        for error in errors:
            self.seq += 1
            rows.append((self.seq, *error))
        self.outcome.errors += len(rows)
        insert_rows(self.cursor, ERRORS, ["seq", "sheet", "row_no", "code", "header", "value", "message"], rows)

    def _fetch(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql, params)
        return list(self.cursor.fetchall())

    # --- pass 2: the checks that need the database or the whole file ---------------------------------------------

    def check(self) -> None:
        self._duplicate_projects()
        self._areas()
        self._known_projects()
        self._beneficiary_projects()
        self._households()
        self._duplicate_beneficiaries()
        self._dividends_kept()
        self._whole_projects()

    def _duplicate_projects(self) -> None:
        rows = self._fetch(
            f"SELECT s.row_no, s.code, f.first FROM {q(P_STAGE)} s JOIN "  # noqa: S608
            f"(SELECT code, MIN(row_no) AS first FROM {q(P_STAGE)} WHERE code <> '' GROUP BY code "
            f"HAVING COUNT(*) > 1) f ON f.code = s.code WHERE s.row_no > f.first ORDER BY s.row_no"
        )
        self._errors(
            [
                (PROJECT_SHEET, row_no, code, "项目编号", code, f"与第 {first} 行的项目编号相同，同一项目只能有一行")
                for row_no, code, first in rows
            ]
        )

    def _areas(self) -> None:
        rows = self._fetch(
            f"SELECT s.row_no, s.code, s.area_code, s.level, a.level, a.name FROM {q(P_STAGE)} s "  # noqa: S608
            f"LEFT JOIN {q('areas_area')} a ON a.code = s.area_code "
            f"WHERE NOT s.bad AND (a.code IS NULL OR a.level <> s.level OR s.area_code NOT LIKE %s)",
            [self.prefix + "%"],
        )
        errors = []
        for row_no, code, area_code, level, area_level, area_name in rows:
            if not area_code.startswith(self.prefix):
                reason = f"区划代码 {area_code} 不在您的管辖范围内"
            elif area_level is None:
                reason = f"区划代码 {area_code} 不存在"
            else:
                want = AREA_LEVEL_WORD.get(level, level)
                has = AREA_LEVEL_WORD.get(area_level, area_level)
                reason = (
                    f"区划代码 {area_code} 是{has}（{area_name}），项目级别为“{LEVEL_WORD.get(level, level)}”时"
                    f"应填写{want}的区划代码"
                )
            errors.append((PROJECT_SHEET, row_no, code, "区划代码", area_code, reason))
        self._errors(errors)

    def _known_projects(self) -> None:
        """A number already recorded: the project must lie in the user's scope, and its stage not go back; a new
        one: a stage the user may give it."""
        rows = self._fetch(
            f"SELECT s.row_no, s.code, s.stage, p.stage, p.area_id FROM {q(P_STAGE)} s "  # noqa: S608
            f"LEFT JOIN {q(Project._meta.db_table)} p ON p.code = s.code WHERE NOT s.bad"
        )
        errors = []
        for row_no, code, new, old, area_code in rows:
            if old is None:  # a new project: only its stage matters here
                if problem := stage_problem(None, new, county=self.county):
                    errors.append((PROJECT_SHEET, row_no, code, "项目状态", STAGE_WORD.get(new, new), problem))
            elif not area_code.startswith(self.prefix):
                errors.append((PROJECT_SHEET, row_no, code, "项目编号", code, "该项目编号已被您管辖范围以外的项目使用"))
            elif problem := stage_problem(old, new, county=self.county):
                errors.append((PROJECT_SHEET, row_no, code, "项目状态", STAGE_WORD.get(new, new), problem))
        self._errors(errors)

    def _beneficiary_projects(self) -> None:
        """A 受益户 row's project is in the 项目 sheet, or a recorded project inside the user's scope."""
        rows = self._fetch(
            f"SELECT b.row_no, b.code, p.area_id FROM {q(B_STAGE)} b "  # noqa: S608
            f"LEFT JOIN {q(Project._meta.db_table)} p ON p.code = b.code "
            f"WHERE NOT b.bad AND NOT EXISTS (SELECT 1 FROM {q(P_STAGE)} s WHERE s.code = b.code) "
            f"AND (p.id IS NULL OR p.area_id NOT LIKE %s)",
            [self.prefix + "%"],
        )
        errors = []
        above = _areas_above(self.prefix)
        for row_no, code, area_code in rows:
            if area_code in above:
                reason = f"项目 {code} 属于上级区划，您只能查看，不能修改其受益户"
            else:
                reason = f"项目编号 {code} 既不在项目工作表中，也不是您管辖范围内已登记的项目"
            errors.append((BENEFICIARY_SHEET, row_no, code, "项目编号", code, reason))
        self._errors(errors)

    def _households(self) -> None:
        """Each row's household among those the user may see (the scope guard's own query, as a subquery)."""
        sql, params = households_for_user(user=self.user).values("id", "household_no").query.sql_with_params()
        self.cursor.execute(
            f"UPDATE {q(B_STAGE)} SET household_id = (SELECT x.id FROM ({sql}) x "  # noqa: S608
            f"WHERE x.household_no = {q(B_STAGE)}.household_no) WHERE NOT bad",
            params,
        )
        rows = self._fetch(
            f"SELECT row_no, code, household_no FROM {q(B_STAGE)} "  # noqa: S608
            "WHERE NOT bad AND household_id IS NULL ORDER BY row_no"
        )
        self._errors(
            [
                (BENEFICIARY_SHEET, row_no, code, "户编号", number, f"户编号 {number} 不是您管辖范围内已登记的户")
                for row_no, code, number in rows
            ]
        )

    def _duplicate_beneficiaries(self) -> None:
        rows = self._fetch(
            f"SELECT b.row_no, b.code, b.household_no, f.first FROM {q(B_STAGE)} b JOIN "  # noqa: S608
            f"(SELECT code, household_no, MIN(row_no) AS first FROM {q(B_STAGE)} "
            f"WHERE code <> '' AND household_no <> '' GROUP BY code, household_no HAVING COUNT(*) > 1) f "
            f"ON f.code = b.code AND f.household_no = b.household_no WHERE b.row_no > f.first ORDER BY b.row_no"
        )
        self._errors(
            [
                (BENEFICIARY_SHEET, row_no, code, "户编号", number, f"与第 {first} 行重复：同一项目的同一户只能有一行")
                for row_no, code, number, first in rows
            ]
        )

    def _dividends_kept(self) -> None:
        """A household dropped from a project's list (inside the user's scope) that a dividend of the project has
        already included rejects the project: its shares must keep their beneficiary."""
        hh_sql, hh_params = households_for_user(user=self.user).values("id").query.sql_with_params()
        beneficiary, project = q(Beneficiary._meta.db_table), q(Project._meta.db_table)
        share, distribution, household = (
            q(Share._meta.db_table),
            q(Distribution._meta.db_table),
            q(Household._meta.db_table),
        )
        rows = self._fetch(
            f"SELECT p.code, h.household_no, MIN(d.year), "  # noqa: S608
            f"(SELECT MIN(b2.row_no) FROM {q(B_STAGE)} b2 WHERE b2.code = p.code) "
            f"FROM {beneficiary} t JOIN {project} p ON p.id = t.project_id "
            f"JOIN {household} h ON h.id = t.household_id "
            f"JOIN {distribution} d ON d.project_id = t.project_id "
            f"JOIN {share} sh ON sh.distribution_id = d.id AND sh.household_id = t.household_id "
            f"WHERE p.code IN (SELECT code FROM {q(B_STAGE)} WHERE NOT bad) "
            f"AND t.household_id IN ({hh_sql}) "
            f"AND NOT EXISTS (SELECT 1 FROM {q(B_STAGE)} b WHERE b.code = p.code AND b.household_no = h.household_no) "
            f"GROUP BY p.code, h.household_no ORDER BY p.code, h.household_no",
            hh_params,
        )
        self._errors(
            [
                (
                    BENEFICIARY_SHEET,
                    row_no,
                    code,
                    "户编号",
                    number,
                    f"户 {number} 已参与该项目 {year} 年的分红，不能从受益户中删除（请保留该户的行）",
                )
                for code, number, year, row_no in rows
            ]
        )

    def _whole_projects(self) -> None:
        """Every row of a rejected project that has no error of its own is marked not imported, naming where the
        project's first error is."""
        first: dict[str, tuple[str, int]] = {}
        for code, sheet, row_no in self._fetch(
            f"SELECT code, sheet, MIN(row_no) FROM {q(ERRORS)} WHERE code <> '' GROUP BY code, sheet"  # noqa: S608
        ):
            if code not in first or sheet == PROJECT_SHEET:
                first[code] = (sheet, row_no)
        if not first:
            return
        errors = []
        for sheet, table in ((PROJECT_SHEET, P_STAGE), (BENEFICIARY_SHEET, B_STAGE)):
            rows = self._fetch(
                f"SELECT s.row_no, s.code FROM {q(table)} s WHERE s.code IN "  # noqa: S608
                f"(SELECT code FROM {q(ERRORS)} WHERE code <> '') AND NOT EXISTS "
                f"(SELECT 1 FROM {q(ERRORS)} e WHERE e.sheet = %s AND e.row_no = s.row_no) ORDER BY s.row_no",
                [sheet],
            )
            for row_no, code in rows:
                where_sheet, where_row = first[code]
                errors.append(
                    (
                        sheet,
                        row_no,
                        code,
                        "项目编号",
                        code,
                        f"项目 {code} 在{where_sheet}工作表第 {where_row} 行有错误，整个项目（含受益户）均未导入",
                    )
                )
        self._errors(errors)

    # --- pass 3: write the accepted projects -------------------------------------------------------------------

    def apply(self, batch: ImportBatch) -> None:
        cursor, outcome = self.cursor, self.outcome
        project = q(Project._meta.db_table)
        create_temp_table(
            cursor,
            ACCEPTED,
            [
                ("code", "varchar(40) PRIMARY KEY"),
                ("row_no", "integer"),
                ("project_id", "bigint"),
                ("old_stage", "varchar(20)"),
                ("has_rows", "boolean"),
            ],
        )
        rejected_codes = f"(SELECT code FROM {q(ERRORS)} WHERE code <> '')"  # noqa: S608
        # Every project the file names: accepted ones (no error) with their 项目 row, if any.
        cursor.execute(
            f"INSERT INTO {q(ACCEPTED)} (code, row_no, has_rows) "  # noqa: S608
            f"SELECT code, MIN(row_no), %s FROM {q(P_STAGE)} WHERE code <> '' AND NOT bad "
            f"AND code NOT IN {rejected_codes} GROUP BY code",
            [False],
        )
        cursor.execute(
            f"INSERT INTO {q(ACCEPTED)} (code, row_no, has_rows) "  # noqa: S608
            f"SELECT DISTINCT code, CAST(NULL AS integer), %s FROM {q(B_STAGE)} WHERE code <> '' AND NOT bad "
            f"AND code NOT IN {rejected_codes} AND code NOT IN (SELECT code FROM {q(ACCEPTED)})",
            [True],
        )
        cursor.execute(
            f"UPDATE {q(ACCEPTED)} SET has_rows = %s WHERE code IN (SELECT code FROM {q(B_STAGE)} WHERE NOT bad)",  # noqa: S608
            [True],
        )
        cursor.execute(
            f"UPDATE {q(ACCEPTED)} SET project_id = p.id, old_stage = p.stage FROM {project} p "  # noqa: S608
            f"WHERE p.code = {q(ACCEPTED)}.code"
        )
        if connection.vendor == "postgresql":
            # The known projects stay as read until the transaction ends (a page's edit waits, then sees its
            # version changed).
            cursor.execute(
                f"SELECT id FROM {project} WHERE id IN (SELECT project_id FROM {q(ACCEPTED)}) FOR UPDATE"  # noqa: S608
            )
        (outcome.rejected,) = self._fetch(f"SELECT COUNT(DISTINCT code) FROM {q(ERRORS)} WHERE code <> ''")[0]  # noqa: S608
        (accepted,) = self._fetch(f"SELECT COUNT(*) FROM {q(ACCEPTED)}")[0]  # noqa: S608
        outcome.projects = accepted + outcome.rejected
        (outcome.rows_rejected,) = self._fetch(
            f"SELECT COUNT(*) FROM (SELECT DISTINCT sheet, row_no FROM {q(ERRORS)}) e"  # noqa: S608
        )[0]
        self._changes(batch)

    def _changes(self, batch: ImportBatch) -> None:
        """Compare the accepted rows with what is recorded, then write: new projects, changed projects, the
        beneficiary lists, one step per project created or changed."""
        cursor, outcome = self.cursor, self.outcome
        project, beneficiary = q(Project._meta.db_table), q(Beneficiary._meta.db_table)
        date = connection.ops.adapt_datefield_value
        now = timezone.now()
        today = date(self.today)
        # Which beneficiaries the file adds, changes and removes, per accepted project with rows in 受益户.
        cursor.execute(
            f"UPDATE {q(B_STAGE)} SET project_id = (SELECT a.project_id FROM {q(ACCEPTED)} a "  # noqa: S608
            f"WHERE a.code = {q(B_STAGE)}.code) WHERE NOT bad"
        )
        hh_sql, hh_params = households_for_user(user=self.user).values("id").query.sql_with_params()
        differs = " OR ".join(f"t.{q(f)} <> b.{q(f)}" for f in (*FLAGS, "refused_post", "refusal_reason"))
        counts: dict[str, dict[str, int]] = {}

        def count(kind: str, rows: list[tuple[Any, ...]]) -> None:
            for code, n in rows:
                counts.setdefault(code, {})[kind] = n

        accepted_rows = f"FROM {q(B_STAGE)} b JOIN {q(ACCEPTED)} a ON a.code = b.code WHERE NOT b.bad"
        count(
            "added",
            self._fetch(
                f"SELECT b.code, COUNT(*) {accepted_rows} AND NOT EXISTS (SELECT 1 FROM {beneficiary} t "  # noqa: S608
                f"WHERE t.project_id = a.project_id AND t.household_id = b.household_id) GROUP BY b.code"
            ),
        )
        count(
            "changed",
            self._fetch(
                f"SELECT b.code, COUNT(*) {accepted_rows} AND EXISTS (SELECT 1 FROM {beneficiary} t "  # noqa: S608
                f"WHERE t.project_id = a.project_id AND t.household_id = b.household_id AND ({differs})) "
                f"GROUP BY b.code"
            ),
        )
        removed_where = (
            f"t.project_id IN (SELECT project_id FROM {q(ACCEPTED)} WHERE has_rows AND project_id IS NOT NULL) "  # noqa: S608
            f"AND t.household_id IN ({hh_sql}) AND NOT EXISTS (SELECT 1 FROM {q(B_STAGE)} b "
            f"WHERE b.project_id = t.project_id AND b.household_id = t.household_id AND NOT b.bad)"
        )
        count(
            "removed",
            self._fetch(
                f"SELECT p.code, COUNT(*) FROM {beneficiary} t JOIN {project} p ON p.id = t.project_id "  # noqa: S608
                f"WHERE {removed_where} GROUP BY p.code",
                hh_params,
            ),
        )
        # The known projects' fields, compared in Python (as the model's values, so that a decimal or a date
        # compares as one whatever the database).
        known = self._fetch(
            f"SELECT a.code, a.row_no, p.id, p.name, p.kind, p.level, p.area_id, p.year, p.planned_investment, "  # noqa: S608
            f"p.stage, p.operator, s.name, s.kind, s.level, s.area_code, s.year, s.planned_investment, s.stage, "
            f"s.operator FROM {q(ACCEPTED)} a JOIN {project} p ON p.id = a.project_id "
            f"LEFT JOIN {q(P_STAGE)} s ON s.row_no = a.row_no"
        )
        create_temp_table(
            cursor, CHANGED, [("project_id", "bigint PRIMARY KEY"), ("row_no", "integer"), ("fields", "boolean")]
        )
        changed: list[tuple[Any, ...]] = []
        steps: list[tuple[Any, ...]] = []
        size = len(PROJECT_FIELDS)
        for code, row_no, project_id, *values in known:
            old = dict(zip(PROJECT_FIELDS, values[:size], strict=True))
            fields: dict[str, list[Any]] = {}
            if row_no is not None:
                new = dict(zip(PROJECT_FIELDS, values[size:], strict=True))
                for name in PROJECT_FIELDS:
                    a, b = _comparable(name, old[name]), _comparable(name, new[name])
                    if a != b:
                        fields["area" if name == "area_code" else name] = [a, b]
            people = counts.get(code, {})
            if not fields and not any(people.values()):
                outcome.unchanged += 1
                continue
            outcome.updated += 1
            changed.append((project_id, row_no, bool(fields)))
            stage = fields.get("stage", [old["stage"], old["stage"]])
            steps.append(self._step(project_id, row_no, code, stage[0], stage[1], fields=fields, beneficiaries=people))
        insert_rows(cursor, CHANGED, ["project_id", "row_no", "fields"], changed)
        # New projects, at their row's stage, with that stage's date.
        dates = ", ".join(q(f) for f in STAGE_DATE_FIELD.values())
        date_values = ", ".join("CASE WHEN s.stage = %s THEN %s END" for _ in STAGE_DATE_FIELD)
        date_params: list[Any] = [p for stage in STAGE_DATE_FIELD for p in (str(stage), today)]
        stamp = connection.ops.adapt_datetimefield_value(now)
        cursor.execute(
            f"INSERT INTO {project} (code, name, kind, level, area_id, year, planned_investment, stage, "  # noqa: S608
            f"responsible_unit, operator, description, {dates}, batch_id, version, created_by_id, created_at, "
            f"updated_at) SELECT s.code, s.name, s.kind, s.level, s.area_code, s.year, s.planned_investment, "
            f"s.stage, '', s.operator, '', {date_values}, %s, 1, %s, %s, %s FROM {q(P_STAGE)} s "
            f"JOIN {q(ACCEPTED)} a ON a.row_no = s.row_no WHERE a.project_id IS NULL ORDER BY s.row_no",
            [*date_params, batch.pk, self.account_id, stamp, stamp],
        )
        created = self._fetch(
            f"SELECT p.id, a.row_no, a.code, p.stage FROM {q(ACCEPTED)} a "  # noqa: S608
            f"JOIN {project} p ON p.code = a.code WHERE a.project_id IS NULL"
        )
        outcome.created = len(created)
        for project_id, row_no, code, stage in created:
            people = {"added": counts.get(code, {}).get("added", 0)}
            steps.append(self._step(project_id, row_no, code, "", stage, created=True, beneficiaries=people))
        cursor.execute(
            f"UPDATE {q(ACCEPTED)} SET project_id = (SELECT p.id FROM {project} p "  # noqa: S608
            f"WHERE p.code = {q(ACCEPTED)}.code) WHERE project_id IS NULL"
        )
        cursor.execute(
            f"UPDATE {q(B_STAGE)} SET project_id = (SELECT a.project_id FROM {q(ACCEPTED)} a "  # noqa: S608
            f"WHERE a.code = {q(B_STAGE)}.code) WHERE NOT bad"
        )
        # Changed projects: their fields from the row; reaching a stage sets its date when empty.
        stage_dates = ", ".join(
            f"{q(f)} = CASE WHEN s.stage = %s AND s.stage <> t.stage AND t.{q(f)} IS NULL THEN %s ELSE t.{q(f)} END"
            for f in STAGE_DATE_FIELD.values()
        )
        cursor.execute(
            f"UPDATE {project} AS t SET name = s.name, kind = s.kind, level = s.level, area_id = s.area_code, "  # noqa: S608
            f"year = s.year, planned_investment = s.planned_investment, operator = s.operator, {stage_dates}, "
            f"stage = s.stage, batch_id = %s, version = t.version + 1, updated_at = %s "
            f"FROM {q(CHANGED)} c JOIN {q(P_STAGE)} s ON s.row_no = c.row_no WHERE t.id = c.project_id AND c.fields",
            [*date_params, batch.pk, stamp],
        )
        cursor.execute(
            f"UPDATE {project} SET batch_id = %s, version = version + 1, updated_at = %s "  # noqa: S608
            f"WHERE id IN (SELECT project_id FROM {q(CHANGED)} WHERE NOT fields)",
            [batch.pk, stamp],
        )
        # The beneficiary lists of the projects with rows in 受益户.
        cursor.execute(
            f"DELETE FROM {beneficiary} WHERE id IN (SELECT t.id FROM {beneficiary} t WHERE {removed_where})",  # noqa: S608
            hh_params,
        )
        sets = ", ".join(f"{q(f)} = b.{q(f)}" for f in (*FLAGS, "refused_post", "refusal_reason"))
        cursor.execute(
            f"UPDATE {beneficiary} AS t SET {sets}, batch_id = %s, updated_at = %s FROM {q(B_STAGE)} b "  # noqa: S608
            f"WHERE NOT b.bad AND b.project_id = t.project_id AND b.household_id = t.household_id AND ({differs})",
            [batch.pk, stamp],
        )
        flags = ", ".join(q(f) for f in (*FLAGS, "refused_post", "refusal_reason"))
        cursor.execute(
            f"INSERT INTO {beneficiary} (project_id, household_id, {flags}, batch_id, created_at, updated_at) "  # noqa: S608
            f"SELECT b.project_id, b.household_id, {', '.join('b.' + q(f) for f in (*FLAGS, 'refused_post', 'refusal_reason'))}, "
            f"%s, %s, %s FROM {q(B_STAGE)} b WHERE NOT b.bad AND b.project_id IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {beneficiary} t WHERE t.project_id = b.project_id AND t.household_id = b.household_id) "
            f"ORDER BY b.row_no",
            [batch.pk, stamp, stamp],
        )
        for people in counts.values():
            outcome.beneficiaries_added += people.get("added", 0)
            outcome.beneficiaries_changed += people.get("changed", 0)
            outcome.beneficiaries_removed += people.get("removed", 0)
        # Steps as plain tuples, many to a statement (an ORM object each would cost more than the statement).
        insert_rows(cursor, ProjectStep._meta.db_table, STEP_COLUMNS, [(*s, stamp) for s in steps])

    def _step(
        self, project_id: int, row_no: int | None, code: str, from_stage: str, to_stage: str, **data: Any
    ) -> tuple[Any, ...]:
        record: dict[str, Any] = {"file": self.path.name, **data}
        if row_no is not None:
            record["row"] = row_no
        people = {k: v for k, v in data.get("beneficiaries", {}).items() if v}
        if people:
            record["beneficiaries"] = people
        else:
            record.pop("beneficiaries", None)
        if not record.get("fields", True):
            record.pop("fields")
        where = f"第 {row_no} 行" if row_no is not None else "受益户"
        note = f"导入：{self.path.name} {where}"
        return (
            project_id,
            IMPORT_ACTION,
            from_stage,
            to_stage,
            connection.ops.adapt_datefield_value(self.today),
            self.account_id,
            self.actor,
            note,
            connection.ops.adapt_json_value(record, None),
        )

    # --- the report ---

    def errors(self) -> Iterator[tuple[Any, ...]]:
        self.cursor.execute(
            f"SELECT sheet, row_no, code, header, value, message FROM {q(ERRORS)} "  # noqa: S608
            f"ORDER BY CASE WHEN sheet = %s THEN 0 ELSE 1 END, row_no, seq",
            [PROJECT_SHEET],
        )
        return iter(self.cursor.fetchone, None)


def _areas_above(prefix: str) -> set[str]:
    """The codes of the town and county that contain the scope ``prefix`` (their projects are the user's to see,
    not to change: :func:`jingzhun.core.scope.scoped_or_above`)."""
    return {prefix[:n].ljust(12, "0") for n in (2, 4, 6, 9) if n < len(prefix)}


def _comparable(name: str, value: Any) -> Any:
    """A field's value as the step records it: text, an integer year, a decimal as text with two places."""
    if value is None:
        return None
    if name == "planned_investment":
        return f"{Decimal(str(value)).quantize(Decimal('0.01')):f}"
    if name == "year":
        return int(value)
    return str(value)


def _sha256(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


def beneficiaries_path_for(path: Path) -> Path:
    """The beneficiaries file of a CSV project file: ``<stem>.beneficiaries.csv`` beside it."""
    return path.with_name(path.stem + BENEFICIARY_SUFFIX)


def _open_tables(path: Path, stack: ExitStack, warnings: list[str]) -> tuple[Table, Table | None, list[Path]]:
    """The 项目 and 受益户 tables of a workbook or a CSV pair (``None``: no 受益户 at all)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if path.name.lower().endswith(BENEFICIARY_SUFFIX):
            stem = path.name[: -len(BENEFICIARY_SUFFIX)]
            raise UnusableFile(f"这是受益户文件；请指定项目文件 {stem}.csv（受益户文件 {path.name} 会一并读取）")
        projects = stack.enter_context(open_table(path))
        other = beneficiaries_path_for(path)
        if not other.exists():
            warnings.append(f"没有找到受益户文件 {other.name}，各项目的受益户未变")
            return projects, None, [path]
        return projects, stack.enter_context(open_table(other)), [path, other]
    if suffix != ".xlsx":
        open_table(path).close()  # says why the file cannot be used
    names = xlsx_sheet_names(path)
    if PROJECT_SHEET not in names:
        raise UnusableFile(
            f"工作簿中没有名为“{PROJECT_SHEET}”的工作表（项目库须有“{PROJECT_SHEET}”和“{BENEFICIARY_SHEET}”两个工作表，"
            "格式见 docs/LEDGER.md §4）"
        )
    projects = stack.enter_context(open_table(path, sheet=PROJECT_SHEET))
    if BENEFICIARY_SHEET not in names:
        warnings.append(f"工作簿中没有“{BENEFICIARY_SHEET}”工作表，各项目的受益户未变")
        return projects, None, [path]
    return projects, stack.enter_context(open_table(path, sheet=BENEFICIARY_SHEET)), [path]


def projects_import(
    *, path: Path, user: Any, today: dt.date | None = None, progress: Progress | None = None
) -> ProjectImportOutcome:
    """Import a project library file (docs/LEDGER.md §4) in one transaction; see the module docstring.

    ``user`` is :data:`~jingzhun.core.scope.SYSTEM` (the command line: every area) or a user who may manage
    projects (the areas and households of their scope). The error report (``<file>.错误报告.xlsx`` beside it)
    lists every rejected row with its sheet, row, column and reason. Raises ``UnusableFile`` for a file that
    cannot be used at all (nothing written) and ``PermissionDenied`` for a user who may not manage projects.
    """
    if user is not SYSTEM and not user_can(user, Capability.MANAGE_PROJECTS):
        raise PermissionDenied("导入项目库须由县级或乡镇用户办理。")
    path = Path(path)
    today = today or timezone.localdate()
    job = _Import(user=user, today=today, path=path)
    outcome = job.outcome
    with ExitStack() as stack, transaction.atomic():
        project_table, beneficiary_table, paths = _open_tables(path, stack, outcome.warnings)
        started = time.perf_counter()
        job.stage(project_table, beneficiary_table, progress)
        if not outcome.rows and not outcome.beneficiary_rows:
            raise UnusableFile("文件中只有表头，没有数据行")
        outcome.unknown_headers = tuple(f"{sheet}：{header}" for sheet, header in job.unknown)
        outcome.timings.append(round(time.perf_counter() - started, 3))
        started = time.perf_counter()
        job.check()
        batch = ImportBatch.objects.create(kind=ImportBatch.Kind.PROJECTS, file_name=path.name, user_id=job.account_id)
        job.apply(batch)
        outcome.timings.append(round(time.perf_counter() - started, 3))
        started = time.perf_counter()
        outcome.batch_id = batch.pk
        outcome.report_path = _report(path, job)
        batch.sha256 = _sha256(paths)
        batch.rows = outcome.rows + outcome.beneficiary_rows
        batch.summary = {k: v if isinstance(v, int | str) else str(v) for k, v in summary(outcome, file=path)}
        batch.save()
        access_log_record(
            user=None if user is SYSTEM else user,
            action=AccessLog.Action.IMPORT,
            target=f"项目库 {path.name}",
            detail={
                "batch": batch.pk,
                "created": outcome.created,
                "updated": outcome.updated,
                "unchanged": outcome.unchanged,
                "rejected": outcome.rejected,
            },
        )
        drop_temp_tables(job.cursor, TEMP_TABLES)
        outcome.timings.append(round(time.perf_counter() - started, 3))
    if progress:
        progress(1, 1)
    return outcome


def _report(path: Path, job: _Import) -> Path | None:
    outcome = job.outcome
    report = report_path_for(path)
    if not outcome.errors and not job.unknown and not outcome.warnings:
        report.unlink(missing_ok=True)
        return None
    warnings: list[tuple[Any, ...]] = [(sheet, 1, "", header, "", "未知的列，已忽略") for sheet, header in job.unknown]
    warnings += [("", "", "", "", "", text) for text in outcome.warnings]
    write_report(
        report,
        errors=job.errors(),
        warnings=warnings,
        summary=summary(outcome, file=path),
        headers=REPORT_HEADERS,
        widths=REPORT_WIDTHS,
    )
    return report


def summary(outcome: ProjectImportOutcome, *, file: Path) -> list[tuple[str, object]]:
    return [
        ("文件", file.name),
        ("项目行数", outcome.rows),
        ("受益户行数", outcome.beneficiary_rows),
        ("新建的项目", outcome.created),
        ("更新的项目", outcome.updated),
        ("未变化的项目", outcome.unchanged),
        ("未导入的项目（有错误）", outcome.rejected),
        ("未导入的行", outcome.rows_rejected),
        ("新增的受益户", outcome.beneficiaries_added),
        ("修改的受益户", outcome.beneficiaries_changed),
        ("删除的受益户", outcome.beneficiaries_removed),
        ("错误条数", outcome.errors),
        ("忽略的未知列", "、".join(outcome.unknown_headers)),
        ("提示", "；".join(outcome.warnings)),
    ]
