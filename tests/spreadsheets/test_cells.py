"""Property tests for the cell parsers every import uses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingzhun.spreadsheets.cells import (
    CellError,
    amount_parser,
    decimal_parser,
    enum_parser,
    int_parser,
    neutralise_formula,
    strip_neutraliser,
    yes_no_parser,
)
from jingzhun.spreadsheets.reading import cell_text, normalize_text

amounts = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2, allow_nan=False)


@given(amounts)
def test_amount_parses_its_own_text(value):
    assert amount_parser(str(value)) == value


@given(st.decimals(max_value=Decimal("-0.01"), min_value=Decimal("-1e8"), places=2, allow_nan=False))
def test_negative_amounts_are_refused(value):
    with pytest.raises(CellError, match="不能为负数"):
        amount_parser(str(value))


@given(st.decimals(max_value=Decimal("-0.01"), min_value=Decimal("-1e8"), places=2, allow_nan=False))
def test_negative_allowed_where_declared(value):
    assert decimal_parser(allow_negative=True)(str(value)) == value


@given(st.text())
def test_amount_parser_either_parses_or_gives_a_reason(text):
    try:
        value = amount_parser(normalize_text(text))
    except CellError as exc:
        assert str(exc)
    else:
        assert value >= 0


@given(st.integers(min_value=0, max_value=12))
def test_int_in_range(value):
    assert int_parser(0, 12)(str(value)) == value


@given(st.integers().filter(lambda v: not 0 <= v <= 12))
def test_int_out_of_range(value):
    with pytest.raises(CellError, match="超出范围"):
        int_parser(0, 12)(str(value))


@given(st.text().filter(lambda t: t not in ("", "是", "否")))
def test_yes_no_refuses_anything_else(text):
    with pytest.raises(CellError):
        yes_no_parser()(text)


@given(st.text(min_size=1).filter(lambda t: t not in ("甲", "乙")))
def test_enum_refusal_lists_the_choices(text):
    with pytest.raises(CellError, match="应为：甲、乙"):
        enum_parser({"甲": "a", "乙": "b"})(text)


@given(st.text())
def test_neutraliser_round_trips(text):
    assert strip_neutraliser(neutralise_formula(text)) == text


@given(st.text())
def test_neutralised_text_never_starts_a_formula(text):
    assert not neutralise_formula(text).startswith(("=", "+", "-", "@"))


@given(st.integers(min_value=-(10**14), max_value=10**14))
def test_integral_float_cells_lose_no_digits(value):
    assert cell_text(float(value)) == str(value)


def test_full_width_digits_become_half_width():
    assert normalize_text(" １２３ＡＢ ") == "123AB"


@given(st.text())
def test_stripping_text_that_was_never_neutralised_only_drops_an_escape_apostrophe(text):
    stripped = strip_neutraliser(text)
    assert stripped == text or (text.startswith("'") and stripped == text[1:])


def test_a_typed_apostrophe_survives_the_round_trip():
    assert strip_neutraliser(neutralise_formula("'=x")) == "'=x"
