"""Households built for the entitlement rules (docs/RULES.md §12), and what they are entitled to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from jingzhun.benefits.gap_selectors import household_entitlements
from jingzhun.registry.vocab import Attribute, PovertyStatus
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory

YEAR = 2020
ZERO = Decimal("0.00")


def household(
    village: Any, *, status: str = PovertyStatus.NOT_EXITED, attribute: str = Attribute.GENERAL, **fields: Any
):
    return HouseholdFactory(village=village, poverty_status=status, attribute=attribute, **fields)


def member(home: Any, *, born: dt.date = dt.date(1980, 5, 1), **fields: Any):
    return MemberFactory(household=home, birth_date=born, **fields)


def income(home: Any, *, year: int = YEAR, wage: str = "0", **items: str):
    """An income row with only the items given (every other item 0)."""
    zero = {"business_income": ZERO, "business_expense": ZERO, "pension": ZERO}
    return IncomeFactory(
        household=home, year=year, wage=Decimal(wage), **{**zero, **{k: Decimal(v) for k, v in items.items()}}
    )


def entitled(home: Any, *, year: int = YEAR) -> dict[tuple[str, Any], Decimal]:
    """(benefit code, member or None) → amount, computed live."""
    return {(line.benefit.code, line.member): line.amount for line in household_entitlements(household=home, year=year)}


def codes(home: Any, *, year: int = YEAR) -> set[str]:
    return {code for code, _m in entitled(home, year=year)}
