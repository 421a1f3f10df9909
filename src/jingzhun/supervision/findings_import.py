"""Importing a file of supervision findings (督导问题, docs/LEDGER.md §6): ``jingzhun import findings FILE`` and the
browser's upload of the same file.

One row is one finding and is imported whole or not at all. The file is streamed in chunks of rows: each chunk's
cells are parsed (a cache per column for the values that repeat: words, dates, codes), its codes, households and
already recorded findings are looked up with one query each, and its valid rows are written with ``bulk_create``
/ ``bulk_update``; errors go to a temporary table and the numbers seen so far to another, so memory stays flat
whatever the file's size. The whole file is one transaction: every valid row, or (for a file that cannot be used
at all, :class:`~jingzhun.spreadsheets.reading.UnusableFile`) nothing.

What a row says, and what the import does with it:

- 发现日期 records the finding; its assignment is due within the pack's days (docs/RULES.md §11).
- 交办日期 assigns it: one part per assignee (责任乡镇, 责任部门), each due within the pack's rectification days.
- 乡镇整改完成日期 / 部门整改完成日期 mark that part rectified; 核验日期 verifies (closes) the finding, only when
  every part is rectified.
- Each of these is kept as a :class:`~jingzhun.supervision.models.FindingStep` with the action ``import`` and
  its date (``data["step"]`` says which step it stands for).

A number already recorded (in the browser, or by an earlier import) is *updated*, never duplicated:

- The descriptive cells (来源, 类别, 描述, 区划代码, 户编号) are updated when they differ, and so are 发现日期 and
  the assignees until the finding is assigned; each change is kept as one ``import`` step listing old and new
  values.
- A date step not yet taken is taken (the file is ahead of the system: the assignee rectified on paper).
- A blank date cell is "not known to this file": a step already taken in the system (an assignment, a
  rectification recorded in the browser) is left as it is.
- A filled cell that contradicts a step already taken — another 交办/整改完成/核验 date, another assignee after
  the assignment, another 发现日期 after it, a rectification dated before the part was reopened — rejects the row,
  naming the column and what the system has recorded. Nothing about a step is ever rewritten.

So importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.accounts.services import access_log_record
from jingzhun.areas.models import PREFIX_LENGTH, Area, Level
from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import SYSTEM, account_of, in_scope
from jingzhun.core.sql import create_temp_table, drop_temp_tables, insert_rows
from jingzhun.core.sql import quoted as q
from jingzhun.registry.models import Household
from jingzhun.registry.selectors import households_for_user
from jingzhun.spreadsheets.cells import CellError, date_parser, enum_parser, text_parser
from jingzhun.spreadsheets.reading import Table, UnusableFile, clean_cell, header_positions, open_table
from jingzhun.spreadsheets.report import report_path_for, write_report

from . import services
from .models import Category, Finding, FindingPart, FindingStep, PartKind, Source

CHUNK_ROWS = 2000
ERRORS, NUMBERS = "jz_finding_errors", "jz_finding_numbers"
REPORT_HEADERS = ("行号", "问题编号", "列", "值", "原因")
_CACHE_LIMIT = 4096
_MISSING = object()

Progress = Callable[[int, int], None]


def _code12(text: str) -> str:
    if not text:
        return ""
    if len(text) != 12 or not text.isdigit() or not text.isascii():
        raise CellError(f"“{text}”应为 12 位数字的统计用区划代码")
    return text


def _required_code12(text: str) -> str:
    if not text:
        raise CellError("不能为空")
    return _code12(text)


def _department(text: str) -> str:
    return services.department_key(text) if text else ""


@dataclass(frozen=True)
class FindingColumn:
    header: str
    field: str
    parse: Callable[[str], Any]
    cached: bool = True  # the values repeat (words, dates, codes): parse each distinct text once


FINDING_COLUMNS = (
    FindingColumn("问题编号", "number", text_parser(services.NUMBER_MAX, required=True), cached=False),
    FindingColumn("问题来源", "source", enum_parser({str(s.label): s.value for s in Source}, required=True)),
    FindingColumn("发现日期", "found_on", date_parser(required=True)),
    FindingColumn("区划代码", "area_code", _required_code12),
    FindingColumn("户编号", "household_no", text_parser(40), cached=False),
    FindingColumn("问题类别", "category", enum_parser({str(c.label): c.value for c in Category}, required=True)),
    FindingColumn("问题描述", "description", text_parser(services.DESCRIPTION_MAX, required=True), cached=False),
    FindingColumn("责任乡镇", "town_code", _code12),
    FindingColumn("责任部门", "department", lambda text: _department(text_parser(40)(text))),
    FindingColumn("交办日期", "assigned_on", date_parser()),
    FindingColumn("乡镇整改完成日期", "town_done", date_parser()),
    FindingColumn("部门整改完成日期", "department_done", date_parser()),
    FindingColumn("核验日期", "verified_on", date_parser()),
)
HEADER_OF = {c.field: c.header for c in FINDING_COLUMNS}
REQUIRED_HEADERS = ("问题编号", "问题来源", "发现日期", "区划代码", "问题类别", "问题描述")
DATE_FIELDS = ("found_on", "assigned_on", "town_done", "department_done", "verified_on")
DONE_FIELD: dict[str, str] = {PartKind.TOWN: "town_done", PartKind.DEPARTMENT: "department_done"}
ASSIGNEE_FIELD: dict[str, str] = {PartKind.TOWN: "town_code", PartKind.DEPARTMENT: "department"}
# The columns the import writes; the others take their database defaults (version, timestamps, rounds, …).
FINDING_COLUMNS_SQL = (
    "number",
    "source",
    "found_on",
    "area_code",
    "household_id",
    "category",
    "description",
    "town_code",
    "department",
    "assign_due",
    "assigned_on",
    "verified_on",
    "created_by_id",
)
PART_COLUMNS_SQL = ("finding_id", "kind", "assignee", "started_on", "due", "done_on")
STEP_COLUMNS_SQL = ("finding_id", "part", "action", "on", "by_id", "actor", "note", "data")
UPDATED_FIELDS = [
    "source",
    "category",
    "description",
    "area_code",
    "household",
    "found_on",
    "assign_due",
    "town_code",
    "department",
    "assigned_on",
    "verified_on",
    "version",
    "updated_at",
]
_ROWS_PER_INSERT = 500  # rows × columns stays far below either database's limit of bound parameters
# The descriptive fields a later import may correct at any time (each change kept as a step).
DESCRIPTIVE = ("source", "category", "description", "area_code", "household_no")


@dataclass
class FindingImportOutcome:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: int = 0
    unknown_headers: tuple[str, ...] = ()
    report_path: Path | None = None

    @property
    def exit_code(self) -> int:
        """0 every row imported; 1 some rows rejected, the valid ones imported (docs/LEDGER.md §1)."""
        return 1 if self.rejected else 0


Problem = tuple[str, str, str]  # (column header, the cell as written, reason)


def _fmt(day: dt.date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else ""


def date_problems(values: dict[str, Any], *, today: dt.date) -> list[Problem]:
    """What is wrong with a row's dates and assignees (docs/LEDGER.md §6), each with its column: every date within
    the record window (2013-01-01 .. today); at least one assignee; found ≤ assigned ≤ each part done ≤ verified;
    a part's completion only where it has an assignee and the finding was assigned; verification only when every
    part is done. ``values`` holds the parsed fields (dates or ``None``, assignees or ``""``)."""
    problems: list[Problem] = []
    for name in DATE_FIELDS:
        on = values.get(name)
        if on is not None and (problem := record_date_problem(on, what=HEADER_OF[name], today=today)):
            problems.append((HEADER_OF[name], _fmt(on), problem))
    if problems:
        return problems
    found, assigned, verified = values["found_on"], values.get("assigned_on"), values.get("verified_on")
    if not values.get("town_code") and not values.get("department"):
        problems.append(("责任乡镇", "", "责任乡镇和责任部门至少填写一个（一案双转时两个都填）"))
    if assigned and assigned < found:
        problems.append(("交办日期", _fmt(assigned), f"交办日期早于发现日期（{_fmt(found)}）"))
    last_done: dt.date | None = None
    open_parts: list[str] = []
    for kind in (PartKind.TOWN, PartKind.DEPARTMENT):
        header, done = HEADER_OF[DONE_FIELD[kind]], values.get(DONE_FIELD[kind])
        has_assignee = bool(values.get(ASSIGNEE_FIELD[kind]))
        if done is None:
            if has_assignee:
                open_parts.append(str(PartKind(kind).label))
            continue
        if not has_assignee:
            problems.append((header, _fmt(done), f"没有填写{HEADER_OF[ASSIGNEE_FIELD[kind]]}，不能填写{header}"))
        elif assigned is None:
            problems.append((header, _fmt(done), f"尚未交办（交办日期为空），不能填写{header}"))
        elif done < assigned:
            problems.append((header, _fmt(done), f"{header}早于交办日期（{_fmt(assigned)}）"))
        last_done = max(last_done, done) if last_done else done
    if verified is not None:
        if assigned is None:
            problems.append(("核验日期", _fmt(verified), "尚未交办（交办日期为空），不能填写核验日期"))
        elif open_parts:
            problems.append(("核验日期", _fmt(verified), f"{'、'.join(open_parts)}整改尚未完成，不能填写核验日期"))
        elif last_done and verified < last_done:
            problems.append(("核验日期", _fmt(verified), f"核验日期早于整改完成日期（{_fmt(last_done)}）"))
    return problems


# --- the import ----------------------------------------------------------------------------------------------------


@dataclass
class _Existing:
    finding: Finding
    parts: dict[str, FindingPart]


class _Import:
    def __init__(self, *, table: Table, user: Any, today: dt.date, file_name: str) -> None:
        self.table = table
        self.user = user
        self.today = today
        self.file_name = file_name
        positions, unknown = header_positions(table.headers, (c.header for c in FINDING_COLUMNS))
        missing = [h for h in REQUIRED_HEADERS if h not in positions]
        if "责任乡镇" not in positions and "责任部门" not in positions:
            missing.append("责任乡镇或责任部门")
        if missing:
            raise UnusableFile("缺少必需的列：" + "、".join(missing) + "（格式见 docs/LEDGER.md §6）")
        self.columns = [(positions[c.header], c) for c in FINDING_COLUMNS if c.header in positions]
        self.unknown = unknown
        self.caches: dict[str, dict[str, Any]] = {c.field: {} for _, c in self.columns if c.cached}
        self.areas: dict[str, str] = {}  # code → level, filled as codes are met (a county has a few hundred)
        self.rules = services.supervision_rules()
        self._due_cache: dict[tuple[dt.date, int], dt.date] = {}
        self.account_id = getattr(account_of(user), "pk", None)
        self._date = connection.ops.adapt_datefield_value
        self.actor = getattr(user, "username", "system")
        self.outcome = FindingImportOutcome(unknown_headers=tuple(h for _, h in unknown))
        self._seq = 0

    # --- helpers ---

    def _due(self, start: dt.date, days: int) -> dt.date:
        key = (start, days)
        due = self._due_cache.get(key)
        if due is None:
            due = self._due_cache[key] = services.due_after(start, days, self.rules)
        return due

    def _parse(self, column: FindingColumn, text: str) -> Any:
        cache = self.caches.get(column.field)
        if cache is not None:
            value = cache.get(text, _MISSING)
            if value is not _MISSING:
                return value
        try:
            value = column.parse(text)
        except CellError as exc:
            value = exc
        if cache is not None and len(cache) < _CACHE_LIMIT:
            cache[text] = value
        return value

    def _step(self, finding_id: int, on: dt.date, step: str, row_no: int, *, part: str = "", note: str, **data: Any):
        """A step as the row ``_insert`` writes into the step table (``STEP_COLUMNS``)."""
        record = {"step": step, "file": self.file_name, "row": row_no, **data}
        return (
            finding_id,
            part,
            FindingStep.Action.IMPORT.value,
            self._date(on),
            self.account_id,
            self.actor,
            note,
            connection.ops.adapt_json_value(record, None),
        )

    # --- the stream ---

    def run(self, progress: Progress | None) -> None:
        cursor = connection.cursor()
        create_temp_table(
            cursor,
            ERRORS,
            [
                ("seq", "integer"),
                ("row_no", "integer"),
                ("number", "text"),
                ("header", "text"),
                ("value", "text"),
                ("message", "text"),
            ],
        )
        create_temp_table(cursor, NUMBERS, [("number", "text primary key"), ("row_no", "integer")])
        rows: Iterator[tuple[int, list[str]]] = iter(self.table.rows)
        while chunk := list(islice(rows, CHUNK_ROWS)):
            self._chunk(cursor, chunk)
            if progress:
                progress(self.table.progress(), self.table.total)
        if progress:
            progress(self.table.total, self.table.total)

    def _chunk(self, cursor: Any, chunk: list[tuple[int, list[str]]]) -> None:
        errors: list[tuple[int, str, str, str, str]] = []
        parsed: list[tuple[int, dict[str, Any]]] = []
        for row_no, cells in chunk:
            self.outcome.rows += 1
            values: dict[str, Any] = {"household_no": "", "town_code": "", "department": ""}
            values.update(dict.fromkeys(DATE_FIELDS[1:]))
            bad: list[tuple[str, str, str]] = []
            for index, column in self.columns:
                text = clean_cell(cells[index]) if index < len(cells) else ""
                value = self._parse(column, text)
                if isinstance(value, CellError):
                    bad.append((column.header, text, str(value)))
                else:
                    values[column.field] = value
            parsed.append((row_no, values))
            if bad:
                values["_bad"] = bad
        self._duplicates(cursor, parsed)
        lookups = self._lookups(parsed)
        good: list[tuple[int, dict[str, Any], _Existing | None]] = []
        for row_no, values in parsed:
            problems = values.pop("_bad", None) or self._check(values, lookups)
            if problems:
                self.outcome.rejected += 1
                errors.extend((row_no, values.get("number", ""), *problem) for problem in problems)
            else:
                good.append((row_no, values, lookups["existing"].get(values["number"])))
        self._write(good, lookups["households"])
        if errors:
            rows = []
            for error in errors:
                self._seq += 1
                rows.append((self._seq, *error))
            insert_rows(cursor, ERRORS, ["seq", "row_no", "number", "header", "value", "message"], rows)
            self.outcome.errors += len(errors)

    def _duplicates(self, cursor: Any, parsed: list[tuple[int, dict[str, Any]]]) -> None:
        """A number on an earlier row of the file rejects the later row (the first one stands)."""
        numbers = sorted({v["number"] for _, v in parsed if "number" in v})
        if not numbers:
            return
        placeholders = ", ".join(["%s"] * len(numbers))
        cursor.execute(f"SELECT number, row_no FROM {q(NUMBERS)} WHERE number IN ({placeholders})", numbers)  # noqa: S608
        first: dict[str, int] = dict(cursor.fetchall())
        new: list[tuple[str, int]] = []
        for row_no, values in parsed:
            number = values.get("number")
            if number is None:
                continue
            if number in first:
                values.setdefault("_bad", []).append(
                    ("问题编号", number, f"与第 {first[number]} 行的问题编号相同（同一文件中问题编号不能重复）")
                )
            else:
                first[number] = row_no
                new.append((number, row_no))
        insert_rows(cursor, NUMBERS, ["number", "row_no"], new)

    def _lookups(self, parsed: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
        """The chunk's areas, households and already recorded findings: one query each."""
        valid = [v for _, v in parsed if "_bad" not in v]
        codes = {v["area_code"] for v in valid} | {v["town_code"] for v in valid if v["town_code"]}
        unknown = sorted(codes - self.areas.keys())
        if unknown:
            self.areas.update(Area.objects.filter(code__in=unknown).values_list("code", "level"))
        numbers = sorted({v["household_no"] for v in valid if v["household_no"]})
        candidates = Household.objects.all() if self.user is SYSTEM else households_for_user(user=self.user)
        households: dict[str, tuple[int, str]] = {}
        if numbers:
            found_households = candidates.filter(household_no__in=numbers).values_list(
                "household_no", "pk", "village_id"
            )
            households = {no: (pk, village) for no, pk, village in found_households}
        existing: dict[str, _Existing] = {}
        finding_numbers = sorted({v["number"] for v in valid})
        if finding_numbers:
            found = (
                Finding.objects.select_for_update(of=("self",))
                .select_related("household")
                .filter(number__in=finding_numbers)
            )
            by_id = {f.pk: _Existing(f, {}) for f in found}
            for part in FindingPart.objects.filter(finding_id__in=list(by_id)):
                by_id[part.finding_id].parts[part.kind] = part
            existing = {e.finding.number: e for e in by_id.values()}
        return {"households": households, "existing": existing}

    # --- checks ---

    def _check(self, values: dict[str, Any], lookups: dict[str, Any]) -> list[Problem]:
        problems: list[Problem] = []
        area, town = values["area_code"], values["town_code"]
        user = self.user
        if area not in self.areas:
            problems.append(("区划代码", area, "不是已登记的区划代码"))
        elif not in_scope(user, area):
            problems.append(("区划代码", area, "不在您的管辖区域内"))
        if town:
            if self.areas.get(town) != Level.TOWN:
                problems.append(("责任乡镇", town, "不是已登记的乡镇区划代码"))
            elif not in_scope(user, town):
                problems.append(("责任乡镇", town, "不在您的管辖区域内"))
        household_no = values["household_no"]
        if household_no:
            household = lookups["households"].get(household_no)
            if household is None:
                reason = "户编号不存在，请先导入台账" if user is SYSTEM else "户编号不存在或不在您的管辖区域内"
                problems.append(("户编号", household_no, reason))
            elif area in self.areas and not household[1].startswith(_prefix(area, self.areas[area])):
                problems.append(("户编号", household_no, f"该户所在的村（{household[1]}）不在区划代码 {area} 内"))
        existing = lookups["existing"].get(values["number"])
        merged = values
        if existing is not None:
            contradictions, merged = self._merge(values, existing)
            problems.extend(contradictions)
        if not problems:
            problems.extend(date_problems(merged, today=self.today))
        if not problems:
            values.update(merged)
        return problems

    def _merge(self, values: dict[str, Any], existing: _Existing) -> tuple[list[Problem], dict[str, Any]]:
        """The row laid over what the system has recorded: the contradictions, and the dates as they will stand
        (a blank date cell keeps the recorded one)."""
        finding, parts = existing.finding, existing.parts
        problems: list[Problem] = []
        if self.user is not SYSTEM and not in_scope(self.user, finding.area_code):
            return [("问题编号", finding.number, "该问题编号已被您管辖区域以外的问题使用")], values
        merged = dict(values)
        assigned = finding.assigned_on
        if assigned:
            if values["found_on"] != finding.found_on:
                problems.append(
                    (
                        "发现日期",
                        _fmt(values["found_on"]),
                        f"该问题已于 {_fmt(assigned)} 交办，发现日期（系统中为 {_fmt(finding.found_on)}）不能更改",
                    )
                )
            for kind in (PartKind.TOWN, PartKind.DEPARTMENT):
                field = ASSIGNEE_FIELD[kind]
                recorded = getattr(finding, field)
                if values[field] != recorded:
                    was = services.department_label(recorded) if kind == PartKind.DEPARTMENT else recorded
                    problems.append(
                        (
                            HEADER_OF[field],
                            values[field],
                            f"该问题已于 {_fmt(assigned)} 交办，{HEADER_OF[field]}（系统中为“{was or '空'}”）不能更改",
                        )
                    )
            if values["assigned_on"] and values["assigned_on"] != assigned:
                problems.append(
                    ("交办日期", _fmt(values["assigned_on"]), f"系统中已记录交办日期 {_fmt(assigned)}，不能更改")
                )
            merged["assigned_on"] = assigned
        for part_kind, part in parts.items():
            field = DONE_FIELD[part_kind]
            done = values[field]
            if part.done_on:
                if done and done != part.done_on:
                    problems.append(
                        (HEADER_OF[field], _fmt(done), f"系统中已记录整改完成日期 {_fmt(part.done_on)}，不能更改")
                    )
                merged[field] = part.done_on
            elif done and part.rounds > 1 and done < part.started_on:
                problems.append(
                    (
                        HEADER_OF[field],
                        _fmt(done),
                        f"该部分已于 {_fmt(part.started_on)} 退回重新整改，整改完成日期不能早于退回日期",
                    )
                )
        if finding.verified_on:
            verified = values["verified_on"]
            if verified and verified != finding.verified_on:
                problems.append(
                    ("核验日期", _fmt(verified), f"系统中已记录核验日期 {_fmt(finding.verified_on)}，不能更改")
                )
            merged["verified_on"] = finding.verified_on
        return problems, merged

    # --- writing ---

    def _write(
        self, good: list[tuple[int, dict[str, Any], _Existing | None]], households: dict[str, tuple[int, str]]
    ) -> None:
        """The chunk's valid rows: new findings, their parts and steps inserted as rows (many to a statement: an
        ORM object each cost more than the rest of the import); recorded findings updated where they changed."""
        date = self._date
        new: list[tuple[int, dict[str, Any]]] = []
        finding_rows: list[tuple[Any, ...]] = []
        changed: list[Finding] = []
        steps: list[tuple[Any, ...]] = []
        new_parts: list[tuple[Any, ...]] = []
        done_parts: list[FindingPart] = []
        now = timezone.now()
        for row_no, values, existing in good:
            household_id = households[values["household_no"]][0] if values["household_no"] else None
            if existing is None:
                new.append((row_no, values))
                finding_rows.append(
                    (
                        values["number"],
                        values["source"],
                        date(values["found_on"]),
                        values["area_code"],
                        household_id,
                        values["category"],
                        values["description"],
                        values["town_code"],
                        values["department"],
                        date(self._due(values["found_on"], self.rules.assign_days)),
                        date(values["assigned_on"]),
                        date(values["verified_on"]),
                        self.account_id,
                    )
                )
                continue
            finding = existing.finding
            before = len(steps)
            self._update(row_no, values, existing, household_id, steps)
            if values["assigned_on"] and not existing.parts:
                finding.assigned_on = values["assigned_on"]
                new_parts.extend(self._parts_and_steps(row_no, values, finding.pk, steps))
            else:
                for kind, part in existing.parts.items():
                    done = values[DONE_FIELD[kind]]
                    if done and not part.done_on:
                        part.done_on = done
                        done_parts.append(part)
                        steps.append(self._rectified(row_no, finding.pk, kind, done, part.due))
            if values["verified_on"] and not finding.verified_on:
                finding.verified_on = values["verified_on"]
                steps.append(self._verified(row_no, finding.pk, values["verified_on"]))
            if len(steps) > before:
                finding.version = F("version") + 1  # type: ignore[assignment]
                finding.updated_at = now
                changed.append(finding)
            else:
                self.outcome.unchanged += 1
        cursor = connection.cursor()
        _insert(cursor, Finding, FINDING_COLUMNS_SQL, finding_rows)
        if new:
            ids = dict(
                Finding.objects.filter(number__in=[values["number"] for _, values in new]).values_list("number", "pk")
            )
            for row_no, values in new:
                finding_id = ids[values["number"]]
                steps.append(
                    self._step(
                        finding_id, values["found_on"], "record", row_no, note="导入：登记", source=values["source"]
                    )
                )
                if values["assigned_on"]:
                    new_parts.extend(self._parts_and_steps(row_no, values, finding_id, steps))
                if values["verified_on"]:
                    steps.append(self._verified(row_no, finding_id, values["verified_on"]))
        if changed:
            Finding.objects.bulk_update(changed, UPDATED_FIELDS, batch_size=1000)
        _insert(cursor, FindingPart, PART_COLUMNS_SQL, new_parts)
        FindingPart.objects.bulk_update(done_parts, ["done_on"], batch_size=1000)
        _insert(cursor, FindingStep, STEP_COLUMNS_SQL, steps)
        self.outcome.created += len(new)
        self.outcome.updated += len(changed)

    def _update(
        self, row_no: int, values: dict[str, Any], existing: _Existing, household_id: int | None, steps: list[Any]
    ) -> None:
        """Copy the changed descriptive cells (and, before the assignment, 发现日期 and the assignees) onto the
        finding, keeping the change as one step."""
        finding = existing.finding
        current: dict[str, Any] = {
            "source": finding.source,
            "category": finding.category,
            "description": finding.description,
            "area_code": finding.area_code,
            "household_no": finding.household.household_no if finding.household else "",
        }
        fields = list(DESCRIPTIVE)
        if not finding.assigned_on:
            current.update(found_on=finding.found_on, town_code=finding.town_code, department=finding.department)
            fields += ["found_on", "town_code", "department"]
        changes = {
            HEADER_OF[name]: [_text(current[name]), _text(values[name])]
            for name in fields
            if current[name] != values[name]
        }
        if not changes:
            return
        finding.source, finding.category = values["source"], values["category"]
        finding.description, finding.area_code = values["description"], values["area_code"]
        finding.household_id = household_id
        if not finding.assigned_on:
            finding.found_on = values["found_on"]
            finding.assign_due = self._due(values["found_on"], self.rules.assign_days)
            finding.town_code, finding.department = values["town_code"], values["department"]
        note = "导入：更新 " + "、".join(changes)
        steps.append(self._step(finding.pk, self.today, "update", row_no, note=note, changed=changes))

    def _parts_and_steps(
        self, row_no: int, values: dict[str, Any], finding_id: int, steps: list[Any]
    ) -> list[tuple[Any, ...]]:
        """The assignment's step and its parts (rows of ``PART_COLUMNS_SQL``), with their rectification steps."""
        assigned = values["assigned_on"]
        due = self._due(assigned, self.rules.rectify_days)
        town, department = values["town_code"], values["department"]
        steps.append(
            self._step(
                finding_id,
                assigned,
                "assign",
                row_no,
                note="导入：交办",
                town=town,
                department=department,
                due=str(due),
            )
        )
        parts = []
        for kind in (PartKind.TOWN, PartKind.DEPARTMENT):
            assignee = values[ASSIGNEE_FIELD[kind]]
            if not assignee:
                continue
            done = values[DONE_FIELD[kind]]
            parts.append((finding_id, kind.value, assignee, self._date(assigned), self._date(due), self._date(done)))
            if done:
                steps.append(self._rectified(row_no, finding_id, kind, done, due))
        return parts

    def _rectified(self, row_no: int, finding_id: int, kind: str, done: dt.date, due: dt.date) -> tuple[Any, ...]:
        return self._step(finding_id, done, "rectify", row_no, part=str(kind), note="导入：整改完成", due=str(due))

    def _verified(self, row_no: int, finding_id: int, on: dt.date) -> tuple[Any, ...]:
        return self._step(finding_id, on, "verify", row_no, note="导入：核验销号")

    # --- the report ---

    def errors(self) -> Iterator[tuple[Any, ...]]:
        cursor = connection.cursor()
        cursor.execute(f"SELECT row_no, number, header, value, message FROM {q(ERRORS)} ORDER BY seq")  # noqa: S608
        return iter(cursor.fetchone, None)


