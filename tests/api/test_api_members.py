"""/api/members/: search across the members in the user's scope, always masked."""

from __future__ import annotations

import pytest

from jingzhun.core.idnumber import mask

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_members_of_the_scope_only_in_household_order(county, village_user, api):
    assert names(api(village_user).get("/api/members/")) == ["王建国", "李秀英", "张志强"]


def test_search_by_name_within_the_scope(county, county_user, village_user, api):
    assert names(api(county_user).get("/api/members/", {"q": "王"})) == ["王建国", "王玉梅"]
    assert names(api(village_user).get("/api/members/", {"q": "王"})) == ["王建国"]


def test_search_by_full_id_number_and_by_its_tail(county, county_user, api):
    member = county.elsewhere.members.get(name="王玉梅")
    assert names(api(county_user).get("/api/members/", {"q": member.id_number})) == ["王玉梅"]
    assert "王玉梅" in names(api(county_user).get("/api/members/", {"q": member.id_number[-4:]}))
    assert names(api(county_user).get("/api/members/", {"q": member.id_number[-5:]})) == []


def test_rows_are_masked_and_say_where_the_member_lives(county, county_user, api):
    row = api(county_user).get("/api/members/", {"q": "刘海燕"}).json()["results"][0]
    member = county.neighbour.members.get()
    assert row["id_number"] == mask(member.id_number)
    assert (row["household_no"], row["village_code"]) == (county.neighbour.household_no, county.neighbour_village.code)


def test_a_member_of_another_area_is_not_found(county, outsider, api):
    assert names(api(outsider).get("/api/members/", {"q": "李秀英"})) == []


def test_a_too_long_query_is_a_client_error(county, county_user, api):
    assert api(county_user).get("/api/members/", {"q": "王" * 61}).status_code == 400
