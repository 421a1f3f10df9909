"""A small county for the API: two towns, three villages, a handful of households, a user of each role."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from jingzhun.accounts.models import Role, User
from jingzhun.areas.models import Area, Level
from jingzhun.registry.models import Household
from tests.factories import AreaFactory, HouseholdFactory, IncomeFactory, MemberFactory, UserFactory, sample_area


@dataclass
class County:
    county: Area
    town: Area  # the town the "own" users work in
    village: Area
    neighbour_village: Area  # same town, another village
    other_town: Area
    other_village: Area  # in other_town
    home: Household  # in village: head 王建国, spouse, child
    second: Household  # in village, another family
    neighbour: Household  # in neighbour_village
    elsewhere: Household  # in other_village


def _family(village: Area, head: str, *others: str, **fields) -> Household:
    household = HouseholdFactory(village=village, **fields)
    MemberFactory(household=household, name=head, relation="head")
    for name in others:
        MemberFactory(household=household, name=name, relation="spouse")
    IncomeFactory(household=household, year=2019, wage=Decimal("12000.00"))
    IncomeFactory(household=household, year=2020)
    return household


@pytest.fixture
def county(db) -> County:
    return county_make()


def county_make() -> County:
    """The small county of this module's fixtures (for a fixture of a wider scope than ``county``)."""
    town = AreaFactory(level=Level.TOWN)
    other_town = AreaFactory(level=Level.TOWN)
    village = AreaFactory(parent=town)
    neighbour_village = AreaFactory(parent=town)
    other_village = AreaFactory(parent=other_town)
    return County(
        county=sample_area(Level.COUNTY),
        town=town,
        village=village,
        neighbour_village=neighbour_village,
        other_town=other_town,
        other_village=other_village,
        home=_family(village, "王建国", "李秀英", poverty_status="not_exited"),
        second=_family(village, "张志强", poverty_status="exited"),
        neighbour=_family(neighbour_village, "刘海燕", poverty_status="relapsed"),
        elsewhere=_family(other_village, "陈国华", "王玉梅", poverty_status="not_exited"),
    )


def user_of(role: str, area: Area | None, **fields) -> User:
    return UserFactory(role=role, area=area, **fields)


@pytest.fixture
def county_user(county: County) -> User:
    return user_of(Role.COUNTY, county.county, username="county")


@pytest.fixture
def village_user(county: County) -> User:
    """The owner: a village cadre of ``county.village``."""
    return user_of(Role.VILLAGE, county.village, username="owner")


@pytest.fixture
def colleague(county: County) -> User:
    """A cadre of the same town, of its other village."""
    return user_of(Role.VILLAGE, county.neighbour_village, username="colleague")


@pytest.fixture
def outsider(county: County) -> User:
    """A town cadre of the other town."""
    return user_of(Role.TOWN, county.other_town, username="outsider")


@pytest.fixture
def api(client):
    """The test client, logged in as a given user: ``api(user).get(...)``."""

    def login(user: User):
        client.force_login(user)
        return client

    return login
