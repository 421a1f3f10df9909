"""Importing benefit payments (docs/LEDGER.md §5): ``jingzhun import payments FILE`` and the browser's upload of
the same file, set-based.

The file (.xlsx, first sheet, or .csv) has one row per payment with the headers 项目代码, 户编号, 证件号码, 金额,
发放日期, 发放部门.

1. The rows are streamed once: each row's cells are parsed in Python (:func:`payment_row_parse`, the only per-row
   work) and the typed row goes to a temporary staging table, a bad one marked. More than ``max_rows`` rows
   (1,000,000 by default) make the file unusable: nothing is imported.
2. Every other check is a query over the staging table, each on the rows still valid: 项目代码 a benefit of the
   catalogue in force (the catalogue is put in a second temporary table); a department clerk imports only its
   department's benefits; 户编号 a registered household inside the importer's scope
   (:func:`~jingzhun.registry.selectors.households_for_user`); 证件号码 required for a member benefit and blank
   for a household benefit, and then a member of THAT household — any member recorded in it, current or not
   (one who has since died or moved out was still paid while a member); a second row of the same payment
   (benefit, household, member, date) in the file; a payment already recorded with another amount.
3. **A bad row is reported and skipped, the valid rows are imported**: the error report
   (``<file>.错误报告.xlsx`` beside the file) lists each rejected row with its row number, 户编号, column, value and
   reason in Chinese.
4. The new payments are written with one ``INSERT … SELECT`` (source ``import``, the batch recorded), then
   :func:`~jingzhun.benefits.payment_services.payments_income_add` adds them to their households' incomes once.

A row whose payment is already recorded with the same amount is counted unchanged, so importing the same file
twice changes nothing the second time; one with a different amount is rejected (an import never changes a
recorded payment, so the income is never added twice). The whole file is one transaction, recorded as an
:class:`~jingzhun.registry.models.ImportBatch` of kind ``payments``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import islice
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.accounts.services import access_log_record
from jingzhun.core import idnumber
from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import SYSTEM, account_of, scope_prefix
from jingzhun.core.sql import create_temp_table, drop_temp_tables, insert_rows
from jingzhun.core.sql import quoted as q
from jingzhun.registry.models import ImportBatch, Member
from jingzhun.registry.selectors import households_for_user
from jingzhun.spreadsheets.cells import CellError, date_parser, text_parser
from jingzhun.spreadsheets.reading import LossyNumber, Table, UnusableFile, clean_cell, header_positions, open_table
from jingzhun.spreadsheets.report import report_path_for, write_report

from .catalogue import Catalogue
from .models import Payment, PaymentSource
from .payment_services import MAX_AMOUNT, payments_income_add
from .selectors import catalogue_in_force

MAX_ROWS = 1_000_000  # a county's payments of a year are tens of thousands of rows; more is not one file
CHUNK_ROWS = 2000
STAGE, BENEFITS, ERRORS = "jz_pay_stage", "jz_pay_benefits", "jz_pay_errors"
TEMP_TABLES = (STAGE, BENEFITS, ERRORS)
HEADERS = ("项目代码", "户编号", "证件号码", "金额", "发放日期", "发放部门")
REQUIRED_HEADERS = HEADERS[:5]
REPORT_HEADERS = ("行号", "户编号", "列", "值", "原因")
REPORT_WIDTHS = (8, 18, 12, 24, 70)

Progress = Callable[[int, int], None]
Problem = tuple[str, str, str]  # (column header, the cell as written, reason)

_code = text_parser(20, required=True)
_household_no = text_parser(40, required=True)
_department = text_parser(100)
_date = date_parser(required=True)
_CENT = Decimal("0.01")


def amount_parse(text: str) -> Decimal:
    """金额: yuan, positive, at most two decimals (fen), at most 100 万 (a larger one is a typing error)."""
    if not text:
        raise CellError("不能为空")
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise CellError(f"“{text}”不是金额") from None
    if not value.is_finite():
        raise CellError(f"“{text}”不是金额")
    if value <= 0:
        raise CellError("金额应大于 0")
    if value > MAX_AMOUNT:
        raise CellError(f"金额超过 {MAX_AMOUNT:,.0f} 元，请核对")
    if value != value.quantize(_CENT):
        raise CellError("金额最多两位小数（分）")
    return value.quantize(_CENT)


def id_number_parse(text: str, *, today: dt.date) -> str:
    """证件号码: blank, or a valid ID number (18 digits, or 15 made 18) as the ledger stores it."""
    if text.__class__ is LossyNumber:
        raise CellError("证件号码被 Excel 存成了数字，后几位已丢失；请把该列设为文本后重新填写")
    text = clean_cell(text)
    if not text:
        return ""
    try:
        return idnumber.parse(text, today=today).number
    except ValueError as exc:
        raise CellError(str(exc)) from None


@dataclass(frozen=True)
class PaymentRow:
    """One row as parsed: ``None`` for a cell that could not be read (its problem is in ``problems``)."""

    benefit: str | None
    household_no: str | None
    id_number: str | None
    amount: Decimal | None
    paid_on: dt.date | None
    department: str | None
    problems: tuple[Problem, ...]


def payment_row_parse(cells: dict[str, str], *, today: dt.date) -> PaymentRow:
    """Parse one row's cells (header → text as read); every cell is checked, each problem reported."""
    problems: list[Problem] = []

    def cell(header: str, parse: Callable[[str], Any], *, raw: bool = False) -> Any:
        text = cells.get(header, "")
        if not raw:
            text = clean_cell(text)
        try:
            return parse(text)
        except CellError as exc:
            problems.append((header, str(text), str(exc)))
            return None

    benefit = cell("项目代码", _code)
    if benefit is not None:
        benefit = benefit.upper()
    household_no = cell("户编号", _household_no)
    id_number = cell("证件号码", lambda text: id_number_parse(text, today=today), raw=True)
    amount = cell("金额", amount_parse)
    paid_on = cell("发放日期", _date)
    if paid_on is not None and (problem := record_date_problem(paid_on, what="发放日期", today=today)):
        problems.append(("发放日期", clean_cell(cells.get("发放日期", "")), problem))
        paid_on = None
    department = cell("发放部门", _department)
    return PaymentRow(benefit, household_no, id_number, amount, paid_on, department, tuple(problems))


