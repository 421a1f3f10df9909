from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.accounts.models import Role
from jingzhun.registry.vocab import PovertyStatus, Relation, SchoolStatus
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory, UserFactory


@pytest.fixture
def covered_household(users_by_role):
    """A household of village A (users_by_role's tree A) that enjoys the policies (已脱贫(享受政策)): a head born
    1970, a spouse born 1972 and a son born 2008 in secondary vocational school (中职); income of 2025 recorded."""
    household = HouseholdFactory(village=users_by_role.village_a, poverty_status=PovertyStatus.EXITED)
    MemberFactory(household=household, relation=Relation.HEAD, birth_date=dt.date(1970, 5, 1), sex="M")
    MemberFactory(household=household, relation=Relation.SPOUSE, birth_date=dt.date(1972, 3, 9), sex="F")
    MemberFactory(
        household=household,
        relation=Relation.SON,
        birth_date=dt.date(2008, 6, 1),
        sex="M",
        school_status=SchoolStatus.VOCATIONAL,
    )
    IncomeFactory(household=household, year=2025)
    return household


@pytest.fixture
def department_clerk(users_by_role):
    """A clerk of a department of the catalogue in county A: ``department_clerk("civil_affairs")``."""

    def make(department: str):
        return UserFactory(
            username=f"clerk-{department}", role=Role.DEPARTMENT, area=users_by_role.county_a, department=department
        )

    return make
