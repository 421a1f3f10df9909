"""The household list: scope, permissions, search, filters, paging, the HTMX fragment."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jingzhun.accounts.models import Role
from jingzhun.core.idnumber import mask
from jingzhun.registry.vocab import PovertyStatus
from tests.factories import HouseholdFactory, UserFactory

from .conftest import user_of

pytestmark = pytest.mark.django_db
LIST = reverse("registry:household_list")


def _numbers(response) -> list[str]:
    assert response.status_code == 200
    return [h.household_no for h in response.context["page"].rows]


def _list(client, user, **params):
    client.force_login(user)
    return client.get(LIST, params)


def test_list_requires_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "role", [Role.DEPARTMENT, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN], ids=lambda r: r.value
)
def test_roles_without_people_data_are_refused(client, county, role):
    response = _list(client, user_of(county.ours, role))
    assert response.status_code == 403


def test_village_user_sees_only_own_village(client, county, village_user):
    numbers = _numbers(_list(client, village_user))
    assert numbers == sorted([county.poor.household_no, county.well_off.household_no])


def test_county_user_sees_every_village(client, county, county_user):
    numbers = _numbers(_list(client, county_user))
    assert set(numbers) == {county.poor.household_no, county.well_off.household_no, county.other.household_no}


def test_user_without_area_sees_nothing(client, county):
    assert _numbers(_list(client, UserFactory(role=Role.COUNTY, area=None))) == []


def test_rows_show_head_village_status_and_people(client, county, village_user):
    content = _list(client, village_user).content.decode()
    assert "郝建业" in content
    assert "王家村" in content
    assert "未脱贫" in content
    assert "邓海燕" not in content
    # The list never shows ID numbers, masked or not.
    for member in county.poor.members.all():
        assert member.id_number not in content
        assert mask(member.id_number) not in content


@pytest.mark.parametrize("text", ["郝建业", "建业", "晓梅"])
def test_search_by_member_name(client, county, village_user, text):
    assert _numbers(_list(client, village_user, q=text)) == [county.poor.household_no]


def test_search_by_full_id_number(client, county, village_user):
    number = county.well_off.members.get().id_number
    assert _numbers(_list(client, village_user, q=number)) == [county.well_off.household_no]


def test_search_by_lower_case_x_and_spaces_normalises(client, county, village_user):
    member = county.well_off.members.get()
    member.id_number = member.id_number[:17] + "X"
    member.save()
    query = f" {member.id_number[:6]} {member.id_number[6:17]}x "
    assert _numbers(_list(client, village_user, q=query)) == [county.well_off.household_no]


def test_partial_id_number_finds_nothing(client, county, village_user):
    # Otherwise a user without the right could recover masked digits one guess at a time.
    number = county.well_off.members.get().id_number
    assert _numbers(_list(client, village_user, q=number[:14])) == []
    assert _numbers(_list(client, village_user, q=number[6:])) == []


def test_search_by_household_number_and_its_beginning(client, county, county_user):
    number = county.other.household_no
    assert _numbers(_list(client, county_user, q=number)) == [number]
    starting = _numbers(_list(client, county_user, q=county.ours.code))
    assert starting == sorted([county.poor.household_no, county.well_off.household_no])


def test_search_does_not_cross_the_scope(client, county, village_user):
    assert _numbers(_list(client, village_user, q="邓海燕")) == []
    assert _numbers(_list(client, village_user, q=county.other.household_no)) == []
    number = county.other.members.get().id_number
    assert _numbers(_list(client, village_user, q=number)) == []


def test_filter_by_village(client, county, county_user):
    assert _numbers(_list(client, county_user, village=county.theirs.code)) == [county.other.household_no]


def test_filter_by_town(client, county, county_user):
    numbers = _numbers(_list(client, county_user, town=county.ours.parent.code))
    assert numbers == sorted([county.poor.household_no, county.well_off.household_no])


def test_filter_by_a_town_outside_the_scope_is_ignored(client, county):
    # The other town's code is not a choice for a user of town A: the filter is dropped, nothing of town B shows.
    response = _list(client, user_of(county.ours.parent, Role.TOWN), town=county.theirs.parent.code)
    assert _numbers(response) == sorted([county.poor.household_no, county.well_off.household_no])
    assert response.context["filtered"] is False


def test_a_town_user_is_offered_no_town_to_choose(client, county, county_user):
    assert 'name="town"' in _list(client, county_user).content.decode()  # the county's two towns
    assert 'name="town"' not in _list(client, user_of(county.ours.parent, Role.TOWN)).content.decode()


def test_filter_by_status(client, county, county_user):
    assert _numbers(_list(client, county_user, status=PovertyStatus.EXITED)) == [county.well_off.household_no]


def test_invalid_filter_value_is_ignored(client, county, village_user):
    assert len(_numbers(_list(client, village_user, status="nonsense", tier="nonsense"))) == 2


def test_tier_indicator_and_flag_filters_leave_nothing_before_any_run(client, county, village_user):
    for params in ({"tier": "stable"}, {"failed": "water_ok"}, {"flag": "monitoring_flag"}):
        assert _numbers(_list(client, village_user, **params)) == []
    response = _list(client, village_user)
    assert response.context["run"] is None
    assert "尚无评估" in response.content.decode()


def test_filter_by_failed_indicator(client, assessed, village_user):
    assert _numbers(_list(client, village_user, failed="water_ok")) == [assessed.poor.household_no]
    assert _numbers(_list(client, village_user, failed="income_ok")) == [assessed.poor.household_no]
    assert _numbers(_list(client, village_user, failed="housing_ok")) == []


def test_filter_by_flag(client, assessed, county_user):
    flagged = _numbers(_list(client, county_user, flag="monitoring_flag"))
    assert flagged == sorted([assessed.poor.household_no, assessed.other.household_no])
    assert _numbers(_list(client, county_user, flag="low_income")) == flagged
    assert _numbers(_list(client, county_user, flag="relapse_candidate")) == []


def test_filter_by_tier(client, assessed, county_user):
    high = _numbers(_list(client, county_user, tier="high_quality"))
    assert high == [assessed.well_off.household_no]


@pytest.mark.parametrize("tier", ["fragile", "general", "stable"])
def test_filter_by_tier_finds_no_household_that_has_not_exited(client, assessed, county_user, tier):
    # poor (未脱贫) and other (返贫) are under poverty assistance: docs/RULES.md §7 gives them no tier
    assert _numbers(_list(client, county_user, tier=tier)) == []


def test_filters_combine_with_search(client, assessed, county_user):
    assert _numbers(_list(client, county_user, q="建业", failed="water_ok")) == [assessed.poor.household_no]
    assert _numbers(_list(client, county_user, q="建业", tier="high_quality")) == []


def test_list_shows_tier_and_flags_of_latest_run(client, assessed, village_user):
    content = _list(client, village_user).content.decode()
    assert "监测预警" in content
    assert "高质量脱贫户" in content
    # the 未脱贫 household is shown without a tier
    assert content.count('data-testid="tier-none"') == 1
    assert "tag--stable" not in content


def test_paging_walks_forward_and_back_without_overlap(client, county, county_user):
    village = county.ours
    extra = [HouseholdFactory(village=village).household_no for _ in range(120)]
    everything = sorted([*extra, county.poor.household_no, county.well_off.household_no, county.other.household_no])
    client.force_login(county_user)

    first = client.get(LIST).context["page"]
    assert [h.household_no for h in first.rows] == everything[:50]
    assert first.is_first
    second = client.get(LIST, {"after": first.next_after}).context["page"]
    assert [h.household_no for h in second.rows] == everything[50:100]
    third = client.get(LIST, {"after": second.next_after}).context["page"]
    assert [h.household_no for h in third.rows] == everything[100:]
    assert third.next_after is None
    back = client.get(LIST, {"before": third.previous_before}).context["page"]
    assert [h.household_no for h in back.rows] == everything[50:100]
    start = client.get(LIST, {"before": back.previous_before}).context["page"]
    assert [h.household_no for h in start.rows] == everything[:50]
    assert start.is_first


def test_paging_keeps_the_filters(client, county, county_user):
    for _ in range(60):
        HouseholdFactory(village=county.ours, poverty_status=PovertyStatus.NON_POOR)
    response = _list(client, county_user, status=PovertyStatus.NON_POOR)
    page = response.context["page"]
    assert len(page.rows) == 50
    assert f"status=non_poor&amp;after={page.next_after}" in response.content.decode()
    rest = _numbers(_list(client, county_user, status=PovertyStatus.NON_POOR, after=page.next_after))
    assert len(rest) == 10


def test_htmx_request_gets_only_the_results(client, county, village_user):
    client.force_login(village_user)
    full = client.get(LIST, {"q": "建业"})
    fragment = client.get(LIST, {"q": "建业"}, headers={"HX-Request": "true"})
    assert b"<html" in full.content
    assert b"<html" not in fragment.content
    assert b'id="households"' in fragment.content
    assert "郝建业" in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]
    restore = client.get(LIST, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert b"<html" in restore.content


def test_page_has_no_inline_script_or_style(client, county, village_user):
    content = _list(client, village_user).content.decode()
    assert "style=" not in content
    assert "<script>" not in content
    assert "onclick" not in content
