"""Standard tables 2 and 3, counted from the registry like table 1 (:mod:`.population`), with the same year rule:
the current year as registered now, a past year as recorded at its end.

- ``causes``: registered households (every status but 非贫困户) and their active people by main cause of poverty.
- ``exits``: households by the year they exited (脱贫年度 of the ledger), every year up to the table's, and their
  active people; a household that exited and relapsed later still counts in its exit year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from jingzhun.registry.population_selectors import household_counts_by_village
from jingzhun.registry.vocab import LEDGER_WORD, Cause, PovertyStatus

from .population import as_of_date, year_end
from .tables import Column, StandardTable, table_build

FIRST_EXIT_YEAR = 2014


def _counted(
    *, user: Any, year: int, area_prefix: str, by: tuple[str, ...], keys: Callable[[dict[str, Any]], list[str]]
) -> dict[str, dict[str, int]]:
    """Per village, ``h_<key>``/``p_<key>`` summed over the household counts, each count going to the keys
    ``keys(count)`` names (none: left out)."""
    by_village: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for count in household_counts_by_village(user=user, area_prefix=area_prefix, as_of=year_end(year), by=by):
        for key in keys(count):
            by_village[count["village"]][f"h_{key}"] += count["households"]
            by_village[count["village"]][f"p_{key}"] += count["people"]
    return by_village


def _pair(key: str, group: str) -> list[Column]:
    return [Column(f"h_{key}", "户数", group), Column(f"p_{key}", "人数", group)]


def _table(
    *,
    name: str,
    title: str,
    year: int,
    area_prefix: str,
    scope_name: str,
    columns: list[Column],
    note: str,
    by_village: Any,
) -> StandardTable:
    live = year_end(year) is None
    return table_build(
        name=name,
        title=title,
        unit="单位：户、人",
        year=year,
        as_of=as_of_date(year),
        scope_name=scope_name,
        columns=columns,
        area_prefix=area_prefix,
        by_area=by_village,
        note=note
        + ("当年数据为当前登记情况。" if live else f"{year} 年数据按系统变更记录回溯到 {year} 年 12 月 31 日末。"),
    )


CAUSES_TITLE = "建档立卡户致贫原因统计表"
CAUSE_WORD = LEDGER_WORD[Cause]


def causes_table(*, user: Any, year: int, area_prefix: str, scope_name: str) -> StandardTable:
    def keys(count: dict[str, Any]) -> list[str]:
        if count["poverty_status"] == PovertyStatus.NON_POOR:
            return []
        return ["all", count["main_cause"] or "none"]

    by_village = _counted(user=user, year=year, area_prefix=area_prefix, by=("poverty_status", "main_cause"), keys=keys)
    columns = _pair("all", "合计")
    for cause in Cause:
        columns += _pair(cause, CAUSE_WORD.get(cause, str(cause.label)))
    columns += _pair("none", "未填写")
    return _table(
        name="causes",
        title=CAUSES_TITLE,
        year=year,
        area_prefix=area_prefix,
        scope_name=scope_name,
        columns=columns,
        note="统计建档立卡户（非贫困户除外）的主要致贫原因；人数为在册成员。",
        by_village=by_village,
    )


EXITS_TITLE = "历年脱贫户统计表"


def exits_table(*, user: Any, year: int, area_prefix: str, scope_name: str) -> StandardTable:
    years = [str(y) for y in range(FIRST_EXIT_YEAR, year + 1)]

    def keys(count: dict[str, Any]) -> list[str]:
        exited = count["year_exited"]
        return ["all", exited] if exited in years else []

    by_village = _counted(user=user, year=year, area_prefix=area_prefix, by=("year_exited",), keys=keys)
    columns = _pair("all", "合计")
    for y in years:
        columns += _pair(y, f"{y} 年")
    return _table(
        name="exits",
        title=EXITS_TITLE,
        year=year,
        area_prefix=area_prefix,
        scope_name=scope_name,
        columns=columns,
        note=f"按脱贫年度统计 {FIRST_EXIT_YEAR}—{year} 年脱贫的户（其后返贫的户仍计入脱贫当年）；人数为在册成员。",
        by_village=by_village,
    )
