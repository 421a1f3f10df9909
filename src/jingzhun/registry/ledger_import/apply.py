"""Pass 3: the accepted households applied in SQL: villages, households, members and incomes upserted where a
value changed, after the differences have been copied into the change and status history; the counts."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from django.db import connection
from django.db.models import Model

from jingzhun.areas import services as area_services
from jingzhun.areas.models import Area
from jingzhun.core.sql import as_text, insert_rows, is_distinct, q

from ..ledger_format import INCOME_AMOUNT_FIELDS
from ..models import MEMBER_SEARCH_INDEXES, ChangeRecord, Household, ImportBatch, Income, Member, StatusChange
from ..vocab import MemberStatus
from .base import ERRORS, FIRST, HOUSEHOLDS, INCOMES, MEMBERS, REJECTED, STAGE, STAGE_HH, WARNINGS, ImportBase

# Staging columns that are not model fields of the same name.
_HOUSEHOLD_TARGET = {"village_code": "village_id"}


@contextlib.contextmanager
def _index_built_after(
    cursor: Any, model: type[Model], fields: list[str], *, new_rows: int, made_by_sql: Mapping[str, str] | None = None
) -> Iterator[None]:
    """On SQLite, drop ``model``'s index on ``fields`` (and the indexes ``made_by_sql``, name → columns) around a
    bulk insert and build them again after, when the insert at least doubles the table: one sort instead of a
    random B-tree insert per row (a million new members: 3–4 s less on the ID number index).

    Inside the import's transaction, so a failure restores the index with everything else, and readers keep
    their snapshot meanwhile (WAL). Not on PostgreSQL, where dropping it would lock the table for readers.
    """
    index = next((i for i in model._meta.indexes if i.fields == fields and i.condition is None), None)
    table = q(model._meta.db_table)
    if connection.vendor != "sqlite" or index is None or not new_rows:
        yield
        return
    cursor.execute(f"SELECT COUNT(*) FROM {table}")
    if new_rows < cursor.fetchone()[0]:
        yield
        return
    column_of = {f.name: f.column for f in model._meta.concrete_fields if f.column}
    columns = ", ".join(q(column_of[name]) for name in fields)
    rebuilt = {index.name: columns, **(made_by_sql or {})}
    for name in rebuilt:
        cursor.execute(f"DROP INDEX IF EXISTS {q(name)}")
    yield
    for name, indexed in rebuilt.items():
        cursor.execute(f"CREATE INDEX {q(name)} ON {table} ({indexed})")


class Applying(ImportBase):
    def apply(self, batch: ImportBatch) -> None:
        cursor = connection.cursor()
        self._create_as(
            cursor,
            HOUSEHOLDS,
            f"SELECT f.household_no, f.first_row, h.id AS existing_id FROM {q(FIRST)} f "
            f"LEFT JOIN {q(Household._meta.db_table)} h ON h.household_no = f.household_no "
            f"WHERE f.household_no NOT IN (SELECT household_no FROM {q(REJECTED)})",
        )
        cursor.execute(f"CREATE INDEX jz_households_no ON {q(HOUSEHOLDS)} (household_no)")
        cursor.execute(f"SELECT COUNT(*), COUNT(existing_id) FROM {q(HOUSEHOLDS)}")
        accepted, existing = cursor.fetchone()
        self._ensure_villages(cursor)
        self._apply_households(cursor, batch, has_existing=existing > 0)
        self._apply_members(cursor, batch, has_existing=existing > 0)
        if "income_year" in self.present:
            self._apply_incomes(cursor, batch, has_existing=existing > 0)
        self._count(cursor, accepted=accepted, existing=existing)

    def _ensure_villages(self, cursor: Any) -> None:
        name_expr = "MIN(s.village_name)" if "village_name" in self.present else "''"
        cursor.execute(
            f"SELECT s.village_code, {name_expr}, MIN(j.first_row), MIN(j.household_no) "
            f"FROM {q(HOUSEHOLDS)} j JOIN {q(STAGE_HH)} s ON s.row_no = j.first_row "
            f"LEFT JOIN {q(Area._meta.db_table)} a ON a.code = s.village_code "
            f"WHERE a.code IS NULL GROUP BY s.village_code"
        )
        missing = cursor.fetchall()
        if not missing:
            return
        created = area_services.villages_ensure(villages=[(code, name or "") for code, name, _, _ in missing])
        self.outcome.new_villages = created
        insert_rows(
            cursor,
            WARNINGS,
            ["row_no", "household_no", "header", "value", "message"],
            [
                (row, household_no, "村代码", code, f"系统中原来没有这个村，已新建行政村“{name or code}”及其上级区划")
                for code, name, row, household_no in missing
            ],
        )

    def _history(
        self,
        cursor: Any,
        *,
        entity: str,
        key_sql: str,
        joins: str,
        pairs: list[tuple[str, str, str]],
        batch: ImportBatch,
    ) -> None:
        """Copy field-level differences (target alias t, staging alias s) into the change history."""
        table = q(ChangeRecord._meta.db_table)
        for field_name, target_col, stage_col in pairs:
            cursor.execute(
                f"INSERT INTO {table} (entity, entity_key, field, old_value, new_value, changed_at, "
                f"changed_by_id, batch_id) "
                f"SELECT %s, {key_sql}, %s, {as_text(f't.{q(target_col)}')}, {as_text(f's.{q(stage_col)}')}, "
                f"%s, %s, %s {joins} WHERE {is_distinct(f't.{q(target_col)}', f's.{q(stage_col)}')}",
                [entity, field_name, self.now_db, self.user_id, batch.pk],
            )

    def _upsert(
        self,
        cursor: Any,
        *,
        model: type[Model],
        conflict: list[str],
        pairs: list[tuple[str, str]],
        fixed: list[tuple[str, str]],
        source: str,
    ) -> None:
        """INSERT … SELECT with ON CONFLICT DO UPDATE of the present columns, only where they changed.

        ``pairs`` are (target column, staging expression) taken from the file; every other column a new
        row needs takes its model default, and is left alone on existing rows.
        """
        table = q(model._meta.db_table)
        targets = [t for t, _ in pairs]
        defaults: list[tuple[str, Any]] = []
        skip = {*targets, *(t for t, _ in fixed), "id", "created_at", "updated_at"}
        for model_field in model._meta.concrete_fields:
            if model_field.column is None:  # never: a field is concrete exactly when it has a column
                continue
            if model_field.column in skip:
                continue
            defaults.append((model_field.column, model_field.get_db_prep_save(model_field.get_default(), connection)))
        columns = [*targets, *(t for t, _ in fixed), *(c for c, _ in defaults), "created_at", "updated_at"]
        select = [*(e for _, e in pairs), *(e for _, e in fixed), *(["%s"] * len(defaults)), "%s", "%s"]
        updates = [t for t in targets if t not in conflict]
        changed = " OR ".join(is_distinct(f"{table}.{q(t)}", f"excluded.{q(t)}") for t in updates) or "FALSE"
        sets = ", ".join(f"{q(t)} = excluded.{q(t)}" for t in [*updates, "updated_at"])
        sql = (
            f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "
            f"SELECT {', '.join(select)} {source} "
            f"ON CONFLICT ({', '.join(q(c) for c in conflict)}) DO UPDATE SET {sets} WHERE {changed}"
        )
        cursor.execute(sql, [*(v for _, v in defaults), self.now_db, self.now_db])

    def _household_pairs(self) -> list[tuple[str, str]]:
        pairs = []
        for _, column in self.columns:
            if column.level != "household" or column.field == "village_name":
                continue
            pairs.append((_HOUSEHOLD_TARGET.get(column.field, column.field), column.field))
        return pairs

    def _apply_households(self, cursor: Any, batch: ImportBatch, *, has_existing: bool) -> None:
        household_table = q(Household._meta.db_table)
        status_table = q(StatusChange._meta.db_table)
        pairs = self._household_pairs()
        reason = f"台账导入：{self.path.name}"[:500]
        if has_existing:
            joins = (
                f"FROM {q(HOUSEHOLDS)} j JOIN {q(STAGE_HH)} s ON s.row_no = j.first_row "
                f"JOIN {household_table} t ON t.id = j.existing_id"
            )
            self._history(
                cursor,
                entity="household",
                key_sql="j.household_no",
                joins=joins,
                pairs=[(target, target, stage) for target, stage in pairs if target != "household_no"],
                batch=batch,
            )
            cursor.execute(
                f"INSERT INTO {status_table} (household_id, from_status, to_status, changed_at, changed_by_id, "
                f"reason, batch_id) SELECT t.id, t.poverty_status, s.poverty_status, %s, %s, %s, %s {joins} "
                f"WHERE t.poverty_status <> s.poverty_status",
                [self.now_db, self.user_id, reason, batch.pk],
            )
        if connection.vendor == "sqlite":
            # The import holds SQLite's only write lock since its first insert, and SQLite gives new rows
            # ids above every id there is: the households created are those above the highest id now.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {household_table}")
            created = f"FROM {household_table} h WHERE h.id > {int(cursor.fetchone()[0])}"
        else:
            created = (
                f"FROM {q(HOUSEHOLDS)} j JOIN {household_table} h ON h.household_no = j.household_no "
                f"WHERE j.existing_id IS NULL"
            )
        self._upsert(
            cursor,
            model=Household,
            conflict=["household_no"],
            pairs=[(target, f"s.{q(stage)}") for target, stage in pairs],
            fixed=[],
            source=f"FROM {q(HOUSEHOLDS)} j JOIN {q(STAGE_HH)} s ON s.row_no = j.first_row WHERE 1 = 1",
        )
        cursor.execute(
            f"INSERT INTO {status_table} (household_id, from_status, to_status, changed_at, changed_by_id, "
            f"reason, batch_id) SELECT h.id, '', h.poverty_status, %s, %s, %s, %s {created}",
            [self.now_db, self.user_id, f"建档（{reason}）"[:500], batch.pk],
        )

    def _member_fields(self) -> list[str]:
        fields = []
        for _, column in self.columns:
            if column.level != "member":
                continue
            if column.field == "id_number":
                fields.extend(["id_number", "birth_date", "sex"])
            else:
                fields.append(column.field)
        return fields

    def _apply_members(self, cursor: Any, batch: ImportBatch, *, has_existing: bool) -> None:
        household_table = q(Household._meta.db_table)
        member_table = q(Member._meta.db_table)
        fields = self._member_fields()
        if not has_existing:
            # None of the file's households is registered yet, so neither is any of their members: nothing
            # to compare or look up, and the rows go in straight from the staging table. CROSS JOIN keeps
            # SQLite to this order (a look-up of each household, then its members through the staging
            # index) rather than two index look-ups per member; PostgreSQL plans it as it likes.
            self.outcome.members_created = self._upsert_members(
                cursor,
                fields,
                new_rows=self.outcome.rows,
                household_id="h.id",
                source=(
                    f"FROM {q(HOUSEHOLDS)} j CROSS JOIN {household_table} h CROSS JOIN {q(STAGE)} s "
                    f"WHERE h.household_no = j.household_no AND s.household_no = j.household_no"
                ),
            )
            return
        self._create_as(
            cursor,
            MEMBERS,
            f"SELECT s.row_no, h.id AS household_id, m.id AS existing_id "
            f"FROM {q(HOUSEHOLDS)} j JOIN {q(STAGE)} s ON s.household_no = j.household_no "
            f"JOIN {household_table} h ON h.household_no = j.household_no "
            f"LEFT JOIN {member_table} m ON m.household_id = h.id AND m.id_number = s.id_number",
        )
        self._history(
            cursor,
            entity="member",
            key_sql="s.household_no || '/' || s.id_number",
            joins=(
                f"FROM {q(MEMBERS)} x JOIN {q(STAGE)} s ON s.row_no = x.row_no "
                f"JOIN {member_table} t ON t.id = x.existing_id"
            ),
            pairs=[(f, f, f) for f in fields if f not in ("id_number", "birth_date", "sex")],
            batch=batch,
        )
        masked = "substr(m.id_number, 1, 6) || '********' || substr(m.id_number, 15, 4)"
        cursor.execute(
            f"INSERT INTO {q(WARNINGS)} (row_no, household_no, header, value, message) "
            f"SELECT j.first_row, j.household_no, '证件号码', {masked}, "
            f"'成员“' || m.name || '”已在系统中登记，但本次文件中没有，未删除；如已死亡或迁出，请修改其成员状态' "
            f"FROM {q(HOUSEHOLDS)} j JOIN {member_table} m ON m.household_id = j.existing_id "
            f"WHERE m.status = %s AND NOT EXISTS (SELECT 1 FROM {q(STAGE)} s "
            f"WHERE s.household_no = j.household_no AND s.id_number = m.id_number)",
            [MemberStatus.ACTIVE.value],
        )
        self.outcome.members_missing = cursor.rowcount if cursor.rowcount and cursor.rowcount > 0 else 0
        cursor.execute(f"SELECT COUNT(*) FROM {q(MEMBERS)} WHERE existing_id IS NULL")
        self._upsert_members(
            cursor,
            fields,
            new_rows=cursor.fetchone()[0],
            household_id="x.household_id",
            source=f"FROM {q(MEMBERS)} x JOIN {q(STAGE)} s ON s.row_no = x.row_no WHERE 1 = 1",
        )

    def _upsert_members(self, cursor: Any, fields: list[str], *, new_rows: int, household_id: str, source: str) -> int:
        """Upsert the staged members (alias s) of ``source``; the rows written."""
        with _index_built_after(cursor, Member, ["id_number"], new_rows=new_rows, made_by_sql=MEMBER_SEARCH_INDEXES):
            self._upsert(
                cursor,
                model=Member,
                conflict=["household_id", "id_number"],
                pairs=[(f, f"s.{q(f)}") for f in fields],
                fixed=[("household_id", household_id)],
                source=source,
            )
            return int(cursor.rowcount)

    def _apply_incomes(self, cursor: Any, batch: ImportBatch, *, has_existing: bool) -> None:
        household_table = q(Household._meta.db_table)
        income_table = q(Income._meta.db_table)
        amounts = [f for f in INCOME_AMOUNT_FIELDS if f in self.present]
        pairs = [("year", "s.income_year"), *((f, f"s.{q(f)}") for f in amounts)]
        if not has_existing:  # as for members: no income of these households is registered yet
            household_id = "h.id"
            source = (
                f"FROM {q(HOUSEHOLDS)} j JOIN {q(STAGE_HH)} s ON s.row_no = j.first_row "
                f"JOIN {household_table} h ON h.household_no = j.household_no WHERE s.income_year IS NOT NULL"
            )
        else:
            self._create_as(
                cursor,
                INCOMES,
                f"SELECT j.first_row, h.id AS household_id, i.id AS existing_id "
                f"FROM {q(HOUSEHOLDS)} j JOIN {q(STAGE_HH)} s ON s.row_no = j.first_row "
                f"JOIN {household_table} h ON h.household_no = j.household_no "
                f"LEFT JOIN {income_table} i ON i.household_id = h.id AND i.year = s.income_year "
                f"WHERE s.income_year IS NOT NULL",
            )
            self._history(
                cursor,
                entity="income",
                key_sql=f"s.household_no || '/' || {as_text('s.income_year')}",
                joins=(
                    f"FROM {q(INCOMES)} x JOIN {q(STAGE_HH)} s ON s.row_no = x.first_row "
                    f"JOIN {income_table} t ON t.id = x.existing_id"
                ),
                pairs=[(f, f, f) for f in amounts],
                batch=batch,
            )
            household_id = "x.household_id"
            source = f"FROM {q(INCOMES)} x JOIN {q(STAGE_HH)} s ON s.row_no = x.first_row WHERE 1 = 1"
        self._upsert(
            cursor,
            model=Income,
            conflict=["household_id", "year"],
            pairs=pairs,
            fixed=[("household_id", household_id)],
            source=source,
        )

    def _count(self, cursor: Any, *, accepted: int, existing: int) -> None:
        touched = "updated_at = %s"
        member_table, income_table = q(Member._meta.db_table), q(Income._meta.db_table)
        cursor.execute(
            f"SELECT COUNT(*) FROM {q(HOUSEHOLDS)} j WHERE j.existing_id IS NOT NULL AND ("
            f"EXISTS (SELECT 1 FROM {q(Household._meta.db_table)} h WHERE h.id = j.existing_id AND h.{touched}) "
            f"OR EXISTS (SELECT 1 FROM {member_table} m WHERE m.household_id = j.existing_id AND m.{touched}) "
            f"OR EXISTS (SELECT 1 FROM {income_table} i WHERE i.household_id = j.existing_id AND i.{touched}))",
            [self.now_db] * 3,
        )
        updated = cursor.fetchone()[0]
        if existing:  # otherwise every member was created, and _apply_members counted them
            cursor.execute(f"SELECT COUNT(*) FROM {q(MEMBERS)} WHERE existing_id IS NULL")
            self.outcome.members_created = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT COUNT(*) FROM {q(MEMBERS)} x JOIN {member_table} m ON m.id = x.existing_id WHERE m.{touched}",
                [self.now_db],
            )
            self.outcome.members_updated = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {q(FIRST)}")
        households = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {q(REJECTED)}")
        rejected = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {q(ERRORS)}")
        errors = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {q(WARNINGS)}")
        warnings = cursor.fetchone()[0]
        o = self.outcome
        o.households, o.rejected, o.errors, o.warnings = households, rejected, errors, warnings
        o.created, o.updated, o.unchanged = accepted - existing, updated, existing - updated
