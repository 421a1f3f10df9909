"""The payment file's row parser (docs/LEDGER.md §5) as a property: any cells give a row or reasons, never an
exception; a well-formed row reads back its values exactly; an amount with more than two decimals is refused,
never rounded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from jingzhun.benefits.payments_import import HEADERS, payment_row_parse
from jingzhun.core.idnumber import check_character

TODAY = dt.date(2025, 12, 1)
cells = st.fixed_dictionaries({h: st.text(max_size=30) for h in HEADERS})


@given(cells)
def test_any_cells_give_a_row_or_reasons_never_an_exception(row):
    parsed = payment_row_parse(row, today=TODAY)
    for header, _value, reason in parsed.problems:
        assert header in HEADERS and reason
    if not parsed.problems:
        assert parsed.benefit and parsed.household_no and parsed.amount is not None and parsed.amount > 0
        assert parsed.paid_on is not None and dt.date(2013, 1, 1) <= parsed.paid_on <= TODAY


def _id_number(born: dt.date, n: int) -> str:
    first17 = f"370125{born:%Y%m%d}{n:03d}"
    return first17 + check_character(first17)


@given(
    code=st.from_regex(r"B[0-9]{2}", fullmatch=True),
    household_no=st.from_regex(r"[0-9]{12,20}", fullmatch=True),
    born=st.dates(dt.date(1930, 1, 1), dt.date(2020, 12, 31)),
    n=st.integers(0, 999),
    cents=st.integers(1, 100_000_000),
    paid_on=st.dates(dt.date(2013, 1, 1), TODAY),
    with_id=st.booleans(),
)
def test_a_well_formed_row_reads_back_exactly(code, household_no, born, n, cents, paid_on, with_id):
    amount = Decimal(cents).scaleb(-2)
    number = _id_number(born, n) if with_id else ""
    parsed = payment_row_parse(
        {
            "项目代码": code.lower(),
            "户编号": f" {household_no} ",
            "证件号码": number.lower(),
            "金额": f"{amount:,}",
            "发放日期": f"{paid_on:%Y年%m月%d日}",
            "发放部门": "民政局",
        },
        today=TODAY,
    )
    assert parsed.problems == ()
    assert (parsed.benefit, parsed.household_no, parsed.id_number) == (code, household_no, number)
    assert (parsed.amount, parsed.paid_on, parsed.department) == (amount, paid_on, "民政局")


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("999999"), places=3))
def test_an_amount_with_a_third_decimal_is_refused_never_rounded(amount):
    parsed = payment_row_parse({"金额": str(amount)}, today=TODAY)
    amount_problems = [p for p in parsed.problems if p[0] == "金额"]
    if amount != amount.quantize(Decimal("0.01")):
        assert amount_problems and parsed.amount is None
    else:
        assert not amount_problems and parsed.amount == amount