def _insert(cursor: Any, model: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (values in ``columns`` order, adapted for the database) many to a statement."""
    if not rows:
        return
    # Table and column names only; every value is a query parameter or a COPY row.
    if connection.vendor == "postgresql":
        # psycopg binds a statement of many rows slowly (twice the import's time): COPY, as the list import does.
        with cursor.cursor.copy(
            f"COPY {q(model._meta.db_table)} ({', '.join(q(c) for c in columns)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        return
    head = f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(c) for c in columns)}) VALUES "  # noqa: S608
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start : start + _ROWS_PER_INSERT]
        cursor.execute(head + ", ".join([one] * len(chunk)), [value for row in chunk for value in row])


def _prefix(code: str, level: str) -> str:
    return code[: PREFIX_LENGTH[Level(level)]]


def _text(value: Any) -> str:
    return _fmt(value) if isinstance(value, dt.date) else str(value)


def findings_import(
    *, path: Path, user: Any, today: dt.date | None = None, progress: Progress | None = None
) -> FindingImportOutcome:
    """Import a file of findings (docs/LEDGER.md §6), every valid row in one transaction; see the module docstring.

    The error report (``<file>.错误报告.xlsx`` beside it) lists every rejected row with its row, column and
    reason. Raises ``UnusableFile`` for a file that cannot be used at all (nothing written) and
    ``PermissionDenied`` for a user who may not record findings.
    """
    if user is not SYSTEM and not user_can(user, Capability.RECORD_FINDINGS):
        raise PermissionDenied("导入督导问题须由督导检查或县级用户办理。")
    path = Path(path)
    today = today or timezone.localdate()
    with open_table(path) as table, transaction.atomic():
        job = _Import(table=table, user=user, today=today, file_name=path.name)
        job.run(progress)
        if not job.outcome.rows:
            raise UnusableFile("文件中只有表头，没有数据行")
        outcome = job.outcome
        if outcome.created or outcome.updated:
            access_log_record(
                user=None if user is SYSTEM else user,
                action=AccessLog.Action.IMPORT,
                target=f"督导问题 {path.name}",
                detail={"rows": outcome.rows, "created": outcome.created, "updated": outcome.updated},
            )
        outcome.report_path = _report(path, job)
        drop_temp_tables(connection.cursor(), (ERRORS, NUMBERS))
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
        summary=findings_import_summary(outcome, file=path),
        headers=REPORT_HEADERS,
    )
    return report


def findings_import_summary(outcome: FindingImportOutcome, *, file: Path) -> list[tuple[str, object]]:
    return [
        ("文件", file.name),
        ("行数", outcome.rows),
        ("新登记的问题", outcome.created),
        ("更新的问题", outcome.updated),
        ("未变化的问题", outcome.unchanged),
        ("未导入的行", outcome.rejected),
        ("错误条数", outcome.errors),
        ("忽略的未知列", "、".join(outcome.unknown_headers)),
    ]
