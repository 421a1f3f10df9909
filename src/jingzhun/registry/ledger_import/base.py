"""What every pass of the ledger import shares: the temporary tables' names, the outcome, and the state of
one import (its columns, their staging types, the time), with the one helper the checks and apply share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from jingzhun.areas.models import Area
from jingzhun.core.sql import q
from jingzhun.spreadsheets.cells import Column
from jingzhun.spreadsheets.reading import Table, UnusableFile, header_positions

from ..ledger_format import LEDGER_COLUMNS
from ..models import Household, Income, Member

STAGE, STAGE_HH, ERRORS, WARNINGS = "jz_stage", "jz_stage_household", "jz_errors", "jz_warnings"
FIRST, DUP_ID, REJECTED, HOUSEHOLDS, MEMBERS, INCOMES = (
    "jz_first",
    "jz_dup_id",
    "jz_rejected",
    "jz_households",
    "jz_members",
    "jz_incomes",
)
TEMP_TABLES = (STAGE, STAGE_HH, ERRORS, WARNINGS, FIRST, DUP_ID, REJECTED, HOUSEHOLDS, MEMBERS, INCOMES)


@dataclass
class LedgerImportOutcome:
    batch_id: int | None = None
    rows: int = 0
    households: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    members_created: int = 0
    members_updated: int = 0
    members_missing: int = 0
    errors: int = 0
    warnings: int = 0
    new_villages: list[str] = field(default_factory=list)
    report_path: Path | None = None
    timings: list[float] = field(default_factory=list)  # seconds: stage, check, apply, report
    workers: int = 1  # processes that read and parsed the file

    @property
    def exit_code(self) -> int:
        """0 when every row was imported, 1 when some were rejected (docs/LEDGER.md, the import CLI)."""
        return 1 if self.errors else 0


Progress = Callable[[int, int], None]
NearMisses = Callable[[int, str, str], str]  # (row, household number, ID text) → a suffix for the error message
_MESSAGE_NAMES = ["row_no", "household_no", "header", "value", "message"]


def _resolve_headers(headers: list[str]) -> tuple[list[tuple[int, Column]], list[tuple[int, str]]]:
    seen, unknown = header_positions(headers, (c.header for c in LEDGER_COLUMNS))
    missing = [c.header for c in LEDGER_COLUMNS if c.required_header and c.header not in seen]
    if missing:
        raise UnusableFile("不是贫困人口台账：缺少必需的列 " + "、".join(missing))
    # Declaration order, which starts with 户编号: every later error can name its household.
    return [(seen[c.header], c) for c in LEDGER_COLUMNS if c.header in seen], unknown


def _model_field_type(model: type[Model], name: str) -> str:
    return str(model._meta.get_field(name).db_type(connection))


def _staging_type(column: Column) -> list[tuple[str, str]]:
    if column.field == "id_number":
        return [
            ("id_number", _model_field_type(Member, "id_number")),
            ("birth_date", _model_field_type(Member, "birth_date")),
            ("sex", _model_field_type(Member, "sex")),
        ]
    if column.field == "village_code":
        return [("village_code", _model_field_type(Area, "code"))]
    if column.field == "village_name":
        return [("village_name", _model_field_type(Area, "name"))]
    if column.field == "income_year":
        return [("income_year", _model_field_type(Income, "year"))]
    model = {"household": Household, "member": Member, "income": Income}[column.level]
    return [(column.field, _model_field_type(model, column.field))]


class ImportBase:
    """The state of one import; the passes are mixins over it, composed by ``ledger_import._LedgerImport``."""

    def __init__(
        self,
        *,
        path: Path,
        table: Table,
        user: Any,
        on_progress: Progress | None,
        area_prefix: str = "",
        workers: int = 1,
    ) -> None:
        self.path = path
        self.workers = workers
        self.scratch: Path | None = None
        self.hasher: tuple[Any, Any] | None = None  # (process, receiving end) hashing the file aside
        self.attached: list[str] = []
        self.area_prefix = area_prefix
        self.table = table
        self.user = user
        self.user_id = getattr(user, "pk", None)
        self.on_progress = on_progress
        self.columns, self.unknown_headers = _resolve_headers(table.headers)
        self.id_header = next((c.header for _, c in self.columns if c.field == "id_number"), "")
        self.present = {c.field for _, c in self.columns}
        self.household_stage_columns = [("row_no", "integer PRIMARY KEY"), ("hh_sig", "bigint")]
        self.member_stage_columns = [("row_no", "integer PRIMARY KEY"), ("household_no", "varchar(40)")]
        for _, column in self.columns:
            if column.household_level:
                self.household_stage_columns.extend(_staging_type(column))
            else:
                self.member_stage_columns.extend(_staging_type(column))
        self.now = timezone.now()
        self.now_db = connection.ops.adapt_datetimefield_value(self.now)
        self.today = timezone.localdate()
        self.outcome = LedgerImportOutcome()

    def _create_as(self, cursor: Any, name: str, select: str, params: tuple[Any, ...] = ()) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {q(name)}")
        suffix = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
        cursor.execute(f"CREATE TEMPORARY TABLE {q(name)}{suffix} AS {select}", params)