STAGE_COLUMNS = (
    ("row_no", "integer PRIMARY KEY"),
    ("benefit", "varchar(20)"),
    ("household_no", "varchar(40)"),
    ("id_number", "varchar(18)"),
    ("amount", "numeric(14, 2)"),
    ("paid_on", "date"),
    ("year", "integer"),
    ("department", "varchar(100)"),
    ("bad", "boolean"),
    ("household_id", "bigint"),
    ("member_id", "bigint"),
    ("known", "boolean"),  # the payment is already recorded with the same amount
)


@dataclass
class PaymentImportOutcome:
    batch_id: int | None = None
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    rejected: int = 0  # rows not imported
    errors: int = 0
    amount: Decimal = Decimal("0.00")  # the sum of the payments created
    income_changes: int = 0  # (household, income item, year) additions
    unknown_headers: tuple[str, ...] = ()
    report_path: Path | None = None

    @property
    def exit_code(self) -> int:
        """0 when every row was imported (or found unchanged), 1 when some were rejected (as for the ledger)."""
        return 1 if self.rejected else 0


class _Import:
    def __init__(self, *, user: Any, today: dt.date, catalogue: Catalogue, max_rows: int) -> None:
        self.user = user
        self.today = today
        self.catalogue = catalogue
        self.max_rows = max_rows
        self.clerk_department = (
            (getattr(user, "department", "") or "\x00") if getattr(user, "role", "") == Role.DEPARTMENT else None
        )
        self.outcome = PaymentImportOutcome()
        self.unknown: list[str] = []
        self.seq = 0
        self.cursor = connection.cursor()

    # --- pass 1: parse and stage ---------------------------------------------------------------------------------

    def stage(self, table: Table, progress: Progress | None) -> None:
        cursor = self.cursor
        create_temp_table(cursor, STAGE, STAGE_COLUMNS)
        create_temp_table(
            cursor,
            ERRORS,
            [
                ("seq", "integer"),
                ("row_no", "integer"),
                ("household_no", "varchar(200)"),
                ("header", "text"),
                ("value", "text"),
                ("message", "text"),
            ],
        )
        create_temp_table(
            cursor,
            BENEFITS,
            [
                ("code", "varchar(20) PRIMARY KEY"),
                ("name", "varchar(100)"),
                ("department", "varchar(40)"),
                ("department_name", "varchar(100)"),
                ("per_member", "boolean"),
                ("income_item", "varchar(30)"),
            ],
        )
        insert_rows(
            cursor,
            BENEFITS,
            ["code", "name", "department", "department_name", "per_member", "income_item"],
            [
                (
                    b.code,
                    b.name,
                    b.department,
                    self.catalogue.department_name(b.department),
                    b.per_member,
                    b.income_item,
                )
                for b in self.catalogue.benefits.values()
            ],
        )
        positions, unknown = header_positions(table.headers, HEADERS)
        missing = [h for h in REQUIRED_HEADERS if h not in positions]
        if missing:
            raise UnusableFile("缺少必需的列：" + "、".join(missing) + "（格式见 docs/LEDGER.md §5）")
        self.unknown = [header for _, header in unknown]
        present = [(positions[h], h) for h in HEADERS if h in positions]
        names = [c for c, _ in STAGE_COLUMNS][: [c for c, _ in STAGE_COLUMNS].index("bad") + 1]
        date = connection.ops.adapt_datefield_value
        rows: Iterator[tuple[int, list[str]]] = iter(table.rows)
        while chunk := list(islice(rows, CHUNK_ROWS)):
            staged: list[tuple[Any, ...]] = []
            errors: list[tuple[Any, ...]] = []
            for row_no, cells in chunk:
                if not any(c.strip() for c in cells):
                    continue
                self.outcome.rows += 1
                if self.outcome.rows > self.max_rows:
                    raise UnusableFile(f"文件超过 {self.max_rows:,} 行发放记录，请分成几个文件导入")
                row = payment_row_parse({h: cells[i] if i < len(cells) else "" for i, h in present}, today=self.today)
                staged.append(
                    (
                        row_no,
                        row.benefit or "",
                        row.household_no or "",
                        row.id_number or "",
                        row.amount,
                        date(row.paid_on),
                        row.paid_on.year if row.paid_on else None,
                        row.department or "",
                        bool(row.problems),
                    )
                )
                errors.extend((row_no, row.household_no or "", *problem) for problem in row.problems)
            insert_rows(cursor, STAGE, names, staged)
            self._errors(errors)
            if progress:
                progress(table.progress(), table.total)
        cursor.execute(f"CREATE INDEX jz_pay_stage_key ON {q(STAGE)} (benefit, household_no, id_number, paid_on)")
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {q(STAGE)}")  # a temporary table has no statistics until asked

    def _errors(self, errors: list[tuple[Any, ...]]) -> None:
        rows = []
        for error in errors:
            self.seq += 1
            rows.append((self.seq, *error))
        self.outcome.errors += len(rows)
        insert_rows(self.cursor, ERRORS, ["seq", "row_no", "household_no", "header", "value", "message"], rows)

    def _fetch(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql, params)
        return list(self.cursor.fetchall())

    def _reject(self, rows: list[tuple[Any, ...]]) -> None:
        """Report ``(row_no, household_no, header, value, reason)`` rows and mark them bad (later checks skip
        them, so that a row has one reason from the database)."""
        if not rows:
            return
        self._errors(rows)
        self.cursor.execute(
            f"UPDATE {q(STAGE)} SET bad = %s WHERE NOT bad AND row_no IN (SELECT row_no FROM {q(ERRORS)})",  # noqa: S608
            [True],
        )

    # --- pass 2: the checks that need the database or the whole file ---------------------------------------------

    def check(self) -> None:
        self._benefits()
        self._households()
        self._members()
        self._duplicates()
        self._known()

    def _benefits(self) -> None:
        rows = self._fetch(
            f"SELECT s.row_no, s.household_no, s.benefit FROM {q(STAGE)} s "  # noqa: S608
            f"WHERE NOT s.bad AND NOT EXISTS (SELECT 1 FROM {q(BENEFITS)} b WHERE b.code = s.benefit) ORDER BY s.row_no"
        )
        title = self.catalogue.title
        self._reject(
            [(r, h, "项目代码", code, f"政策目录（{title}）中没有代码为“{code}”的政策") for r, h, code in rows]
        )
        if self.clerk_department is None:
            return
        rows = self._fetch(
            f"SELECT s.row_no, s.household_no, s.benefit, b.name, b.department_name FROM {q(STAGE)} s "  # noqa: S608
            f"JOIN {q(BENEFITS)} b ON b.code = s.benefit WHERE NOT s.bad AND b.department <> %s ORDER BY s.row_no",
            [self.clerk_department],
        )
        self._reject(
            [
                (r, h, "项目代码", code, f"「{name}」由{department}发放，您所在部门不能导入")
                for r, h, code, name, department in rows
            ]
        )

    def _households(self) -> None:
        """Each row's household among those the importer may see (the scope guard's own query, as a subquery)."""
        sql, params = households_for_user(user=self.user).values("id", "household_no").query.sql_with_params()
        self.cursor.execute(
            f"UPDATE {q(STAGE)} SET household_id = (SELECT x.id FROM ({sql}) x "  # noqa: S608
            f"WHERE x.household_no = {q(STAGE)}.household_no) WHERE NOT bad",
            params,
        )
        rows = self._fetch(
            f"SELECT row_no, household_no FROM {q(STAGE)} WHERE NOT bad AND household_id IS NULL ORDER BY row_no"  # noqa: S608
        )
        where = "未登记" if self.user is SYSTEM else "不是您管辖范围内已登记的户"
        self._reject([(r, h, "户编号", h, f"户编号 {h} {where}") for r, h in rows])

    def _members(self) -> None:
        """证件号码 as the benefit's unit wants it, then a member of the row's household."""
        rows = self._fetch(
            f"SELECT s.row_no, s.household_no, s.id_number, b.name, b.per_member FROM {q(STAGE)} s "  # noqa: S608
            f"JOIN {q(BENEFITS)} b ON b.code = s.benefit WHERE NOT s.bad "
            f"AND ((b.per_member AND s.id_number = '') OR (NOT b.per_member AND s.id_number <> '')) ORDER BY s.row_no"
        )
        self._reject(
            [
                (
                    r,
                    h,
                    "证件号码",
                    number,
                    f"「{name}」按成员发放，须填写领取成员的证件号码"
                    if per_member
                    else f"「{name}」按户发放，证件号码应留空",
                )
                for r, h, number, name, per_member in rows
            ]
        )
        member = q(Member._meta.db_table)
        self.cursor.execute(
            f"UPDATE {q(STAGE)} SET member_id = (SELECT m.id FROM {member} m "  # noqa: S608
            f"WHERE m.household_id = {q(STAGE)}.household_id AND m.id_number = {q(STAGE)}.id_number) "
            f"WHERE NOT bad AND id_number <> ''"
        )
        rows = self._fetch(
            f"SELECT row_no, household_no, id_number FROM {q(STAGE)} "  # noqa: S608
            f"WHERE NOT bad AND id_number <> '' AND member_id IS NULL ORDER BY row_no"
        )
        self._reject([(r, h, "证件号码", n, f"证件号码 {idnumber.mask(n)} 不是户 {h} 的成员") for r, h, n in rows])

    def _duplicates(self) -> None:
        rows = self._fetch(
            f"SELECT s.row_no, s.household_no, s.benefit, f.first FROM {q(STAGE)} s JOIN "  # noqa: S608
            f"(SELECT benefit, household_id, id_number, paid_on, MIN(row_no) AS first FROM {q(STAGE)} "
            f"WHERE NOT bad GROUP BY benefit, household_id, id_number, paid_on HAVING COUNT(*) > 1) f "
            f"ON f.benefit = s.benefit AND f.household_id = s.household_id AND f.id_number = s.id_number "
            f"AND f.paid_on = s.paid_on WHERE NOT s.bad AND s.row_no > f.first ORDER BY s.row_no"
        )
        self._reject(
            [
                (r, h, "项目代码", code, f"与第 {first} 行是同一笔发放（政策、户、成员、发放日期相同），不能重复")
                for r, h, code, first in rows
            ]
        )

    def _known(self) -> None:
        """A payment already recorded: unchanged with the same amount, rejected with another."""
        payment = q(Payment._meta.db_table)
        join = (
            f"FROM {q(STAGE)} s JOIN {payment} p ON p.benefit = s.benefit AND p.household_id = s.household_id "
            f"AND p.member_key = s.id_number AND p.paid_on = s.paid_on WHERE NOT s.bad"
        )
        rows = self._fetch(f"SELECT s.row_no, s.household_no, s.amount, p.amount {join} AND p.amount <> s.amount")
        self._reject(
            [
                (
                    r,
                    h,
                    "金额",
                    _yuan(new),
                    f"这笔发放已登记，金额为 {_yuan(old)} 元；导入不修改已登记的发放，请核对后在系统中更正",
                )
                for r, h, new, old in sorted(rows)
            ]
        )
        self.cursor.execute(
            f"UPDATE {q(STAGE)} SET known = %s WHERE row_no IN (SELECT s.row_no {join})",  # noqa: S608
            [True],
        )

    # --- pass 3: write the new payments --------------------------------------------------------------------------

    def apply(self, batch: ImportBatch) -> None:
        outcome = self.outcome
        payment = q(Payment._meta.db_table)
        stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        new = f"FROM {q(STAGE)} s JOIN {q(BENEFITS)} b ON b.code = s.benefit WHERE NOT s.bad AND s.known IS NULL"
        self.cursor.execute(
            f"INSERT INTO {payment} (benefit, benefit_name, household_id, member_id, member_key, amount, paid_on, "
            f"year, department, income_item, source, batch_id, recorded_by_id, recorded_at) "
            f"SELECT s.benefit, b.name, s.household_id, s.member_id, s.id_number, s.amount, s.paid_on, s.year, "
            f"CASE WHEN s.department = '' THEN b.department_name ELSE s.department END, b.income_item, %s, %s, %s, %s "
            f"{new} ORDER BY s.row_no",
            [PaymentSource.IMPORT.value, batch.pk, getattr(account_of(self.user), "pk", None), stamp],
        )
        (outcome.unchanged,) = self._fetch(f"SELECT COUNT(*) FROM {q(STAGE)} WHERE NOT bad AND known")[0]  # noqa: S608
        (outcome.rejected,) = self._fetch(f"SELECT COUNT(DISTINCT row_no) FROM {q(ERRORS)}")[0]  # noqa: S608
        inserted = Payment.objects.filter(batch=batch)
        totals = inserted.aggregate(n=Count("id"), total=Sum("amount"))
        outcome.created = totals["n"] or 0
        outcome.amount = totals["total"] or Decimal("0.00")
        outcome.income_changes = payments_income_add(payments=inserted, user=self.user)

    def errors(self) -> Iterator[tuple[Any, ...]]:
        self.cursor.execute(
            f"SELECT row_no, household_no, header, value, message FROM {q(ERRORS)} ORDER BY row_no, seq"  # noqa: S608
        )
        return iter(self.cursor.fetchone, None)


