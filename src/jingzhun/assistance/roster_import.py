"""Importing a helper roster (帮扶力量, docs/LEDGER.md §9): ``jingzhun import helpers FILE`` and the browser's upload
of the same file.

A roster comes as three kinds of file, one kind per file (an .xlsx is read from its first sheet, as every other
format), told apart by their headers:

- 帮扶责任人 (helpers): 姓名, 类别, 单位, 联系电话, 区划代码 — one row per helper;
- 结对 (pairings): 帮扶责任人, 帮扶责任人单位, 帮扶责任人电话, 户编号, 开始日期, 结束日期, 结束原因 — one row per
  pairing of a helper with a household;
- 包扶单位 (units assigned to a village): 包扶单位, 村区划代码, 开始日期, 结束日期 — kept as the village's work team
  (驻村工作队) of that unit; its leader and members are added in the pages.

One row is one record, applied whole or refused with its row, column and reason; the whole file is one
transaction (a file that cannot be used at all writes nothing). Every lookup is one query for the whole file and
every write a ``bulk_create`` / ``bulk_update``: no query per row. Rows are checked against the system and
against the rows above them, so importing the same file twice changes nothing the second time:

- a helper is the same helper when area, name and unit agree; a filled 类别 or 联系电话 that differs updates it;
- a pairing is the same pairing when helper, household and start date agree; a blank 结束日期 never reopens a
  pairing ended in the system, a filled one ends a current pairing and contradicts another end date;
- a unit is the same unit when village, unit and start date agree, with the same rule for 结束日期.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.accounts.services import access_log_record
from jingzhun.areas.models import Area, Level
from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import SYSTEM, account_of, in_scope, scope_prefix
from jingzhun.registry.models import Household
from jingzhun.registry.selectors import households_for_user
from jingzhun.spreadsheets.cells import CellError, date_parser, enum_parser, text_parser, village_code_parser
from jingzhun.spreadsheets.reading import Table, UnusableFile, clean_cell, header_positions, open_table
from jingzhun.spreadsheets.report import report_path_for, write_report

from .models import AssistanceChange, Helper, HelperKind, Pairing, WorkTeam

MAX_ROWS = 200_000  # a county's roster is a few tens of thousands of rows; more is not a roster
REPORT_HEADERS = ("行号", "记录", "列", "值", "原因")
KIND_WORDS = {
    "帮扶责任人": HelperKind.HELPER,
    "第一书记": HelperKind.FIRST_SECRETARY,
    "驻村工作队员": HelperKind.TEAM_MEMBER,
}
REPAIRED = "重新结对"
DEFAULT_END_REASON = "名单导入"

Progress = Callable[[int, int], None]
Problem = tuple[str, str, str]  # (column header, the cell as written, reason)


def _area_code(text: str) -> str:
    if not text:
        raise CellError("不能为空")
    if len(text) != 12 or not text.isdigit() or not text.isascii():
        raise CellError(f"“{text}”应为 12 位数字的统计用区划代码")
    return text


@dataclass(frozen=True)
class RosterColumn:
    header: str
    field: str
    parse: Callable[[str], Any]


@dataclass(frozen=True)
class RosterSheet:
    """One kind of roster file: its name, its columns, the headers it must have and the one that names it."""

    name: str
    columns: tuple[RosterColumn, ...]
    required: tuple[str, ...]
    record: str  # the field that names a row's record in the error report

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)


HELPERS = RosterSheet(
    "帮扶责任人",
    (
        RosterColumn("姓名", "name", text_parser(60, required=True)),
        RosterColumn("类别", "kind", enum_parser(KIND_WORDS)),
        RosterColumn("单位", "unit", text_parser(200, required=True)),
        RosterColumn("联系电话", "phone", text_parser(40)),
        RosterColumn("区划代码", "area", _area_code),
    ),
    required=("姓名", "单位", "区划代码"),
    record="name",
)
PAIRINGS = RosterSheet(
    "结对",
    (
        RosterColumn("帮扶责任人", "name", text_parser(60, required=True)),
        RosterColumn("帮扶责任人单位", "unit", text_parser(200, required=True)),
        RosterColumn("帮扶责任人电话", "phone", text_parser(40)),
        RosterColumn("户编号", "household_no", text_parser(40, required=True)),
        RosterColumn("开始日期", "started_on", date_parser(required=True)),
        RosterColumn("结束日期", "ended_on", date_parser()),
        RosterColumn("结束原因", "end_reason", text_parser(200)),
    ),
    required=("帮扶责任人", "帮扶责任人单位", "户编号", "开始日期"),
    record="household_no",
)
UNITS = RosterSheet(
    "包扶单位",
    (
        RosterColumn("包扶单位", "unit", text_parser(200, required=True)),
        RosterColumn("村区划代码", "village", village_code_parser),
        RosterColumn("开始日期", "started_on", date_parser(required=True)),
        RosterColumn("结束日期", "ended_on", date_parser()),
    ),
    required=("包扶单位", "村区划代码", "开始日期"),
    record="unit",
)
SHEETS = (HELPERS, PAIRINGS, UNITS)


def roster_sheet_of(headers: Iterable[str]) -> RosterSheet:
    """Which kind of roster file a header row is: 户编号 makes it 结对, 包扶单位 包扶单位, 姓名 帮扶责任人."""
    present = set(headers)
    if "户编号" in present:
        return PAIRINGS
    if "包扶单位" in present:
        return UNITS
    if "姓名" in present:
        return HELPERS
    raise UnusableFile(
        "无法判断是哪一种名单：帮扶责任人名单须有“姓名”列，结对名单须有“户编号”列，包扶单位名单须有“包扶单位”列"
        "（格式见 docs/LEDGER.md §9）"
    )


@dataclass
class RosterImportOutcome:
    sheet: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    unknown_headers: tuple[str, ...] = ()
    errors: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    report_path: Path | None = None

    @property
    def exit_code(self) -> int:
        """0 every row applied; 1 some rows refused, the others applied (as every import, docs/LEDGER.md §1)."""
        return 1 if self.rejected else 0


def _fmt(day: dt.date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else ""


class _Import:
    def __init__(self, *, table: Table, user: Any, today: dt.date, file_name: str) -> None:
        self.sheet = roster_sheet_of(table.headers)
        positions, unknown = header_positions(table.headers, self.sheet.headers)
        missing = [h for h in self.sheet.required if h not in positions]
        if missing:
            raise UnusableFile(
                f"{self.sheet.name}名单缺少必需的列：" + "、".join(missing) + "（格式见 docs/LEDGER.md §9）"
            )
        self.columns = [(positions[c.header], c) for c in self.sheet.columns if c.header in positions]
        self.present = {c.field for _, c in self.columns}
        self.table, self.user, self.today, self.file_name = table, user, today, file_name
        self.account = account_of(user)
        self.outcome = RosterImportOutcome(sheet=self.sheet.name, unknown_headers=tuple(h for _, h in unknown))
        self.unknown = unknown
        self.history: list[AssistanceChange] = []

    # --- reading -------------------------------------------------------------------------------------------------

    def read(self, progress: Progress | None) -> list[tuple[int, dict[str, Any]]]:
        """Every row parsed: the good ones as (row number, values); the bad ones go to the errors."""
        good: list[tuple[int, dict[str, Any]]] = []
        rows = iter(self.table.rows)
        while chunk := list(islice(rows, 2000)):
            for row_no, cells in chunk:
                self.outcome.rows += 1
                if self.outcome.rows > MAX_ROWS:
                    raise UnusableFile(f"文件超过 {MAX_ROWS} 行，不是一个县的帮扶力量名单，请分开导入")
                values: dict[str, Any] = {c.field: None for c in self.sheet.columns}
                problems: list[Problem] = []
                for index, column in self.columns:
                    text = clean_cell(cells[index]) if index < len(cells) else ""
                    try:
                        values[column.field] = column.parse(text)
                    except CellError as exc:
                        problems.append((column.header, text, str(exc)))
                for name in ("started_on", "ended_on"):
                    on = values.get(name)
                    header = "开始日期" if name == "started_on" else "结束日期"
                    if on is not None and (problem := record_date_problem(on, what=header, today=self.today)):
                        problems.append((header, _fmt(on), problem))
                start, end = values.get("started_on"), values.get("ended_on")
                if not problems and start and end and end < start:
                    problems.append(("结束日期", _fmt(end), f"结束日期早于开始日期（{_fmt(start)}）"))
                if problems:
                    self._refuse(row_no, values, problems)
                else:
                    good.append((row_no, values))
            if progress:
                progress(self.table.progress(), self.table.total)
        if not self.outcome.rows:
            raise UnusableFile("文件中只有表头，没有数据行")
        return good

    def _refuse(self, row_no: int, values: dict[str, Any], problems: list[Problem]) -> None:
        self.outcome.rejected += 1
        record = str(values.get(self.sheet.record) or "")
        for header, value, reason in problems:
            self.outcome.errors.append((row_no, record, header, value, reason))

    def _change(self, entity: str, entity_id: int, action: str, household_no: str = "", **detail: Any) -> None:
        self.history.append(
            AssistanceChange(
                user=self.account,
                entity=entity,
                entity_id=entity_id,
                action=action,
                household_no=household_no,
                detail={"file": self.file_name, **detail},
            )
        )

    def run(self, progress: Progress | None) -> None:
        rows = self.read(progress)
        if self.sheet is HELPERS:
            self._helpers(rows)
        elif self.sheet is PAIRINGS:
            self._pairings(rows)
        else:
            self._units(rows)
        AssistanceChange.objects.bulk_create(self.history, batch_size=2000)

    def _areas(self, codes: set[str]) -> dict[str, str]:
        return dict(Area.objects.filter(code__in=codes).values_list("code", "level"))

    # --- 帮扶责任人 -----------------------------------------------------------------------------------------------

    def _helpers(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        areas = self._areas({v["area"] for _, v in rows})
        names = {v["name"] for _, v in rows}
        existing: dict[tuple[str, str, str], list[Helper]] = defaultdict(list)
        for helper in Helper.objects.filter(area_id__in=list(areas), name__in=names):
            existing[(helper.area_id, helper.name, helper.unit)].append(helper)
        leaders = set(
            WorkTeam.objects.filter(
                leader__area_id__in=list(areas), leader__name__in=names, ended_on__isnull=True
            ).values_list("leader_id", flat=True)
        )
        seen: dict[tuple[str, str, str], int] = {}
        new: list[tuple[int, Helper]] = []
        changed: list[tuple[Helper, dict[str, list[str]]]] = []
        for row_no, values in rows:
            key = (values["area"], values["name"], values["unit"])
            problems: list[Problem] = []
            level = areas.get(values["area"])
            if level is None:
                problems.append(("区划代码", values["area"], "不是已登记的区划代码"))
            elif not in_scope(self.user, values["area"]):
                problems.append(("区划代码", values["area"], "不在您的管辖区域内"))
            elif level not in (Level.COUNTY, Level.TOWN, Level.VILLAGE):
                problems.append(("区划代码", values["area"], "应为县、乡镇或村的区划代码"))
            elif key in seen:
                problems.append(("姓名", values["name"], f"与第 {seen[key]} 行重复（同一区划、姓名和单位）"))
            found = existing.get(key, [])
            if not problems and len(found) > 1:
                problems.append(("姓名", values["name"], f"系统中有 {len(found)} 名同区划、同名、同单位的帮扶责任人"))
            if problems:
                self._refuse(row_no, values, problems)
                continue
            seen[key] = row_no
            kind, phone = values["kind"] or "", values["phone"] or ""
            if not found:
                helper = Helper(
                    name=values["name"],
                    unit=values["unit"],
                    phone=phone,
                    area_id=values["area"],
                    kind=kind or HelperKind.HELPER,
                )
                new.append((row_no, helper))
                continue
            helper = found[0]
            changes: dict[str, list[str]] = {}
            if kind and kind != helper.kind:
                if helper.pk in leaders:
                    self._refuse(row_no, values, [("类别", kind, "该人员是在驻工作队的队长，须先在页面上更换队长")])
                    continue
                changes["kind"] = [helper.kind, kind]
                helper.kind = kind
            if phone and phone != helper.phone:
                changes["phone"] = [helper.phone, phone]
                helper.phone = phone
            if changes:
                changed.append((helper, changes))
            else:
                self.outcome.unchanged += 1
        Helper.objects.bulk_create([h for _, h in new], batch_size=2000)
        Helper.objects.bulk_update([h for h, _ in changed], ["kind", "phone"], batch_size=2000)
        for row_no, helper in new:
            self._change("helper", helper.pk, "import", row=row_no, name=helper.name, area=helper.area_id)
        for helper, changes in changed:
            self._change("helper", helper.pk, "import", changed=changes)
        self.outcome.created += len(new)
        self.outcome.updated += len(changed)

    # --- 结对 -----------------------------------------------------------------------------------------------------

    def _pairings(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        numbers = {v["household_no"] for _, v in rows}
        candidates = Household.objects.all() if self.user is SYSTEM else households_for_user(user=self.user)
        households = dict(candidates.filter(household_no__in=numbers).values_list("household_no", "pk"))
        prefix = scope_prefix(self.user)
        helpers: dict[tuple[str, str], list[Helper]] = defaultdict(list)
        names = {v["name"] for _, v in rows}
        for helper in (
            Helper.objects.filter(area__code__startswith=prefix, name__in=names) if prefix is not None else ()
        ):
            helpers[(helper.name, helper.unit)].append(helper)
        pairings: dict[int, list[Pairing]] = defaultdict(list)
        locked = Pairing.objects.select_for_update().filter(household_id__in=list(households.values()))
        for pairing in locked:
            pairings[pairing.household_id].append(pairing)
        claimed: dict[int, int] = {}  # household id → the row that made its current pairing
        seen: dict[tuple[int, int, dt.date], int] = {}
        new: list[tuple[int, str, Pairing]] = []
        ended: dict[int, tuple[Pairing, str]] = {}
        for row_no, values in rows:
            problems: list[Problem] = []
            household_id = households.get(values["household_no"])
            if household_id is None:
                reason = "户编号不存在，请先导入台账" if self.user is SYSTEM else "户编号不存在或不在您的管辖区域内"
                problems.append(("户编号", values["household_no"], reason))
            found = helpers.get((values["name"], values["unit"]), [])
            if values["phone"]:
                found = [h for h in found if h.phone == values["phone"]]
            if not found:
                problems.append(
                    (
                        "帮扶责任人",
                        values["name"],
                        "您管辖区域内没有这名帮扶责任人（姓名、单位），请先导入帮扶责任人名单",
                    )
                )
            elif len(found) > 1:
                problems.append(
                    (
                        "帮扶责任人",
                        values["name"],
                        f"有 {len(found)} 名同名、同单位的帮扶责任人，请填写帮扶责任人电话区分",
                    )
                )
            if problems:
                self._refuse(row_no, values, problems)
                continue
            assert household_id is not None  # noqa: S101 - checked above
            helper, start, end = found[0], values["started_on"], values["ended_on"]
            key = (helper.pk, household_id, start)
            if key in seen:
                self._refuse(
                    row_no,
                    values,
                    [("开始日期", _fmt(start), f"与第 {seen[key]} 行重复（同一帮扶责任人、户和开始日期）")],
                )
                continue
            seen[key] = row_no
            same = next((p for p in pairings[household_id] if p.helper_id == helper.pk and p.started_on == start), None)
            if same is not None:
                self._pairing_again(row_no, values, same, ended)
                if same.ended_on is None:
                    claimed[household_id] = row_no  # as on the first import: the row below it is refused again
                continue
            if end is None:
                problem = self._current_problem(
                    helper, household_id, values["household_no"], start, claimed, pairings, ended
                )
                if problem:
                    self._refuse(row_no, values, [problem])
                    continue
                claimed[household_id] = row_no
            pairing = Pairing(
                helper=helper,
                household_id=household_id,
                started_on=start,
                ended_on=end,
                end_reason=(values["end_reason"] or DEFAULT_END_REASON) if end else "",
                created_by=self.account,
            )
            new.append((row_no, values["household_no"], pairing))
        Pairing.objects.bulk_update([p for p, _ in ended.values()], ["ended_on", "end_reason"], batch_size=2000)
        Pairing.objects.bulk_create([p for _, _, p in new], batch_size=2000)
        for pairing, household_no in ended.values():
            self._change(
                "pairing", pairing.pk, "end", household_no, ended_on=_fmt(pairing.ended_on), reason=pairing.end_reason
            )
        for row_no, household_no, pairing in new:
            self._change(
                "pairing",
                pairing.pk,
                "import",
                household_no,
                row=row_no,
                helper=pairing.helper_id,
                started_on=_fmt(pairing.started_on),
                ended_on=_fmt(pairing.ended_on) or None,
            )
        self.outcome.created += len(new)

    def _pairing_again(
        self, row_no: int, values: dict[str, Any], same: Pairing, ended: dict[int, tuple[Pairing, str]]
    ) -> None:
        """A row for a pairing already recorded: unchanged, or ends it, or contradicts its end date."""
        end = values["ended_on"]
        if end is None or end == same.ended_on:
            self.outcome.unchanged += 1
        elif same.ended_on is not None:
            self._refuse(
                row_no, values, [("结束日期", _fmt(end), f"系统中该结对已于 {_fmt(same.ended_on)} 结束，不能更改")]
            )
        elif same.pk in ended:
            self._refuse(row_no, values, [("结束日期", _fmt(end), "该结对已被本文件前面的行结束")])
        else:
            same.ended_on, same.end_reason = end, values["end_reason"] or DEFAULT_END_REASON
            ended[same.pk] = (same, values["household_no"])
            self.outcome.updated += 1

    def _current_problem(
        self,
        helper: Helper,
        household_id: int,
        household_no: str,
        start: dt.date,
        claimed: dict[int, int],
        pairings: dict[int, list[Pairing]],
        ended: dict[int, tuple[Pairing, str]],
    ) -> Problem | None:
        """Why a new current pairing cannot be made (``None``: it can; the household's current one, if any,
        is then ended on ``start``, as a re-pairing in the pages)."""
        if not helper.active:
            return ("帮扶责任人", helper.name, "该帮扶责任人已停用，不能结对")
        if household_id in claimed:
            return ("户编号", "", f"第 {claimed[household_id]} 行已为该户结对，一户只能有一名当前帮扶责任人")
        current = next((p for p in pairings[household_id] if p.ended_on is None and p.pk not in ended), None)
        if current is None:
            return None
        if current.helper_id == helper.pk:
            return ("开始日期", _fmt(start), f"该户已与该帮扶责任人结对（开始日期 {_fmt(current.started_on)}）")
        if start < current.started_on:
            return ("开始日期", _fmt(start), f"不能早于该户现有结对的开始日期（{_fmt(current.started_on)}）")
        current.ended_on, current.end_reason = start, REPAIRED
        ended[current.pk] = (current, household_no)
        return None

    # --- 包扶单位 -------------------------------------------------------------------------------------------------

    def _units(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        areas = self._areas({v["village"] for _, v in rows})
        existing: dict[tuple[str, str, dt.date], WorkTeam] = {
            (t.village_id, t.unit, t.started_on): t
            for t in WorkTeam.objects.select_for_update().filter(village_id__in=list(areas))
        }
        seen: dict[tuple[str, str, dt.date], int] = {}
        new: list[tuple[int, WorkTeam]] = []
        changed: list[WorkTeam] = []
        for row_no, values in rows:
            code, key = values["village"], (values["village"], values["unit"], values["started_on"])
            problems: list[Problem] = []
            if areas.get(code) != Level.VILLAGE:
                problems.append(("村区划代码", code, "不是已登记的行政村区划代码"))
            elif not in_scope(self.user, code):
                problems.append(("村区划代码", code, "不在您的管辖区域内"))
            elif key in seen:
                problems.append(("包扶单位", values["unit"], f"与第 {seen[key]} 行重复（同一村、单位和开始日期）"))
            if problems:
                self._refuse(row_no, values, problems)
                continue
            seen[key] = row_no
            end, team = values["ended_on"], existing.get(key)
            if team is None:
                new.append((row_no, WorkTeam(village_id=code, unit=values["unit"], started_on=key[2], ended_on=end)))
            elif end is None or end == team.ended_on:
                self.outcome.unchanged += 1
            elif team.ended_on is not None and team.ended_on <= self.today:
                reason = f"系统中该单位已于 {_fmt(team.ended_on)} 结束包扶，不能更改"
                self._refuse(row_no, values, [("结束日期", _fmt(end), reason)])
            else:
                self._change("work_team", team.pk, "import", changed={"ended_on": [_fmt(team.ended_on), _fmt(end)]})
                team.ended_on = end
                changed.append(team)
        WorkTeam.objects.bulk_create([t for _, t in new], batch_size=2000)
        WorkTeam.objects.bulk_update(changed, ["ended_on"], batch_size=2000)
        for row_no, team in new:
            self._change("work_team", team.pk, "import", row=row_no, village=team.village_id, unit=team.unit)
        self.outcome.created += len(new)
        self.outcome.updated += len(changed)


def roster_import(
    *, path: Path, user: Any, today: dt.date | None = None, progress: Progress | None = None
) -> RosterImportOutcome:
    """Import one file of a helper roster (docs/LEDGER.md §9), every valid row in one transaction; see the module
    docstring. ``user`` is the importer (its area scope bounds every row) or ``SYSTEM`` (the command line).

    The error report (``<file>.错误报告.xlsx`` beside it) lists every refused row with its row, column and reason.
    Raises ``UnusableFile`` for a file that cannot be used at all (nothing written) and ``PermissionDenied``
    for a user who may not manage helpers.
    """
    if user is not SYSTEM and not user_can(user, Capability.MANAGE_HELPERS):
        raise PermissionDenied("导入帮扶力量名单须由乡镇或县级用户办理。")
    path = Path(path)
    today = today or timezone.localdate()
    with open_table(path) as table, transaction.atomic():
        job = _Import(table=table, user=user, today=today, file_name=path.name)
        job.run(progress)
        outcome = job.outcome
        if outcome.created or outcome.updated:
            access_log_record(
                user=None if user is SYSTEM else user,
                action=AccessLog.Action.IMPORT,
                target=f"帮扶力量名单（{outcome.sheet}） {path.name}",
                detail={"rows": outcome.rows, "created": outcome.created, "updated": outcome.updated},
            )
    outcome.report_path = _report(path, job)
    return outcome


def _report(path: Path, job: _Import) -> Path | None:
    outcome = job.outcome
    report = report_path_for(path)
    if not outcome.errors and not job.unknown:
        report.unlink(missing_ok=True)
        return None
    write_report(
        report,
        errors=sorted(outcome.errors),
        warnings=[(1, "", header, "", "未知的列，已忽略") for _, header in job.unknown],
        summary=roster_import_summary(outcome, file=path),
        headers=REPORT_HEADERS,
    )
    return report


def roster_import_summary(outcome: RosterImportOutcome, *, file: Path) -> list[tuple[str, object]]:
    return [
        ("文件", file.name),
        ("名单", outcome.sheet),
        ("行数", outcome.rows),
        ("新增", outcome.created),
        ("更新", outcome.updated),
        ("未变化", outcome.unchanged),
        ("未导入的行", outcome.rejected),
        ("错误条数", len(outcome.errors)),
        ("忽略的未知列", "、".join(outcome.unknown_headers)),
    ]
