"""Tiny registries for assessment tests: households that meet every indicator unless told otherwise."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from jingzhun.areas.models import Area
from jingzhun.core.scope import SYSTEM
from jingzhun.registry.models import Household, Member
from jingzhun.registry.services import household_event_record
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory

WELL_OFF = "50000"  # a net income above every threshold for a household of one
COUNTY = "370125000000"  # the factories' sample county


# --- data builders ---------------------------------------------------------------------------------------------


def household(status: str = "not_exited", **fields: Any) -> Household:
    """A household with safe housing and water; add members and incomes yourself."""
    values = {
        "poverty_status": status,
        "housing_grade": "A",
        "water_quality_ok": True,
        "water_lpd": Decimal("50"),
        "water_piped": True,
        "water_supply_rate": Decimal("95"),
    }
    return HouseholdFactory(**(values | fields))


def member(home: Household, **fields: Any) -> Member:
    values = {
        "birth_date": dt.date(1980, 3, 1),
        "school_status": "",
        "medical_insurance": "resident",
        "labor": "ordinary",
    }
    return MemberFactory(household=home, **(values | fields))


def income(home: Household, net: str, *, year: int = 2020, **items: Any) -> None:
    """An income row whose net income is ``net`` (a loss goes into business income, the only signed item)."""
    amount = Decimal(net)
    values = {
        "wage": max(amount, Decimal(0)),
        "business_income": min(amount, Decimal(0)),
        "business_expense": Decimal(0),
        "pension": Decimal(0),
    }
    IncomeFactory(household=home, year=year, **(values | items))


def passing(status: str = "not_exited", *, net: str = WELL_OFF, members: int = 1, **fields: Any) -> Household:
    """A household of ``members`` ordinary laborers meeting every indicator, with ``net`` in 2020."""
    home = household(status, **fields)
    for _ in range(members):
        member(home)
    income(home, net)
    return home


def people(village: Area, status: str, active: int, inactive: int = 0) -> Household:
    home = household(status, village=village)
    for _ in range(active):
        member(home)
    for _ in range(inactive):
        member(home, status="deceased")
    income(home, "1000")
    return home


def event(home: Household, kind: str, on: dt.date, loss: str) -> None:
    household_event_record(household=home, kind=kind, occurred_on=on, loss=Decimal(loss), user=SYSTEM)