def _yuan(value: Any) -> str:
    return f"{Decimal(str(value)).quantize(_CENT):,}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def payments_import(
    *,
    path: Path,
    user: Any,
    today: dt.date | None = None,
    progress: Progress | None = None,
    max_rows: int = MAX_ROWS,
    catalogue: Catalogue | None = None,
) -> PaymentImportOutcome:
    """Import a file of benefit payments (docs/LEDGER.md §5) in one transaction; see the module docstring.

    ``user`` is :data:`~jingzhun.core.scope.SYSTEM` (the command line: every household, every benefit) or a user
    who may record payments (the households of their scope; a department clerk its department's benefits).
    Raises ``UnusableFile`` for a file that cannot be used at all (nothing written) and ``PermissionDenied`` for a
    user who may not record payments.
    """
    if user is not SYSTEM and not (user_can(user, Capability.RECORD_BENEFIT_PAYMENTS) and scope_prefix(user)):
        raise PermissionDenied("您的角色不能登记政策发放。")
    path = Path(path)
    today = today or timezone.localdate()
    job = _Import(user=user, today=today, catalogue=catalogue or catalogue_in_force(), max_rows=max_rows)
    outcome = job.outcome
    with open_table(path) as table, transaction.atomic():
        job.stage(table, progress)
        if not outcome.rows:
            raise UnusableFile("文件中只有表头，没有数据行")
        outcome.unknown_headers = tuple(job.unknown)
        job.check()
        batch = ImportBatch.objects.create(
            kind=ImportBatch.Kind.PAYMENTS, file_name=path.name, user_id=getattr(account_of(user), "pk", None)
        )
        job.apply(batch)
        outcome.batch_id = batch.pk
        outcome.report_path = _report(path, job)
        batch.sha256 = _sha256(path)
        batch.rows = outcome.rows
        batch.summary = {k: v if isinstance(v, int | str) else str(v) for k, v in summary(outcome, file=path)}
        batch.save()
        access_log_record(
            user=None if user is SYSTEM else user,
            action=AccessLog.Action.IMPORT,
            target=f"政策发放 {path.name}",
            detail={
                "batch": batch.pk,
                "created": outcome.created,
                "unchanged": outcome.unchanged,
                "rejected": outcome.rejected,
            },
        )
        drop_temp_tables(job.cursor, TEMP_TABLES)
    if progress:
        progress(1, 1)
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
        warnings=[(1, "", header, "", "未知的列，已忽略") for header in job.unknown],
        summary=summary(outcome, file=path),
        headers=REPORT_HEADERS,
        widths=REPORT_WIDTHS,
    )
    return report


def summary(outcome: PaymentImportOutcome, *, file: Path) -> list[tuple[str, object]]:
    return [
        ("文件", file.name),
        ("数据行数", outcome.rows),
        ("新登记的发放", outcome.created),
        ("新登记的金额（元）", f"{outcome.amount:,.2f}"),
        ("已登记、未变化", outcome.unchanged),
        ("未导入的行（有错误）", outcome.rejected),
        ("错误条数", outcome.errors),
        ("忽略的未知列", "、".join(outcome.unknown_headers)),
    ]
