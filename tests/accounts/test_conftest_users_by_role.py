import pytest

from jingzhun.accounts.models import Role

pytestmark = pytest.mark.django_db


def test_owner_and_colleague_share_an_area_the_outsider_does_not(users_by_role):
    town = users_by_role[Role.TOWN]
    assert town.owner.area == town.colleague.area == users_by_role.town_a
    assert town.outsider.area == users_by_role.town_b


def test_area_b_is_outside_area_a_at_every_level(users_by_role):
    for role in (Role.COUNTY, Role.TOWN, Role.VILLAGE):
        users = users_by_role[role]
        assert not users_by_role.village_a.code.startswith(users.outsider.scope_prefix)
        assert users_by_role.village_a.code.startswith(users.owner.scope_prefix)
