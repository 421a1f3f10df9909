"""Set-based additions to one income item of many households (e.g. the dividends a project approved), with the
field history, in the caller's transaction. Reached through :func:`registry.services.income_add_set`."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from jingzhun.core.scope import account_of, scope_prefix
from jingzhun.core.sql import create_temp_table, q

from .ledger_format import INCOME_AMOUNT_FIELDS
from .models import ChangeRecord, Household, Income
from .services import RegistryRefused

_ADDITIONS = "jz_income_additions"
_COLUMNS = {f.name: str(f.column) for f in Income._meta.concrete_fields}


def _cents_text(expr: str) -> str:
    """A non-negative integer-cents SQL expression as money text, ``1234.50`` (the same on both databases); for
    statements with parameters (``%`` doubled)."""
    return (
        f"(CAST(({expr}) / 100 AS TEXT) || '.' || "
        f"CASE WHEN ({expr}) %% 100 < 10 THEN '0' ELSE '' END || CAST(({expr}) %% 100 AS TEXT))"
    )


def _cents(expr: str) -> str:
    """A money column as integer cents (SQLite keeps decimals as floating point: rounded, never truncated)."""
    return f"CAST(ROUND(({expr}) * 100) AS BIGINT)"


def income_add_set(*, year: int, field: str, amounts: QuerySet[Any], user: Any) -> int:
    """Add amounts to one income item (e.g. ``"dividend"``, 资产收益分红) of many households for ``year``, in
    SQL, inside the caller's transaction; returns the number of households whose income changed.

    ``amounts`` is a queryset of ``values("household_id", amount=…)`` rows in yuan (several rows of one household
    are added up; amounts are not negative). A household without an income row for the year gets one with every
    other item 0. Each change goes to the field-level history like an edit (entity ``income``, key
    ``<household_no>/<year>``, the old value — NULL for a new row — and the new one), so the next assessment
    counts it and the household record shows where it came from. Every household must lie in ``user``'s scope
    (:data:`SYSTEM`: any); otherwise nothing is written.
    """
    if field not in INCOME_AMOUNT_FIELDS:
        raise ValueError(f"unknown income item {field!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("income_add_set() belongs inside the caller's transaction")
    prefix = scope_prefix(user)
    if prefix is None:
        raise RegistryRefused("您没有管辖区域，不能修改收入。")
    source_sql, source_params = amounts.query.sql_with_params()
    household_table, income_table = q(Household._meta.db_table), q(Income._meta.db_table)
    column = q(_COLUMNS[field])
    with connection.cursor() as cursor:
        create_temp_table(cursor, _ADDITIONS, [("household_id", "BIGINT PRIMARY KEY"), ("cents", "BIGINT NOT NULL")])
        cursor.execute(
            f"INSERT INTO {q(_ADDITIONS)} (household_id, cents) SELECT a.household_id, SUM({_cents('a.amount')}) "
            f"FROM ({source_sql}) a GROUP BY a.household_id HAVING SUM({_cents('a.amount')}) <> 0",
            source_params,
        )
        cursor.execute(
            f"SELECT COUNT(*), COALESCE(MIN(x.cents), 0), "
            f"COALESCE(SUM(CASE WHEN h.village_id LIKE %s THEN 0 ELSE 1 END), 0) "
            f"FROM {q(_ADDITIONS)} x JOIN {household_table} h ON h.id = x.household_id",
            [f"{prefix}%"],
        )
        changed, smallest, outside = cursor.fetchone()
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {q(_ADDITIONS)}")  # a temporary table has no statistics until asked
        if smallest < 0:
            raise ValueError("income_add_set() adds amounts; a negative one was given")
        if outside:
            raise RegistryRefused(f"有 {outside} 户不在您的管辖区域内，不能修改其收入。")
        if not changed:
            return 0
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        old = _cents(f"i.{column}")
        cursor.execute(
            f"INSERT INTO {q(ChangeRecord._meta.db_table)} (entity, entity_key, field, old_value, new_value, "
            f"changed_at, changed_by_id, batch_id) "
            f"SELECT 'income', h.household_no || '/' || %s, %s, "
            f"CASE WHEN i.id IS NULL THEN NULL ELSE {_cents_text(old)} END, "
            f"{_cents_text(f'COALESCE({old}, 0) + x.cents')}, %s, %s, NULL "
            f"FROM {q(_ADDITIONS)} x JOIN {household_table} h ON h.id = x.household_id "
            f"LEFT JOIN {income_table} i ON i.household_id = x.household_id AND i.year = %s",
            [str(year), field, now, getattr(account_of(user), "pk", None), year],
        )
        cursor.execute(
            f"UPDATE {income_table} SET {column} = ({_cents(f'{income_table}.{column}')} + x.cents) / 100.0, "
            f"updated_at = %s FROM {q(_ADDITIONS)} x "
            f"WHERE x.household_id = {income_table}.household_id AND {income_table}.year = %s",
            [now, year],
        )
        zero_columns = [q(_COLUMNS[name]) for name in INCOME_AMOUNT_FIELDS if name != field]
        cursor.execute(
            f"INSERT INTO {income_table} (household_id, year, {column}, {', '.join(zero_columns)}, created_at, "
            f"updated_at) SELECT x.household_id, %s, x.cents / 100.0, {', '.join('0' for _ in zero_columns)}, %s, %s "
            f"FROM {q(_ADDITIONS)} x WHERE NOT EXISTS (SELECT 1 FROM {income_table} i "
            f"WHERE i.household_id = x.household_id AND i.year = %s)",
            [year, now, now, year],
        )
        cursor.execute(f"DROP TABLE {q(_ADDITIONS)}")
    return int(changed)
