"""Property tests for the cells of department lists: every way docs/LEDGER.md lets a date or a yes/no be written."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from jingzhun.crosscheck.departments import columns_for
from jingzhun.crosscheck.models import Department
from jingzhun.spreadsheets.reading import clean_cell

DEATH_DATE = next(c for c in columns_for(Department.DEATHS) if c.header == "死亡日期")
CARE = next(c for c in columns_for(Department.DISABILITY) if c.header == "护理补贴")

_WAYS = (
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: d.strftime("%Y%m%d"),
    lambda d: f"{d.isoformat()} 00:00:00",  # an Excel date cell read as text
    lambda d: f" {d.isoformat()} ".replace("-", "－"),  # full-width dashes, spaces around
)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)), st.sampled_from(_WAYS))
def test_a_date_written_any_accepted_way_reads_back(day, way):
    assert DEATH_DATE.parse(clean_cell(way(day))) == day


@given(st.sampled_from([("是", True), ("否", False), (" 是 ", True), ("", None)]))
def test_yes_no_reads_back(case):
    text, value = case
    assert CARE.parse(clean_cell(text)) is value
