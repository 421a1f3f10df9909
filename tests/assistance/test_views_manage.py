"""Editing and deactivating helpers, editing and ending work teams: who may (town and county of the area), what
it does to pairings, and the history it leaves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.assistance import services
from jingzhun.assistance.models import AssistanceChange, HelperKind, Pairing
from jingzhun.core.scope import SYSTEM
from tests.factories import HouseholdFactory

from .factories import HelperFactory, PairingFactory, WorkTeamFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MANAGERS = [Role.COUNTY, Role.TOWN]
NOT_MANAGERS = [Role.VILLAGE, Role.HELPER, Role.INSPECTOR, Role.DEPARTMENT]


@pytest.fixture
def area_a(users_by_role):
    village = users_by_role.village_a
    helper = HelperFactory(area=village, name="甲帮扶")
    homes = [HouseholdFactory(village=village) for _ in range(3)]
    for home in homes:
        PairingFactory(helper=helper, household=home, started_on=dt.date(2024, 1, 1))
    return {"helper": helper, "homes": homes, "team": WorkTeamFactory(village=village)}


def _edit_data(helper, **changes):
    data = {"name": helper.name, "kind": helper.kind, "unit": helper.unit, "phone": helper.phone}
    return {**data, "area": helper.area_id, **changes}


@pytest.mark.parametrize("role", MANAGERS)
def test_town_and_county_users_of_the_area_edit_a_helper(client, users_by_role, area_a, role):
    for user in (users_by_role[role].owner, users_by_role[role].colleague):
        client.force_login(user)
        url = f"/assistance/helpers/{area_a['helper'].pk}/edit/"
        assert client.get(url).status_code == 200
        response = client.post(url, _edit_data(area_a["helper"], phone=f"1380000{user.pk:04d}"))
        assert response.status_code == 302
    area_a["helper"].refresh_from_db()
    assert area_a["helper"].phone == f"1380000{users_by_role[role].colleague.pk:04d}"


@pytest.mark.parametrize("role", MANAGERS)
def test_an_outsider_gets_404_for_another_areas_helper_and_team(client, users_by_role, area_a, role):
    client.force_login(users_by_role[role].outsider)
    helper, team = area_a["helper"], area_a["team"]
    assert client.get(f"/assistance/helpers/{helper.pk}/edit/").status_code == 404
    response = client.post(f"/assistance/helpers/{helper.pk}/deactivate/", {"ended_on": TODAY, "end_reason": "调离"})
    assert response.status_code == 404
    assert client.get(f"/assistance/teams/{team.pk}/edit/").status_code == 404
    assert client.post(f"/assistance/teams/{team.pk}/end/", {"ended_on": TODAY, "end_reason": "x"}).status_code == 404
    helper.refresh_from_db()
    assert helper.active


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_other_roles_may_not_edit_or_deactivate(client, users_by_role, area_a, role):
    client.force_login(users_by_role[role].owner)
    helper, team = area_a["helper"], area_a["team"]
    assert client.get(f"/assistance/helpers/{helper.pk}/edit/").status_code == 403
    response = client.post(f"/assistance/helpers/{helper.pk}/deactivate/", {"ended_on": TODAY, "end_reason": "调离"})
    assert response.status_code == 403
    assert client.get(f"/assistance/teams/{team.pk}/edit/").status_code == 403
    helper.refresh_from_db()
    assert helper.active


def test_the_edit_page_shows_who_changed_what(client, users_by_role, area_a):
    owner = users_by_role[Role.TOWN].owner
    client.force_login(owner)
    url = f"/assistance/helpers/{area_a['helper'].pk}/edit/"
    client.post(url, _edit_data(area_a["helper"], unit="县水利局"))
    page = client.get(url).content.decode()
    assert owner.username in page
    assert "县农业农村局 → 县水利局" in page


def test_an_edit_moving_the_helper_out_of_the_users_area_is_refused(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.TOWN].owner)
    url = f"/assistance/helpers/{area_a['helper'].pk}/edit/"
    response = client.post(url, _edit_data(area_a["helper"], area=users_by_role.village_b.code))
    assert response.status_code == 400
    area_a["helper"].refresh_from_db()
    assert area_a["helper"].area_id == users_by_role.village_a.code


def test_deactivating_ends_the_current_pairings_on_the_date_with_the_reason(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.COUNTY].owner)
    day = TODAY - dt.timedelta(days=2)
    response = client.post(
        f"/assistance/helpers/{area_a['helper'].pk}/deactivate/", {"ended_on": day, "end_reason": "调离本县"}
    )
    assert response.status_code == 302
    area_a["helper"].refresh_from_db()
    assert not area_a["helper"].active
    pairings = Pairing.objects.filter(helper=area_a["helper"])
    assert {(p.ended_on, p.end_reason) for p in pairings} == {(day, "调离本县")}
    assert AssistanceChange.objects.filter(entity="pairing", action="end").count() == 3
    assert AssistanceChange.objects.filter(entity="helper", action="deactivate").count() == 1


def test_deactivating_before_a_pairing_started_is_refused_and_changes_nothing(area_a):
    late = HouseholdFactory(village=area_a["helper"].area)
    PairingFactory(helper=area_a["helper"], household=late, started_on=TODAY)
    with pytest.raises(Exception, match=late.household_no):
        services.helper_deactivate(
            helper=area_a["helper"], ended_on=TODAY - dt.timedelta(days=1), reason="调离", by=SYSTEM
        )
    area_a["helper"].refresh_from_db()
    assert area_a["helper"].active
    assert not Pairing.objects.filter(ended_on__isnull=False).exists()


def test_a_deactivated_helper_cannot_be_paired(area_a):
    services.helper_deactivate(helper=area_a["helper"], ended_on=TODAY, reason="退休", by=SYSTEM)
    area_a["helper"].refresh_from_db()
    with pytest.raises(Exception, match="已停用"):
        services.pairing_set(helper=area_a["helper"], household=HouseholdFactory(), started_on=TODAY, by=SYSTEM)


def test_the_pairing_form_is_hidden_for_a_deactivated_helper(client, users_by_role, area_a):
    services.helper_deactivate(helper=area_a["helper"], ended_on=TODAY, reason="退休", by=SYSTEM)
    client.force_login(users_by_role[Role.TOWN].owner)
    page = client.get(f"/assistance/helpers/{area_a['helper'].pk}/").content.decode()
    assert f"/assistance/helpers/{area_a['helper'].pk}/pair/" not in page


def test_a_first_secretary_leading_a_team_keeps_the_kind(area_a):
    leader = area_a["team"].leader
    with pytest.raises(Exception, match="队长"):
        services.helper_update(
            helper=leader,
            name=leader.name,
            unit=leader.unit,
            phone=leader.phone,
            kind=HelperKind.HELPER,
            area=leader.area,
            by=SYSTEM,
        )


def test_a_team_is_edited_with_its_history(client, users_by_role, area_a):
    team = area_a["team"]
    newcomer = HelperFactory(area=team.village)
    client.force_login(users_by_role[Role.TOWN].owner)
    data = {
        "unit": "市财政局",
        "leader": team.leader_id,
        "members": [team.leader_id, newcomer.pk],
        "started_on": team.started_on,
        "ended_on": "",
    }
    response = client.post(f"/assistance/teams/{team.pk}/edit/", data)
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.unit == "市财政局"
    assert set(team.members.values_list("pk", flat=True)) == {team.leader_id, newcomer.pk}
    [change] = AssistanceChange.objects.filter(entity="work_team", action="update")
    assert change.detail["changed"]["unit"] == ["市委组织部", "市财政局"]


def test_a_deactivated_helper_cannot_join_a_team(area_a):
    team, gone = area_a["team"], HelperFactory(area=area_a["team"].village, active=False)
    with pytest.raises(Exception, match="已停用"):
        services.work_team_update(
            team=team,
            unit=team.unit,
            leader=team.leader,
            members=[gone],
            started_on=team.started_on,
            ended_on=None,
            by=SYSTEM,
        )


def test_a_team_is_ended_on_a_date_with_a_reason(client, users_by_role, area_a):
    team = area_a["team"]
    client.force_login(users_by_role[Role.COUNTY].colleague)
    response = client.post(f"/assistance/teams/{team.pk}/end/", {"ended_on": TODAY, "end_reason": "轮换"})
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.ended_on == TODAY
    assert AssistanceChange.objects.get(entity="work_team", action="end").detail["reason"] == "轮换"
