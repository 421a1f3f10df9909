import pytest

from jingzhun.areas.models import Level
from jingzhun.registry.vocab import Attribute, MemberStatus, PovertyStatus
from tests.factories import AreaFactory, HouseholdFactory, MemberFactory


def household(village, status, *, people=2, attribute=Attribute.GENERAL, gone=0):
    """A household of ``people`` active members (and ``gone`` deceased ones)."""
    made = HouseholdFactory(village=village, poverty_status=status, attribute=attribute)
    for n in range(people + gone):
        MemberFactory(household=made, status=MemberStatus.ACTIVE if n < people else MemberStatus.DECEASED)
    return made


@pytest.fixture
def county(users_by_role):
    """County A with two towns: town A (village A and a second village) and a second town with one village;
    eight households of every kind, and one in county B."""
    areas = users_by_role
    village_a2 = AreaFactory(level=Level.VILLAGE, parent=areas.town_a)
    town_2 = AreaFactory(level=Level.TOWN, parent=areas.county_a)
    village_2 = AreaFactory(level=Level.VILLAGE, parent=town_2)
    household(areas.village_a, PovertyStatus.NOT_EXITED, people=3, attribute=Attribute.DIBAO)
    household(areas.village_a, PovertyStatus.EXITED, people=2, gone=1)
    household(areas.village_a, PovertyStatus.NON_POOR, people=4)
    household(village_a2, PovertyStatus.RELAPSED, people=1, attribute=Attribute.TEKUN)
    household(village_a2, PovertyStatus.EXITED, people=5)
    household(village_2, PovertyStatus.PRE_EXIT, people=2)
    household(village_2, PovertyStatus.EXITED_NO_POLICY, people=3)
    household(village_2, PovertyStatus.EXITED, people=2, attribute=Attribute.DIBAO)
    household(areas.village_b, PovertyStatus.NOT_EXITED, people=6)
    return {"village_a2": village_a2, "town_2": town_2, "village_2": village_2}
