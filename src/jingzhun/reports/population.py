"""Standard table 1: population by poverty status and household attribute (建档立卡人口分布), and its machine format
(docs/LEDGER.md §7).

The year's figures are as recorded at the end of the year (31 December, 24:00 in the county's time zone); for the
current year, as recorded now. Past years are read back from the registry's history
(:mod:`jingzhun.registry.population_selectors`), so a filed table prints the same figures next year.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.urls import reverse
from django.utils import timezone

from jingzhun.registry.population_selectors import household_counts_by_village
from jingzhun.registry.vocab import LEDGER_WORD, Attribute, PovertyStatus

from .tables import Column, StandardTable, table_build

NAME = "population"
TITLE = "建档立卡人口分布表（按贫困户状态和属性）"
# The ledger's order of the statuses (docs/LEDGER.md §1), for the columns and the machine format.
STATUSES = [
    PovertyStatus.NON_POOR,
    PovertyStatus.NOT_EXITED,
    PovertyStatus.EXITED,
    PovertyStatus.PRE_EXIT,
    PovertyStatus.RELAPSED,
    PovertyStatus.EXITED_NO_POLICY,
]
STATUS_WORD = LEDGER_WORD[PovertyStatus]
ATTRIBUTE_WORD = LEDGER_WORD[Attribute]


def year_end(year: int) -> dt.datetime | None:
    """The moment a year's figures are read at: the end of ``year`` in the county's time zone; None (now) for
    the current year or a later one."""
    if year >= timezone.localdate().year:
        return None
    return dt.datetime(year + 1, 1, 1, tzinfo=timezone.get_current_timezone())


def as_of_date(year: int) -> dt.date:
    """The date printed as 截至 on a table of ``year``."""
    return timezone.localdate() if year_end(year) is None else dt.date(year, 12, 31)


def columns() -> list[Column]:
    cols = [Column("households", "户数", "合计"), Column("people", "人数", "合计")]
    for status in STATUSES:
        cols += [Column(f"h_{status}", "户数", STATUS_WORD[status]), Column(f"p_{status}", "人数", STATUS_WORD[status])]
    for attribute in Attribute:
        group = f"建档立卡户中：{ATTRIBUTE_WORD[attribute]}"
        cols += [Column(f"h_{attribute}", "户数", group), Column(f"p_{attribute}", "人数", group)]
    return cols


def population_table(*, user: Any, year: int, area_prefix: str, scope_name: str) -> StandardTable:
    """The table for the areas under ``area_prefix`` (already checked to lie in the user's scope)."""
    by_village: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    counts = household_counts_by_village(
        user=user, area_prefix=area_prefix, as_of=year_end(year), by=("poverty_status", "attribute")
    )
    for count in counts:
        values = by_village[count["village"]]
        households, people = count["households"], count["people"]
        values["households"] += households
        values["people"] += people
        values[f"h_{count['poverty_status']}"] += households
        values[f"p_{count['poverty_status']}"] += people
        if count["poverty_status"] != PovertyStatus.NON_POOR:
            values[f"h_{count['attribute']}"] += households
            values[f"p_{count['attribute']}"] += people
    live = year_end(year) is None
    return table_build(
        name=NAME,
        title=TITLE,
        unit="单位：户、人",
        year=year,
        as_of=as_of_date(year),
        scope_name=scope_name,
        columns=columns(),
        area_prefix=area_prefix,
        by_area=by_village,
        note=(
            "人数为在册成员；属性只统计建档立卡户（非贫困户除外）。"
            + ("当年数据为当前登记情况。" if live else f"{year} 年数据按系统变更记录回溯到 {year} 年 12 月 31 日末。")
        ),
        links=_links() if live else {},
    )


def _links() -> dict[str, str]:
    """The household list behind a village's status figure of the current year (a past year's list is not kept)."""
    base = reverse("registry:household_list")
    return {f"h_{status}": f"{base}?status={status}&village={{code}}" for status in STATUSES}


MACHINE_HEADER = ("area_code", "level", "status", "households", "people")


def machine_rows(table: StandardTable) -> list[tuple[str, str, str, int, int]]:
    """docs/LEDGER.md §7: one row per area and status, every area in scope with all six statuses, in area code
    order (an area before the areas under it) and the ledger's status order."""
    return [
        (row.code, row.level, STATUS_WORD[status], row.values[f"h_{status}"], row.values[f"p_{status}"])
        for row in table.rows
        for status in STATUSES
    ]
