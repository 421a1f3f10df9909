from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingzhun.spreadsheets.cells import CellError, date_parser

parse = date_parser()


@pytest.mark.parametrize(
    "text", ["2026-01-05", "2026/1/5", "2026.01.05", "2026年1月5日", "20260105", "2026-01-05 00:00:00"]
)
def test_the_ways_offices_write_a_date(text):
    assert parse(text) == dt.date(2026, 1, 5)


def test_blank_is_none_unless_required():
    assert parse("") is None
    with pytest.raises(CellError, match="不能为空"):
        date_parser(required=True)("")


def test_an_impossible_day_is_refused():
    with pytest.raises(CellError, match="不是有效日期"):
        parse("2026-02-30")


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_iso_date_reads_back(day):
    assert parse(day.isoformat()) == day
    assert parse(day.strftime("%Y%m%d")) == day
