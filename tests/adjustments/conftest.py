from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.accounts.models import Role
from jingzhun.adjustments.services import Application, adjustment_open
from tests.factories import HouseholdFactory, MemberFactory

APPLIED = dt.date(2026, 3, 2)  # a Monday


@pytest.fixture
def household(users_by_role):
    """A household of village A that has not exited, with a head and a spouse."""
    home = HouseholdFactory(village=users_by_role.village_a, poverty_status="not_exited", year_exited=None)
    MemberFactory(household=home, relation="head", labor="ordinary")
    MemberFactory(household=home, relation="spouse", labor="ordinary")
    return home


def open_case(users_by_role, household, kind: str = "exit", **values):
    application = Application(kind=kind, applied_on=APPLIED, reason=values.pop("reason", "收入稳定超过标准"), **values)
    return adjustment_open(
        household=household, user=users_by_role[Role.VILLAGE].owner, application=application, today=APPLIED
    )


@pytest.fixture
def exit_case(users_by_role, household):
    return open_case(users_by_role, household)
