"""The ledger's column declarations agree with the lists derived from them."""

import pytest

from jingzhun.registry.ledger_format import LEDGER_COLUMNS, YES_NO_FIELDS
from jingzhun.spreadsheets.cells import CellError


def accepts_only_yes_no(column) -> bool:
    try:
        column.parse("也许")
    except CellError as exc:
        return "应为“是”或“否”" in str(exc)
    return False


@pytest.mark.parametrize("column", LEDGER_COLUMNS, ids=lambda c: c.field)
def test_yes_no_fields_are_exactly_the_yes_no_columns(column):
    assert (column.field in YES_NO_FIELDS) == accepts_only_yes_no(column)
