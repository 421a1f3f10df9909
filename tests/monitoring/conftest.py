from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.accounts.models import Role
from jingzhun.monitoring.services import case_open
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory

DISCOVERED = dt.date(2026, 3, 2)  # a Monday


@pytest.fixture
def household(users_by_role):
    """An exited household of village A with two ordinary laborers."""
    home = HouseholdFactory(
        village=users_by_role.village_a,
        poverty_status="exited",
        water_quality_ok=True,
        water_lpd=Decimal("50"),
        water_piped=True,
        water_supply_rate=Decimal("95"),
    )
    for _ in range(2):
        MemberFactory(
            household=home,
            labor="ordinary",
            medical_insurance="resident",
            school_status="",
            birth_date=dt.date(1980, 3, 1),
        )
    IncomeFactory(household=home, year=2020, wage=Decimal("30000"), business_income=0, business_expense=0, pension=0)
    return home


@pytest.fixture
def case(users_by_role, household):
    return case_open(
        household=household,
        channel="self_report",
        user=users_by_role[Role.VILLAGE].owner,
        discovered_on=DISCOVERED,
        today=DISCOVERED,
    ).case


@pytest.fixture
def paired_helper(users_by_role, household):
    """The helper-role owner of village A, linked to a helper record paired with ``household`` (a helper acts on
    its paired households only)."""
    from tests.assistance.factories import HelperFactory, PairingFactory

    account = users_by_role[Role.HELPER].owner
    PairingFactory(helper=HelperFactory(user=account, area=users_by_role.village_a), household=household)
    return account
