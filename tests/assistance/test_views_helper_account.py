"""Linking a helper record to a login account: only a free helper account of the user's own area, and one and the
same answer for every refusal, so that the form tells nothing about accounts elsewhere (no enumeration)."""

from __future__ import annotations

import pytest

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Level
from jingzhun.assistance.models import Helper
from jingzhun.assistance.services import ACCOUNT_NOT_LINKABLE
from tests.factories import AreaFactory, UserFactory

from .factories import HelperFactory

pytestmark = pytest.mark.django_db


def _link(client, user, area, username):
    client.force_login(user)
    return client.post(
        "/assistance/helpers/new/",
        {"name": "乙帮扶", "kind": "helper", "unit": "县教育局", "area": area.code, "account": username},
    )


def _refusals(users_by_role) -> dict[str, str]:
    """One account name for each reason to refuse, seen from the village-A cadre."""
    village_a = users_by_role.village_a
    linked = UserFactory(role=Role.HELPER, area=village_a)
    HelperFactory(area=village_a, user=linked)
    return {
        "unknown": "nobody-here",
        "administrator": users_by_role[Role.SECURITY_ADMIN].owner.username,
        "not a helper": users_by_role[Role.VILLAGE].colleague.username,
        "already linked": linked.username,
        "other county": users_by_role[Role.HELPER].outsider.username,
        "deactivated": UserFactory(role=Role.HELPER, area=village_a, is_active=False).username,
    }


REASONS = ["unknown", "administrator", "not a helper", "already linked", "other county", "deactivated"]


@pytest.mark.parametrize("reason", REASONS)
def test_every_refusal_gives_the_same_answer(client, users_by_role, reason):
    username = _refusals(users_by_role)[reason]
    response = _link(client, users_by_role[Role.VILLAGE].owner, users_by_role.village_a, username)
    assert response.status_code == 200
    assert response.context["form"].errors == {"account": [ACCOUNT_NOT_LINKABLE]}
    assert not Helper.objects.filter(name="乙帮扶").exists()


def test_a_town_cannot_link_a_helper_account_of_another_town(client, users_by_role):
    other_town = AreaFactory(level=Level.TOWN, parent=users_by_role.county_a)
    account = UserFactory(role=Role.HELPER, area=AreaFactory(level=Level.VILLAGE, parent=other_town))
    response = _link(client, users_by_role[Role.TOWN].owner, users_by_role.village_a, account.username)
    assert response.context["form"].errors == {"account": [ACCOUNT_NOT_LINKABLE]}
    assert not Helper.objects.filter(user=account).exists()


def test_a_town_links_a_helper_account_of_one_of_its_villages(client, users_by_role):
    account = users_by_role[Role.HELPER].owner  # village A, in town A
    response = _link(client, users_by_role[Role.TOWN].owner, users_by_role.village_a, account.username)
    assert response.status_code == 302
    assert Helper.objects.get(user=account).name == "乙帮扶"


def test_an_account_without_an_area_is_not_linked_even_by_the_county(client, users_by_role):
    account = UserFactory(role=Role.HELPER, area=None)
    response = _link(client, users_by_role[Role.COUNTY].owner, users_by_role.village_a, account.username)
    assert response.context["form"].errors == {"account": [ACCOUNT_NOT_LINKABLE]}
