"""core.params: query parameters read by type within bounds, and the one window of a record's date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict

from jingzhun.core.params import (
    FilterDateField,
    RecordDateField,
    query_choice,
    query_date,
    query_int,
    query_month,
    query_page_key,
    query_text,
    record_date_problem,
)

TODAY = dt.date(2026, 3, 1)


def _q(text: str) -> QueryDict:
    return QueryDict(text)


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        ("7", 7),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),  # past 64 bits
        ("99999999999999999999", None),
        ("-1", None),  # below the default bound 0
        ("1e400", None),
        ("٣", None),  # an Arabic-Indic digit: str.isdigit says yes, the database would not
        ("7\x00", None),
        ("", None),
    ],
)
def test_a_number_outside_its_bounds_or_not_a_number_reads_as_absent(raw, read):
    assert query_int(QueryDict(mutable=True) | {"n": raw}, "n") == read


def test_a_number_may_be_given_bounds():
    assert query_int(_q("n=-5"), "n", low=-10, high=10) == -5
    assert query_int(_q("n=11"), "n", low=-10, high=10) is None


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        ("2026-01-05", dt.date(2026, 1, 5)),
        ("0001-01-01", None),
        ("9999-12-31", None),
        ("10000-01-01", None),
        ("2024-02-30", None),
        ("2026-01-05T00:00", None),
        ("2026-01-05\x00", None),
    ],
)
def test_a_date_outside_2000_to_2099_or_not_a_date_reads_as_absent(raw, read):
    assert query_date(QueryDict(mutable=True) | {"d": raw}, "d") == read


def test_text_with_a_nul_or_too_long_reads_as_absent():
    assert query_text(_q("q=%20%E7%8E%8B%20"), "q") == "王"
    assert query_text(_q("q=a%00b"), "q") == ""
    assert query_text(_q("q=" + "x" * 201), "q") == ""
    assert query_text(_q("q=" + "x" * 41), "q", max_length=40) == ""
    assert query_page_key(_q("after=B%00"), "after") == ""


def test_bad_utf8_reads_as_text_that_matches_nothing():
    assert query_choice(_q("tier=%ff"), "tier", ("A", "B")) == ""


def test_a_choice_tells_absent_from_empty():
    assert query_choice(_q(""), "from", {"", "poor"}, default=None) is None
    assert query_choice(_q("from="), "from", {"", "poor"}, default=None) == ""
    assert query_choice(_q("from=rich"), "from", {"", "poor"}, default=None) is None


@pytest.mark.parametrize(
    ("on", "problem"),
    [
        (dt.date(2013, 1, 1), ""),
        (TODAY, ""),
        (dt.date(2012, 12, 31), "不能早于 2013-01-01"),
        (dt.date(1, 1, 1), "不能早于 2013-01-01"),
        (TODAY + dt.timedelta(days=1), "不能晚于今天"),
    ],
)
def test_a_records_date_lies_between_2013_and_today(on, problem):
    found = record_date_problem(on, what="走访日期", today=TODAY)
    assert (problem in found) if problem else found == ""
    if problem:
        assert found.startswith("走访日期")


def test_the_record_date_field_refuses_dates_outside_the_window_in_chinese():
    field = RecordDateField()
    assert field.clean("2020-05-01") == dt.date(2020, 5, 1)
    with pytest.raises(Exception, match="不能早于 2013-01-01"):
        field.clean("0001-01-01")
    with pytest.raises(Exception, match="不能晚于今天"):
        field.clean("2099-01-01")
    assert field.widget_attrs(field.widget)["min"] == "2013-01-01"


def test_the_filter_date_field_refuses_the_calendars_ends():
    field = FilterDateField()
    assert field.clean("") is None
    with pytest.raises(Exception, match="2000-01-01 至 2099-12-31"):
        field.clean("9999-12-31")
    with pytest.raises(Exception, match="2000-01-01 至 2099-12-31"):
        field.clean("0001-01-01")


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2019-10", (2019, 10)),
        ("2020-6", (2020, 6)),
        ("2019-13", None),
        ("2019-00", None),
        ("2019/10", None),
        ("１９９９-10", None),
        ("1999-10", None),
        ("2019-10-01", None),
        ("", None),
    ],
)
def test_query_month_reads_a_year_and_month_or_nothing(text, month):
    assert query_month({"m": text}, "m") == month
