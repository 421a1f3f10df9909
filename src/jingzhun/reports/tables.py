"""A standard table (统计报表) as data: areas down the side, figures across, towns subtotalled, a total.

A table's figures are counted per village by its builder; :func:`table_rolled_up` adds the towns' and the scope's
rows as sums of the rows below them, so a total is the sum of its rows by construction and every area in scope
has a row (zeros included). The page, the workbook and the machine CSV are drawn from the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jingzhun.areas.models import PREFIX_LENGTH, Level
from jingzhun.areas.selectors import area_tree

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Column:
    """One figure column: ``key`` in each row's values, its header, and the group header above it (two-row
    headers: 户数 and 人数 under each status)."""

    key: str
    label: str
    group: str = ""


@dataclass
class AreaRow:
    code: str
    name: str
    level: str
    values: dict[str, Any] = field(default_factory=dict)  # counts (int) or amounts (Decimal)


@dataclass
class StandardTable:
    name: str
    title: str
    unit: str  # 单位：户、人
    year: int
    as_of: dt.date  # the figures are as recorded at the end of this day
    scope_name: str
    columns: list[Column]
    rows: list[AreaRow]  # in code order: the scope's area first, each town before its villages
    note: str = ""  # how the figures were counted (shown under the table)
    # Column key → the address of the list behind a village's figure, with ``{code}`` for the village's code.
    links: Mapping[str, str] = field(default_factory=dict)

    @property
    def groups(self) -> list[tuple[str, int]]:
        """``(group header, columns under it)`` in column order."""
        spans: list[tuple[str, int]] = []
        for column in self.columns:
            if spans and spans[-1][0] == column.group:
                spans[-1] = (column.group, spans[-1][1] + 1)
            else:
                spans.append((column.group, 1))
        return spans

    @property
    def total(self) -> AreaRow | None:
        """The row of the scope's own area (a county's, a town's), when the scope is one area."""
        if self.rows and all(r.code.startswith(_prefix(self.rows[0])) for r in self.rows):
            return self.rows[0]
        return None


def table_build(
    *,
    name: str,
    title: str,
    unit: str,
    year: int,
    as_of: dt.date,
    area_prefix: str,
    scope_name: str,
    columns: list[Column],
    by_area: Mapping[str, Mapping[str, Any]],
    note: str = "",
    links: Mapping[str, str] | None = None,
) -> StandardTable:
    """A table of every area under ``area_prefix`` (:func:`areas.selectors.area_tree`), its figures those counted
    per area in ``by_area`` rolled up (:func:`table_rolled_up`): the one way every standard table is made."""
    rows = table_rolled_up(areas=area_tree(prefix=area_prefix), columns=columns, by_village=by_area)
    return StandardTable(
        name=name,
        title=title,
        unit=unit,
        year=year,
        as_of=as_of,
        scope_name=scope_name,
        columns=columns,
        rows=rows,
        note=note,
        links=links or {},
    )


def table_rolled_up(
    *,
    areas: Sequence[tuple[str, str, str]],
    columns: Sequence[Column],
    by_village: Mapping[str, Mapping[str, Any]],
) -> list[AreaRow]:
    """One row per area ``(code, name, level)`` (``areas.selectors.area_tree``): the figures counted for its code
    in ``by_village`` (a village's mostly; a town or county may have figures of its own, e.g. a finding made at
    town level) plus those of every area under it. Figures counted for a code outside ``areas`` are left out."""
    keys = [c.key for c in columns]
    rows = [AreaRow(code=code, name=name, level=level, values=dict.fromkeys(keys, 0)) for code, name, level in areas]
    for row in rows:
        counted = by_village.get(row.code)
        if not counted:
            continue
        for target in rows:
            if row.code.startswith(_prefix(target)):  # the row itself and every area above it
                for key in keys:
                    target.values[key] += counted.get(key, 0)
    for row in rows:  # amounts to the fen: SQLite sums decimals as doubles
        for key, value in row.values.items():
            if isinstance(value, Decimal):
                row.values[key] = value.quantize(CENT)
    return rows


def _prefix(row: AreaRow) -> str:
    return row.code[: PREFIX_LENGTH[Level(row.level)]]
