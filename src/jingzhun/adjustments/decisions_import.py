"""Importing the year's decided registry adjustments (动态调整, 托底清零; docs/LEDGER.md §8), set-based:
``jingzhun import adjustments FILE`` and the county office's upload of the same file.

1. Stream the file once: each row's cells are parsed in Python (the only per-row work) and the typed row goes
   to a temporary staging table; rows with a bad cell are staged too, marked, so that their household is
   rejected whole. Memory stays flat whatever the file's size.
2. Take the file's households in chunks (:data:`CHUNK_HOUSEHOLDS`, in household-number order). For each chunk,
   read with one query each what the decisions depend on — the households (locked), their members, the ID
   numbers the new members would take, the decisions already kept, the latest assessment of the households
   that exit — then play each household's rows in file order in memory (a household can gain a member and
   then exit in one file). A household is applied whole or not at all.
3. Write the chunk's accepted decisions with a few bulk statements: the registry through
   :func:`jingzhun.registry.services.registry_changes_apply` (statuses, years, members, with their status and
   field history), then one decided :class:`~jingzhun.adjustments.models.AdjustmentCase` per decision with its
   step ``decision_import``.

The whole file is one transaction, as for the household ledger: every accepted household, or (for a file that
cannot be used at all) nothing. A decision already kept as a decided case — same household, 调整类型, 决定文号
and member — is *unchanged*: importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.accounts.services import access_log_record
from jingzhun.core import idnumber
from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import SYSTEM, account_of
from jingzhun.core.sql import create_temp_table, drop_temp_tables, insert_rows
from jingzhun.core.sql import quoted as q
from jingzhun.policy.selectors import LatestResult, household_results_latest
from jingzhun.registry import services as registry
from jingzhun.registry.ledger_format import LEDGER_COLUMNS
from jingzhun.registry.models import Household, ImportBatch, Member
from jingzhun.registry.selectors import households_for_user
from jingzhun.registry.vocab import LEDGER_TEXT, LEDGER_WORD, MemberStatus
from jingzhun.spreadsheets.cells import CellError, Column, date_parser, enum_parser, text_parser
from jingzhun.spreadsheets.reading import Table, UnusableFile, clean_cell, header_positions, open_table
from jingzhun.spreadsheets.report import report_path_for, write_report

from .models import STATUS_KINDS, AdjustmentCase, AdjustmentStep, Kind, Source, Stage

CHUNK_HOUSEHOLDS = 2000
STAGE, ERRORS = "jz_adjust_stage", "jz_adjust_errors"
REASON_MAX, DECISION_NO_MAX, OVERRIDE_MAX = 500, 100, 1000
IMPORT_ACTION = "decision_import"

Progress = Callable[[int, int], None]
Problem = tuple[str, str, str]  # (column header, the cell as written, reason)

# The workbook's words for the kinds it decides (docs/LEDGER.md §8): not 修正成员信息, which has no row format.
IMPORT_KINDS: dict[str, str] = {
    "脱贫": Kind.EXIT.value,
    "返贫": Kind.RELAPSE.value,
    "新识别": Kind.IDENTIFY.value,
    "转为不再享受政策": Kind.TO_NO_POLICY.value,
    "转为享受政策": Kind.TO_POLICY.value,
    "错评清退": Kind.CANCEL.value,
    "增加成员": Kind.MEMBER_ADD.value,
    "减少成员": Kind.MEMBER_REMOVE.value,
}
KIND_WORD = {code: word for word, code in IMPORT_KINDS.items()}
MEMBER_STATUS_WORD = LEDGER_WORD[MemberStatus]
REMOVED_WORDS = {w: c for w, c in LEDGER_TEXT[MemberStatus].items() if c != MemberStatus.ACTIVE}

# The new member's columns (增加成员): 姓名 · 与户主关系 and the other member columns of §1, parsed as the ledger
# parses them; 证件号码 and 成员状态 have their own meaning here.
MEMBER_COLUMNS: tuple[Column, ...] = tuple(
    c for c in LEDGER_COLUMNS if c.level == "member" and c.field not in ("id_number", "status")
)
NEW_MEMBER_REQUIRED = ("name", "relation")


@dataclass(frozen=True)
class DecisionColumn:
    header: str
    field: str
    parse: Callable[[str], Any]


DECISION_COLUMNS = (
    DecisionColumn("户编号", "household_no", text_parser(40, required=True)),
    DecisionColumn("调整类型", "kind", enum_parser(IMPORT_KINDS, required=True)),
    DecisionColumn("原因", "reason", text_parser(REASON_MAX, required=True)),
    DecisionColumn("决定日期", "decided_on", date_parser(required=True)),
    DecisionColumn("决定文号", "decision_no", text_parser(DECISION_NO_MAX, required=True)),
    DecisionColumn("覆盖理由", "override_reason", text_parser(OVERRIDE_MAX)),
)
REQUIRED_HEADERS = ("户编号", "调整类型", "原因", "决定日期", "决定文号")
KNOWN_HEADERS = (
    *(c.header for c in DECISION_COLUMNS),
    "证件号码",
    "成员状态",
    *(c.header for c in MEMBER_COLUMNS),
)
STAGE_COLUMNS = (
    ("row_no", "integer PRIMARY KEY"),
    ("household_no", "varchar(40)"),
    ("kind", "varchar(20)"),
    ("id_number", "varchar(18)"),
    ("birth_date", "varchar(10)"),
    ("sex", "varchar(1)"),
    ("member_status", "varchar(20)"),
    ("member_values", "text"),
    ("reason", "text"),
    ("decided_on", "varchar(10)"),
    ("decision_no", "varchar(100)"),
    ("override_reason", "text"),
    ("bad", "integer"),
)
STEP_COLUMNS = (
    "case_id",
    "action",
    "from_stage",
    "to_stage",
    "on",
    "by_id",
    "actor",
    "role",
    "note",
    "data",
    "recorded_at",
)
_CACHE_LIMIT = 4096
_MISSING = object()


@dataclass
class DecisionImportOutcome:
    batch_id: int | None = None
    rows: int = 0
    households: int = 0
    applied: int = 0  # decisions written
    unchanged: int = 0  # decisions already kept
    rejected: int = 0  # rows not imported
    households_applied: int = 0
    households_unchanged: int = 0
    households_rejected: int = 0
    errors: int = 0
    unknown_headers: tuple[str, ...] = ()
    report_path: Path | None = None
    timings: list[float] = field(default_factory=list)  # seconds: read, apply, report

    @property
    def exit_code(self) -> int:
        """0 when every row was imported (or found unchanged), 1 when some were rejected (as for the ledger)."""
        return 1 if self.errors else 0


@dataclass
class _Row:
    row_no: int
    kind: str
    id_number: str
    birth_date: dt.date | None
    sex: str
    member_status: str
    member_values: dict[str, Any]
    reason: str
    decided_on: dt.date
    decision_no: str
    override_reason: str
    bad: bool


@dataclass
class _Decision:
    """One accepted row, as it will be written."""

    row: _Row
    from_status: str = ""
    to_status: str = ""
    member_id: int | None = None
    member_id_number: str = ""
    member_values: dict[str, Any] = field(default_factory=dict)
    assessment: str = ""
    people: int = 1  # the household's members on the register at a status decision; 1 for a member change


def exit_standard_text(result: LatestResult | None) -> str:
    """Why the latest assessment does not support an exit ("" when it does, or when none has judged the
    household): the rule and the words of :func:`jingzhun.adjustments.services.exit_standard_problem`."""
    if result is None or result.exclusion or result.meets_standard is not False:
        return ""
    return f"该户最近一次评估（{result.year} 年，批次 {result.run_id}）未达到脱贫标准：{result.reasons or '见评估结果'}"


def _status_problem(kind: str, status: str) -> str:
    from .services import status_problem

    return status_problem(kind, status)


class _Import:
    def __init__(self, *, table: Table, user: Any, today: dt.date, path: Path) -> None:
        self.table = table
        self.user = user
        self.today = today
        self.path = path
        positions, unknown = header_positions(table.headers, KNOWN_HEADERS)
        missing = [h for h in REQUIRED_HEADERS if h not in positions]
        if missing:
            raise UnusableFile(
                "不是动态调整决定表：缺少必需的列 " + "、".join(missing) + "（格式见 docs/LEDGER.md §8）"
            )
        self.positions = positions
        self.unknown = unknown
        self.columns = [(positions[c.header], c) for c in DECISION_COLUMNS]
        self.member_columns = [(positions[c.header], c) for c in MEMBER_COLUMNS if c.header in positions]
        self.id_position = positions.get("证件号码")
        self.status_position = positions.get("成员状态")
        self.caches: dict[str, dict[str, Any]] = {}
        self.added: dict[str, int] = {}  # new members' ID numbers → the first row adding them
        self.account = account_of(user)
        self.account_id = getattr(self.account, "pk", None)
        from .services import _actor

        self.actor = _actor(user)
        self.role = getattr(user, "role", "") if user is not SYSTEM else ""
        self.outcome = DecisionImportOutcome(unknown_headers=tuple(h for _, h in unknown))
        self.seq = 0

    # --- pass 1: parse and stage ---

    def _parse(self, key: str, parse: Callable[[str], Any], text: str) -> Any:
        cache = self.caches.setdefault(key, {})
        value = cache.get(text, _MISSING)
        if value is _MISSING:
            try:
                value = parse(text)
            except CellError as exc:
                value = exc.with_traceback(None)
            if len(cache) < _CACHE_LIMIT:
                cache[text] = value
        return value

    def stage(self, progress: Progress | None) -> None:
        cursor = connection.cursor()
        create_temp_table(cursor, STAGE, STAGE_COLUMNS)
        create_temp_table(
            cursor,
            ERRORS,
            [
                ("seq", "integer"),
                ("row_no", "integer"),
                ("household_no", "text"),
                ("header", "text"),
                ("value", "text"),
                ("message", "text"),
            ],
        )
        rows: Iterator[tuple[int, list[str]]] = iter(self.table.rows)
        while chunk := list(islice(rows, 2000)):
            staged: list[tuple[Any, ...]] = []
            errors: list[tuple[int, str, str, str, str]] = []
            for row_no, cells in chunk:
                self._parse_row(row_no, cells, staged, errors)
            insert_rows(cursor, STAGE, [c for c, _ in STAGE_COLUMNS], staged)
            self._errors(cursor, errors)
            if progress:
                progress(self.table.progress(), self.table.total)
        cursor.execute(f"CREATE INDEX jz_adjust_stage_household ON {q(STAGE)} (household_no, row_no)")

    def _cell(self, cells: list[str], index: int | None) -> str:
        return clean_cell(cells[index]) if index is not None and index < len(cells) else ""

    def _parse_row(
        self, row_no: int, cells: list[str], staged: list[tuple[Any, ...]], errors: list[tuple[int, str, str, str, str]]
    ) -> None:
        if not any(c.strip() for c in cells):
            return  # an empty row
        self.outcome.rows += 1
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for index, column in self.columns:
            text = self._cell(cells, index)
            value = self._parse(column.field, column.parse, text)
            if isinstance(value, CellError):
                problems.append((column.header, text, str(value)))
                values[column.field] = None
            else:
                values[column.field] = value
        household_no = values["household_no"] or ""
        kind = values["kind"]
        if values["decided_on"] is not None:
            problem = record_date_problem(values["decided_on"], what="决定日期", today=self.today)
            if problem:
                problems.append(("决定日期", self._cell(cells, self.positions["决定日期"]), problem))
        # The ID parser reads the cell as written (as the ledger's does): NFKC would make ① a digit.
        position = self.id_position
        id_text = cells[position].strip() if position is not None and position < len(cells) else ""
        status_text = self._cell(cells, self.status_position)
        number, birth, sex, member_status = "", None, "", ""
        member_values: dict[str, Any] = {}
        if kind in (Kind.MEMBER_ADD, Kind.MEMBER_REMOVE):
            if not id_text.strip():
                problems.append(("证件号码", "", f"「{KIND_WORD[kind]}」须填写成员的证件号码"))
            else:
                try:
                    parsed = idnumber.parse(id_text, today=self.today)
                except idnumber.InvalidIdNumber as refused:
                    what = "新成员的证件号码无效" if kind == Kind.MEMBER_ADD else "证件号码无效"
                    problems.append(("证件号码", id_text.strip(), f"{what}：{refused}"))
                else:
                    number, birth, sex = parsed.number, parsed.birth_date, parsed.sex
        elif kind is not None and id_text.strip():
            problems.append(
                ("证件号码", id_text.strip(), f"「{KIND_WORD[kind]}」不填写证件号码（只用于增加成员、减少成员）")
            )
        if kind == Kind.MEMBER_REMOVE:
            if status_text not in REMOVED_WORDS:
                reason = (
                    "减少成员须填写成员状态：死亡或迁出"
                    if not status_text
                    else f"“{status_text}”不是可选值，应为：死亡、迁出"
                )
                problems.append(("成员状态", status_text, reason))
            else:
                member_status = REMOVED_WORDS[status_text]
        elif kind == Kind.MEMBER_ADD:
            if status_text not in ("", "在册"):
                problems.append(("成员状态", status_text, "增加成员的成员状态应为空或“在册”"))
            for index, member_column in self.member_columns:
                text = self._cell(cells, index)
                if not text:
                    continue
                value = self._parse(member_column.field, member_column.parse, text)
                if isinstance(value, CellError):
                    problems.append((member_column.header, text, str(value)))
                elif value not in (None, ""):
                    member_values[member_column.field] = value
            for name in NEW_MEMBER_REQUIRED:
                if name not in member_values:
                    header = next(c.header for c in MEMBER_COLUMNS if c.field == name)
                    problems.append((header, "", f"增加成员须填写新成员的{header}"))
            if number:
                first = self.added.get(number)
                if first is not None:
                    problems.append(
                        (
                            "证件号码",
                            idnumber.mask(number),
                            f"第 {first} 行已增加同一证件号码的成员，同一文件中不能重复增加",
                        )
                    )
                else:
                    self.added[number] = row_no
        elif kind is not None and status_text:
            problems.append(
                ("成员状态", status_text, f"「{KIND_WORD[kind]}」不填写成员状态（只用于增加成员、减少成员）")
            )
        for header, value, message in problems:
            errors.append((row_no, household_no, header, value, message))
        if not household_no:
            self.outcome.rejected += 1
            return  # no household to reject with it: the row alone is reported
        staged.append(
            (
                row_no,
                household_no,
                kind or "",
                number,
                birth.isoformat() if birth else "",
                sex,
                member_status,
                json.dumps(member_values, ensure_ascii=False),
                values["reason"] or "",
                values["decided_on"].isoformat() if values["decided_on"] else "",
                values["decision_no"] or "",
                values["override_reason"] or "",
                int(bool(problems)),
            )
        )

    def _errors(self, cursor: Any, errors: list[tuple[int, str, str, str, str]]) -> None:
        if not errors:
            return
        rows = []
        for error in errors:
            self.seq += 1
            rows.append((self.seq, *error))
        insert_rows(cursor, ERRORS, ["seq", "row_no", "household_no", "header", "value", "message"], rows)
        self.outcome.errors += len(errors)

    # --- pass 2: households in chunks ---

    def apply(self, batch: ImportBatch) -> None:
        cursor = connection.cursor()
        cursor.execute(f"SELECT DISTINCT household_no FROM {q(STAGE)} ORDER BY household_no")  # noqa: S608
        numbers = [no for (no,) in cursor.fetchall()]
        self.outcome.households = len(numbers)
        for start in range(0, len(numbers), CHUNK_HOUSEHOLDS):
            chunk = numbers[start : start + CHUNK_HOUSEHOLDS]
            cursor.execute(
                f"SELECT row_no, household_no, kind, id_number, birth_date, sex, member_status, member_values, "  # noqa: S608
                f"reason, decided_on, decision_no, override_reason, bad FROM {q(STAGE)} "
                f"WHERE household_no >= %s AND household_no <= %s ORDER BY household_no, row_no",
                [chunk[0], chunk[-1]],
            )
            by_household: dict[str, list[_Row]] = {}
            for r in cursor.fetchall():
                by_household.setdefault(r[1], []).append(
                    _Row(
                        row_no=r[0],
                        kind=r[2],
                        id_number=r[3],
                        birth_date=dt.date.fromisoformat(r[4]) if r[4] else None,
                        sex=r[5],
                        member_status=r[6],
                        member_values=json.loads(r[7]),
                        reason=r[8],
                        decided_on=dt.date.fromisoformat(r[9]) if r[9] else self.today,
                        decision_no=r[10],
                        override_reason=r[11],
                        bad=bool(r[12]),
                    )
                )
            self._chunk(cursor, by_household, batch)

    def _chunk(self, cursor: Any, by_household: dict[str, list[_Row]], batch: ImportBatch) -> None:
        candidates = Household.objects.all() if self.user is SYSTEM else households_for_user(user=self.user)
        households = {
            row[1]: row
            for row in candidates.select_for_update(of=("self",))
            .filter(household_no__in=list(by_household))
            .values_list("pk", "household_no", "poverty_status", "year_exited", "year_registered")
        }
        ids = [row[0] for row in households.values()]
        members: dict[int, dict[str, list[Any]]] = {}
        for pk, household_id, number, status, name in (
            Member.objects.filter(household_id__in=ids)
            .order_by()
            .values_list("pk", "household_id", "id_number", "status", "name")
        ):
            members.setdefault(household_id, {})[number] = [pk, status, name]
        add_numbers = [r.id_number for rows in by_household.values() for r in rows if r.kind == Kind.MEMBER_ADD]
        taken: set[str] = set()
        for start in range(0, len(add_numbers), 2000):
            taken.update(
                Member.objects.filter(id_number__in=add_numbers[start : start + 2000]).values_list(
                    "id_number", flat=True
                )
            )
        decided = set(
            AdjustmentCase.objects.filter(household_id__in=ids, stage__in=(Stage.DECIDED, Stage.ANNOUNCED))
            .exclude(decision_no="")
            .values_list("household_id", "kind", "decision_no", "member_id_number")
        )
        exiting = [
            households[no][0]
            for no, rows in by_household.items()
            if no in households and any(r.kind == Kind.EXIT for r in rows)
        ]
        latest = household_results_latest(household_ids=exiting) if exiting else {}
        new_members: list[registry.NewMember] = []
        changes: list[registry.FieldChange] = []
        decisions: list[tuple[int, _Decision]] = []
        errors: list[tuple[int, str, str, str, str]] = []
        for household_no, rows in by_household.items():
            household = households.get(household_no)
            if household is None:
                reason = "户编号不存在，请先导入台账" if self.user is SYSTEM else "户编号不存在或不在您的管辖区域内"
                for row in rows:
                    errors.append((row.row_no, household_no, "户编号", household_no, reason))
                self._rejected(rows)
                continue
            done = self._household(household, rows, members.get(household[0], {}), taken, decided, latest, errors)
            if done is None:
                continue
            decided_rows, household_changes, household_new = done
            if not decided_rows:
                self.outcome.households_unchanged += 1
                continue
            self.outcome.households_applied += 1
            self.outcome.applied += len(decided_rows)
            decisions.extend((household[0], d) for d in decided_rows)
            changes.extend(household_changes)
            new_members.extend(household_new)
        self._errors(cursor, errors)
        if decisions:
            self._write(decisions, changes, new_members, batch)

    def _rejected(self, rows: list[_Row]) -> None:
        self.outcome.rejected += len(rows)
        self.outcome.households_rejected += 1

    def _household(
        self,
        household: tuple[Any, ...],
        rows: list[_Row],
        members: dict[str, list[Any]],
        taken: set[str],
        decided: set[tuple[int, str, str, str]],
        latest: dict[int, LatestResult],
        errors: list[tuple[int, str, str, str, str]],
    ) -> tuple[list[_Decision], list[registry.FieldChange], list[registry.NewMember]] | None:
        """Play the household's rows in file order on its state; ``None`` when a row is refused (errors added,
        the household counted rejected)."""
        household_id, household_no, status, year_exited, year_registered = household
        members = {number: list(state) for number, state in members.items()}  # [id, status, name]
        seen: dict[tuple[str, str, str], int] = {}
        applied: list[_Decision] = []
        changes: list[registry.FieldChange] = []
        new_members: list[registry.NewMember] = []
        refused_rows: set[int] = set()
        unchanged = 0
        for row in rows:
            if row.bad:
                refused_rows.add(row.row_no)
                continue
            member_key = row.id_number if row.kind not in STATUS_KINDS else ""
            key = (row.kind, row.decision_no, member_key)
            if (household_id, *key) in decided:
                unchanged += 1
                continue
            problems: list[Problem] = []
            if key in seen:
                problems.append(
                    ("决定文号", row.decision_no, f"与第 {seen[key]} 行是同一项决定（调整类型、决定文号和成员相同）")
                )
            seen.setdefault(key, row.row_no)
            decision = _Decision(row=row)
            reason = f"{KIND_WORD[row.kind]}（{row.decision_no}）：{row.reason}"[:500]
            if not problems and row.kind in STATUS_KINDS:
                problem = _status_problem(row.kind, status)
                if problem:
                    problems.append(("调整类型", KIND_WORD[row.kind], problem))
                elif row.kind == Kind.EXIT:
                    unmet = exit_standard_text(latest.get(household_id))
                    if unmet and not row.override_reason:
                        problems.append(("覆盖理由", "", unmet + "；如确需退出，须填写覆盖理由"))
                    decision.assessment = unmet
            elif not problems and row.kind == Kind.MEMBER_REMOVE:
                state = members.get(row.id_number)
                if state is None:
                    problems.append(
                        (
                            "证件号码",
                            idnumber.mask(row.id_number),
                            f"户 {household_no} 没有证件号码为 {idnumber.mask(row.id_number)} 的成员",
                        )
                    )
                elif state[1] != MemberStatus.ACTIVE:
                    word = MEMBER_STATUS_WORD.get(state[1], state[1])
                    problems.append(("证件号码", idnumber.mask(row.id_number), f"成员 {state[2]} 已不在册（{word}）"))
            elif not problems and row.kind == Kind.MEMBER_ADD and (row.id_number in taken or row.id_number in members):
                masked = idnumber.mask(row.id_number)
                problems.append(("证件号码", masked, f"证件号码 {masked} 已登记在建档立卡成员中，不能重复增加"))
            if problems:
                refused_rows.add(row.row_no)
                errors.extend((row.row_no, household_no, *p) for p in problems)
                continue
            # The row's effect on the household as played so far: after a refused row, the later rows are still
            # checked (the report lists every problem of the household), and then none is applied.
            if row.kind in STATUS_KINDS:
                to_status = _to_status(row.kind)
                household_changes: list[tuple[str, Any, Any]] = [("poverty_status", status, to_status)]
                if row.kind == Kind.EXIT and year_exited != row.decided_on.year:
                    household_changes.append(("year_exited", year_exited, row.decided_on.year))
                    year_exited = row.decided_on.year
                if row.kind == Kind.IDENTIFY and year_registered is None:
                    household_changes.append(("year_registered", None, row.decided_on.year))
                    year_registered = row.decided_on.year
                decision.from_status, decision.to_status = status, to_status
                decision.people = sum(1 for state in members.values() if state[1] == MemberStatus.ACTIVE)
                status = to_status
                changes.append(
                    registry.FieldChange(
                        entity="household",
                        row_id=household_id,
                        key=household_no,
                        changes=tuple(household_changes),
                        status_reason=reason,
                    )
                )
            elif row.kind == Kind.MEMBER_REMOVE:
                state = members[row.id_number]
                decision.member_id, decision.member_id_number = state[0], row.id_number
                decision.member_values = {"status": row.member_status}
                changes.append(
                    registry.FieldChange(
                        entity="member",
                        row_id=state[0],
                        key=f"{household_no}/{row.id_number}",
                        changes=(("status", state[1], row.member_status),),
                        household_id=household_id,
                        id_number=row.id_number,
                    )
                )
                state[1] = row.member_status
            else:
                values = {
                    "id_number": row.id_number,
                    "birth_date": row.birth_date,
                    "sex": row.sex,
                    **row.member_values,
                }
                new_members.append(
                    registry.NewMember(household_id=household_id, household_no=household_no, values=values)
                )
                members[row.id_number] = [None, MemberStatus.ACTIVE.value, row.member_values.get("name", "")]
                decision.member_id_number = row.id_number
                decision.member_values = {"id_number": row.id_number, **row.member_values}
            applied.append(decision)
        if refused_rows:
            first = min(refused_rows)
            for decision in applied:
                errors.append(
                    (
                        decision.row.row_no,
                        household_no,
                        "户编号",
                        household_no,
                        f"同一户第 {first} 行有错误，该户在本文件中的决定均未导入",
                    )
                )
        self.outcome.unchanged += unchanged
        if refused_rows:
            self.outcome.rejected += len(rows) - unchanged
            self.outcome.households_rejected += 1
            return None
        return applied, changes, new_members

    def _write(
        self,
        decisions: list[tuple[int, _Decision]],
        changes: list[registry.FieldChange],
        new_members: list[registry.NewMember],
        batch: ImportBatch,
    ) -> None:
        created = registry.registry_changes_apply(
            new_members=new_members, changes=changes, user=self.user, batch_id=batch.pk
        )
        cases = []
        for household_id, d in decisions:
            row = d.row
            member_id = d.member_id
            if row.kind in (Kind.MEMBER_ADD, Kind.MEMBER_REMOVE) and member_id is None:
                member_id = created[(household_id, row.id_number)]
            cases.append(
                AdjustmentCase(
                    household_id=household_id,
                    kind=row.kind,
                    stage=Stage.DECIDED,
                    source=Source.WORKBOOK,
                    from_status=d.from_status,
                    to_status=d.to_status,
                    member_id=member_id,
                    member_id_number=d.member_id_number,
                    member_values=_json_values(d.member_values),
                    reason=row.reason,
                    override_reason=row.override_reason if row.kind == Kind.EXIT else "",
                    applied_on=row.decided_on,
                    decided_on=row.decided_on,
                    decision_no=row.decision_no,
                    closed_on=row.decided_on,
                    people=d.people,
                    batch_id=batch.pk,
                    opened_by_id=self.account_id,
                )
            )
        AdjustmentCase.objects.bulk_create(cases, batch_size=1000)
        steps: list[tuple[Any, ...]] = []
        date = connection.ops.adapt_datefield_value
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        for case, (_household_id, d) in zip(cases, decisions, strict=True):
            row = d.row
            data: dict[str, Any] = {
                "file": self.path.name,
                "row": row.row_no,
                "kind": row.kind,
                "decision_no": row.decision_no,
                "decided_on": row.decided_on.isoformat(),
                "reason": row.reason,
            }
            if row.kind == Kind.MEMBER_REMOVE:
                data["member_status"] = row.member_status
            if row.kind == Kind.MEMBER_ADD:
                data["member_values"] = case.member_values
            if row.kind == Kind.EXIT and row.override_reason:
                data["override_reason"] = row.override_reason
            if d.assessment:
                data["assessment"] = d.assessment
            steps.append(
                (
                    case.pk,
                    IMPORT_ACTION,
                    "",
                    Stage.DECIDED.value,
                    date(row.decided_on),
                    self.account_id,
                    self.actor,
                    self.role,
                    f"导入：{self.path.name} 第 {row.row_no} 行",
                    connection.ops.adapt_json_value(data, None),
                    now,
                )
            )
        # Steps as plain tuples (a model instance each would cost more than the statement).
        insert_rows(connection.cursor(), AdjustmentStep._meta.db_table, STEP_COLUMNS, steps)

    # --- the report ---

    def errors(self) -> Iterator[tuple[Any, ...]]:
        cursor = connection.cursor()
        cursor.execute(
            f"SELECT row_no, household_no, header, value, message FROM {q(ERRORS)} ORDER BY row_no, seq"  # noqa: S608
        )
        return iter(cursor.fetchone, None)


def _to_status(kind: str) -> str:
    from .services import STATUS_CHANGES

    return str(STATUS_CHANGES[kind][1])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _json_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def decisions_import(
    *, path: Path, user: Any, today: dt.date | None = None, progress: Progress | None = None
) -> DecisionImportOutcome:
    """Import a workbook of decided adjustments (docs/LEDGER.md §8) in one transaction; see the module docstring.

    ``user`` is :data:`~jingzhun.core.scope.SYSTEM` (the command line: every household) or a county user (the
    households of their area). The error report (``<file>.错误报告.xlsx`` beside it) lists every rejected row
    with its row, column and reason. Raises ``UnusableFile`` for a file that cannot be used at all (nothing
    written) and ``PermissionDenied`` for a user who is not a county user.
    """
    if user is not SYSTEM and getattr(user, "role", "") != Role.COUNTY:
        raise PermissionDenied("导入动态调整决定须由县级用户办理。")
    path = Path(path)
    today = today or timezone.localdate()
    with open_table(path) as table, transaction.atomic():
        job = _Import(table=table, user=user, today=today, path=path)
        batch = ImportBatch.objects.create(
            kind=ImportBatch.Kind.ADJUSTMENTS, file_name=path.name, user_id=job.account_id
        )
        timings = job.outcome.timings
        started = time.perf_counter()
        job.stage(progress)
        if not job.outcome.rows:
            raise UnusableFile("文件中只有表头，没有数据行")
        timings.append(round(time.perf_counter() - started, 3))
        started = time.perf_counter()
        job.apply(batch)
        timings.append(round(time.perf_counter() - started, 3))
        started = time.perf_counter()
        outcome = job.outcome
        outcome.batch_id = batch.pk
        outcome.report_path = _report(path, job)
        batch.sha256 = _sha256(path)
        batch.rows = outcome.rows
        batch.households_updated = outcome.households_applied
        batch.households_unchanged = outcome.households_unchanged
        batch.households_rejected = outcome.households_rejected
        batch.summary = {k: v if isinstance(v, int | str) else str(v) for k, v in summary(outcome, file=path)}
        batch.save()
        access_log_record(
            user=None if user is SYSTEM else user,
            action=AccessLog.Action.IMPORT,
            target=f"动态调整决定 {path.name}",
            detail={
                "batch": batch.pk,
                "rows": outcome.rows,
                "applied": outcome.applied,
                "unchanged": outcome.unchanged,
                "rejected": outcome.rejected,
            },
        )
        drop_temp_tables(connection.cursor(), (STAGE, ERRORS))
        timings.append(round(time.perf_counter() - started, 3))
    if progress:
        progress(table.total, table.total)
    return outcome


def _report(path: Path, job: _Import) -> Path | None:
    outcome = job.outcome
    report = report_path_for(path)
    if not outcome.errors and not job.unknown:
        report.unlink(missing_ok=True)
        return None
    write_report(
        report,
        errors=job.errors(),
        warnings=[(1, "", header, "", "未知的列，已忽略") for _, header in job.unknown],
        summary=summary(outcome, file=path),
    )
    return report


def summary(outcome: DecisionImportOutcome, *, file: Path) -> list[tuple[str, object]]:
    return [
        ("文件", file.name),
        ("数据行数", outcome.rows),
        ("户数", outcome.households),
        ("导入的决定", outcome.applied),
        ("已导入过、未变化的决定", outcome.unchanged),
        ("未导入的行（有错误）", outcome.rejected),
        ("导入决定的户", outcome.households_applied),
        ("未变化的户", outcome.households_unchanged),
        ("未导入的户", outcome.households_rejected),
        ("错误条数", outcome.errors),
        ("忽略的未知列", "、".join(outcome.unknown_headers)),
    ]
