"""A small county for the page tests: two villages in two towns, households in each, one assessment run.

``ours`` is 王家村 (town A), ``theirs`` is 李家村 (town B). Users: a user of each role for ``ours``'s village,
town and county, and an outsider village user of ``theirs``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from jingzhun.accounts.models import Role, User
from jingzhun.areas.models import Area, Level
from jingzhun.policy.models import AssessmentRun
from jingzhun.policy.services import assessment_run
from jingzhun.registry.models import Household, StatusChange
from jingzhun.registry.vocab import PovertyStatus
from tests.factories import AreaFactory, HouseholdFactory, IncomeFactory, MemberFactory, UserFactory, sample_area


@dataclass
class County:
    ours: Area
    theirs: Area
    poor: Household  # 王家村, not exited, fails water and income: 郝建业 / 郝晓梅
    well_off: Household  # 王家村, exited, meets every indicator: 钱志远
    other: Household  # 李家村, relapsed: 邓海燕
    run: AssessmentRun | None = None


def _household(village: Area, status: str, names: list[str], net: str, **fields: object) -> Household:
    values = {
        "poverty_status": status,
        "housing_grade": "A",
        "water_quality_ok": True,
        "water_lpd": Decimal("50"),
        "water_piped": True,
        "water_supply_rate": Decimal("95"),
    }
    home = HouseholdFactory(village=village, **(values | fields))
    for i, name in enumerate(names):
        MemberFactory(
            household=home,
            name=name,
            relation="head" if i == 0 else "spouse",
            birth_date=dt.date(1980 - i, 3, 1),
            medical_insurance="resident",
            labor="ordinary",
            school_status="",
        )
    IncomeFactory(
        household=home,
        year=2020,
        wage=Decimal(net),
        business_income=Decimal(0),
        business_expense=Decimal(0),
        pension=Decimal(0),
    )
    return home


@pytest.fixture
def county(db) -> County:
    ours = AreaFactory(name="王家村", population=900)
    theirs = AreaFactory(name="李家村", population=700)
    poor = _household(ours, PovertyStatus.NOT_EXITED, ["郝建业", "郝晓梅"], "3000", water_quality_ok=False)
    well_off = _household(ours, PovertyStatus.EXITED, ["钱志远"], "50000")
    other = _household(theirs, PovertyStatus.RELAPSED, ["邓海燕"], "2000")
    StatusChange.objects.create(
        household=poor,
        from_status="",
        to_status=PovertyStatus.NOT_EXITED,
        changed_at=dt.datetime(2015, 6, 1, tzinfo=dt.UTC),
        reason="建档立卡识别",
    )
    return County(ours=ours, theirs=theirs, poor=poor, well_off=well_off, other=other)


@pytest.fixture
def assessed(county: County) -> County:
    county.run = assessment_run(year=2020)
    return county


def user_of(area: Area, role: Role = Role.VILLAGE, **fields: object) -> User:
    return UserFactory(role=role, area=area, **fields)


@pytest.fixture
def village_user(county: County) -> User:
    return user_of(county.ours, first_name="王村官")


@pytest.fixture
def outsider(county: County) -> User:
    return user_of(county.theirs)


@pytest.fixture
def county_user(county: County) -> User:
    return user_of(sample_area(Level.COUNTY), Role.COUNTY)


@pytest.fixture
def unmasking_user(county: County) -> User:
    return user_of(county.ours, Role.TOWN, may_see_id_numbers=True)
