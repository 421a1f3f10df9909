"""Pass 2: the file checked as a whole, in a few SQL statements over the staging tables."""

from __future__ import annotations

from typing import Any

from django.db import connection

from jingzhun.core.sql import as_text, concat_distinct, is_distinct, q
from jingzhun.spreadsheets.cells import Column

from ..ledger_format import YES_NO_FIELDS
from ..models import Household
from ..vocab import Relation
from .base import DUP_ID, ERRORS, FIRST, REJECTED, STAGE, STAGE_HH, ImportBase


def _display_sql(column: Column, expr: str) -> str:
    """SQL showing a staged value the way the ledger writes it (for messages)."""
    if column.choices is not None:
        cases = " ".join(f"WHEN '{code}' THEN '{text}'" for text, code in column.choices.items())
        return f"(CASE {expr} {cases} ELSE '' END)"
    if column.field in YES_NO_FIELDS:
        return f"(CASE WHEN {expr} THEN '是' WHEN NOT {expr} THEN '否' ELSE '' END)"
    return f"COALESCE({as_text(expr)}, '')"


class Checks(ImportBase):
    def check(self) -> None:
        cursor = connection.cursor()
        self._create_as(
            cursor,
            FIRST,
            # Rows of a household disagree when their signatures do (MIN <> MAX: no DISTINCT set per group).
            f"SELECT household_no, MIN(row_no) AS first_row, MIN(hh_sig) <> MAX(hh_sig) AS disagree "
            f"FROM {q(STAGE_HH)} WHERE household_no IS NOT NULL GROUP BY household_no",
        )
        cursor.execute(f"CREATE INDEX jz_first_household ON {q(FIRST)} (household_no)")
        self._check_household_columns(cursor)
        self._check_duplicate_ids(cursor)
        self._check_heads(cursor)
        if self.area_prefix:
            self._check_scope(cursor)
        self._create_as(
            cursor,
            REJECTED,
            f"SELECT DISTINCT household_no FROM {q(ERRORS)} WHERE household_no IS NOT NULL AND household_no <> ''",
        )
        cursor.execute(f"CREATE INDEX jz_rejected_household ON {q(REJECTED)} (household_no)")

    def _check_household_columns(self, cursor: Any) -> None:
        """Rows of one household that disagree with its first row on a household column."""
        cursor.execute(f"SELECT COUNT(*) FROM {q(FIRST)} WHERE disagree")
        if not cursor.fetchone()[0]:
            return
        for _, column in self.columns:
            if not column.household_level or column.field == "household_no":
                continue
            c = q(column.field)
            shown_row, shown_first = _display_sql(column, f"r.{c}"), _display_sql(column, f"f0.{c}")
            cursor.execute(
                f"INSERT INTO {q(ERRORS)} (row_no, household_no, header, value, message) "
                f"SELECT r.row_no, r.household_no, %s, {shown_row}, "
                f"'与本户第 ' || f.first_row || ' 行的“' || {shown_first} || '”不一致（户内各行的户信息须相同），本户未导入' "
                f"FROM {q(FIRST)} f JOIN {q(STAGE_HH)} f0 ON f0.row_no = f.first_row "
                f"JOIN {q(STAGE_HH)} r ON r.household_no = f.household_no "
                f"WHERE f.disagree AND r.row_no <> f.first_row AND {is_distinct(f'r.{c}', f'f0.{c}')} "
                f"AND r.row_no NOT IN (SELECT e.row_no FROM {q(ERRORS)} e WHERE e.header = %s)",
                [column.header, column.header],
            )

    def _check_duplicate_ids(self, cursor: Any) -> None:
        self._create_as(
            cursor,
            DUP_ID,
            f"SELECT id_number, COUNT(DISTINCT household_no) AS households, "
            f"{concat_distinct('household_no')} AS household_nos "
            # The numbers written twice are found on the staging index (no sort of every row); only
            # their rows are then grouped again to name the households.
            f"FROM {q(STAGE)} WHERE id_number IN (SELECT id_number FROM {q(STAGE)} "
            f"WHERE id_number IS NOT NULL GROUP BY id_number HAVING COUNT(*) > 1) GROUP BY id_number",
        )
        cursor.execute(
            f"INSERT INTO {q(ERRORS)} (row_no, household_no, header, value, message) "
            f"SELECT r.row_no, r.household_no, '证件号码', r.id_number, "
            f"CASE WHEN d.households > 1 "
            f"THEN '同一证件号码出现在不同的户（户编号 ' || d.household_nos || '），这些户都未导入' "
            f"ELSE '同一证件号码在本户出现多次，本户未导入' END "
            f"FROM {q(STAGE)} r JOIN {q(DUP_ID)} d ON d.id_number = r.id_number"
        )

    def _check_scope(self, cursor: Any) -> None:
        """From the web, a user imports only households of their own area, and cannot move one out of another.

        One error per household and one message, whichever the reason — a village code outside the area, or a
        household number registered outside it — so the report never says whether a household exists
        elsewhere. (Household numbers are unique: a number taken elsewhere cannot be created here either.)
        """
        village_outside = (
            "s.village_code IS NOT NULL AND s.village_code NOT LIKE %s" if "village_code" in self.present else "0 = 1"
        )
        params = [self.area_prefix + "%"] if "village_code" in self.present else []
        cursor.execute(
            f"INSERT INTO {q(ERRORS)} (row_no, household_no, header, value, message) "
            f"SELECT f.first_row, f.household_no, "
            f"CASE WHEN {village_outside} THEN '村代码' ELSE '户编号' END, "
            f"CASE WHEN {village_outside} THEN s.village_code ELSE f.household_no END, "
            f"'不在您的管辖范围（区划代码 ' || %s || ' 开头）内，本户未导入' "
            f"FROM {q(FIRST)} f JOIN {q(STAGE_HH)} s ON s.row_no = f.first_row "
            f"WHERE ({village_outside}) OR EXISTS (SELECT 1 FROM {q(Household._meta.db_table)} h "
            f"WHERE h.household_no = f.household_no AND h.village_id NOT LIKE %s)",
            [*params, *params, self.area_prefix, *params, self.area_prefix + "%"],
        )

    def _check_heads(self, cursor: Any) -> None:
        if "relation" not in self.present:
            return
        cursor.execute(
            f"INSERT INTO {q(ERRORS)} (row_no, household_no, header, value, message) "
            f"SELECT f.first_row, f.household_no, '与户主关系', '', "
            f"CASE WHEN h.heads = 0 THEN '本户没有户主，本户未导入' "
            f"ELSE '本户有 ' || h.heads || ' 个户主（应为 1 个），本户未导入' END "
            f"FROM (SELECT household_no, SUM(CASE WHEN relation = %s THEN 1 ELSE 0 END) AS heads "
            f"      FROM {q(STAGE)} WHERE household_no IS NOT NULL GROUP BY household_no) h "
            f"JOIN {q(FIRST)} f ON f.household_no = h.household_no WHERE h.heads <> 1",
            [Relation.HEAD.value],
        )
