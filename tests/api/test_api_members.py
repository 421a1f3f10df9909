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


# --- pages by key: a county's 王 are not sorted whole to show fifty ---------------------------------------------


@pytest.fixture
def many(county):
    """Households with one, two or no 王 in each village of the county, beside the fixture's own."""
    from tests.factories import HouseholdFactory, MemberFactory

    for village in (county.village, county.neighbour_village, county.other_village):
        for n in range(5):
            household = HouseholdFactory(village=village)
            MemberFactory(household=household, name="王" + "一二三四五"[n], relation="head")
            if n % 2:
                MemberFactory(household=household, name="王小" + "一二三四五"[n], relation="son")
            MemberFactory(household=household, name="赵" + "一二三四五"[n], relation="spouse")
    return county


def _expected(user, q: str) -> list[int]:
    from jingzhun.registry.models import Member

    members = Member.objects.filter(name__startswith=q, household__village__code__startswith=user.area.prefix)
    return list(members.order_by("household__village_id", "household__household_no", "id").values_list("id", flat=True))


def _walk(client, **params) -> list[int]:
    seen, url = [], "/api/members/"
    while url:
        response = client.get(url, params if url == "/api/members/" else None)
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"next", "previous", "results"}  # no count: nothing is counted to page
        seen.extend(row["id"] for row in body["results"])
        url = body["next"]
    return seen


@pytest.mark.parametrize("common", [True, False])
@pytest.mark.parametrize("size", ["1", "2", "5"])
def test_every_member_once_across_the_pages_in_village_and_household_order(
    many, county_user, api, monkeypatch, common, size
):
    from jingzhun.registry import selectors

    # A name this common has its households walked in order; a rarer one, the set of its households sorted.
    monkeypatch.setattr(selectors, "COMMON_NAME", 2 if common else 10_000)
    seen = _walk(api(county_user), q="王", page_size=size)
    assert seen == _expected(county_user, "王")
    assert len(seen) == 2 + 3 * 7  # the fixture's two, and seven in each village


def test_a_town_pages_through_its_own_members_only(many, api):
    from jingzhun.accounts.models import Role

    from .conftest import user_of

    town_user = user_of(Role.TOWN, many.town)
    seen = _walk(api(town_user), q="王", page_size="2")
    assert seen == _expected(town_user, "王") and len(seen) == 1 + 2 * 7


def test_previous_leads_back_to_the_first_page(many, county_user, api):
    client = api(county_user)
    first = client.get("/api/members/", {"q": "王", "page_size": 3}).json()
    assert first["previous"] is None
    third = client.get(client.get(first["next"]).json()["next"]).json()
    second = client.get(third["previous"]).json()
    back = client.get(second["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]
    assert back["previous"] is None


@pytest.mark.parametrize(
    "key", ["x", "[1]", '["a", "b", "c"]', '["370125", "1", 0]', '["370125", "1", 99999999999999999999]']
)
def test_a_key_that_cannot_be_a_member_is_the_first_page(many, county_user, api, key):
    client = api(county_user)
    first = client.get("/api/members/", {"q": "王"}).json()["results"]
    assert client.get("/api/members/", {"q": "王", "after": key}).json()["results"] == first
    assert client.get("/api/members/", {"q": "王", "before": key}).json()["results"] == first


def test_a_key_of_another_area_shows_none_of_its_members(many, village_user, api):
    import json

    elsewhere = many.elsewhere.members.get(name="王玉梅")
    key = json.dumps([many.other_village.code, many.elsewhere.household_no, elsewhere.pk - 1])
    rows = api(village_user).get("/api/members/", {"q": "王", "after": key}).json()["results"]
    assert all(row["village_code"] == many.village.code for row in rows)


@pytest.mark.parametrize(("size", "shown"), [("0", 50), ("-1", 50), ("abc", 50), ("600", 500), ("3", 3)])
def test_page_size_is_bounded(many, county_user, api, size, shown):
    from jingzhun.core.api import KeysetPagination

    request = type("R", (), {"query_params": {"page_size": size}})()
    assert KeysetPagination().size(request) == shown


def test_a_page_reads_the_households_of_the_area_in_order_from_their_village_index(many, county_user, monkeypatch):
    """For a common name, the page's households come from the scope's range of the (village, status) index, sorted
    within each village only (SQLite: the right part of the order); the key's bound comes first, so a later page
    starts at the key. (A rare name's households are a small set, sorted.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jingzhun.registry import selectors
    from jingzhun.registry.selectors import members_page_for_user

    monkeypatch.setattr(selectors, "COMMON_NAME", 2)

    first = members_page_for_user(user=county_user, q="王", size=2)
    with CaptureQueriesContext(connection) as queries:
        members_page_for_user(user=county_user, q="王", size=2, after=first.next_after)
    households = next(
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "registry_household"."id"')
    )
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {households}")
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
            assert "registry_ho_village" in plan and "TEMP B-TREE FOR ORDER BY" not in plan, plan
            assert households.index('"registry_household"."village_id" >=') < households.index("< '370126'"), households
        else:  # PostgreSQL chooses between the households' range and the members' names by its statistics
            assert f'"registry_household"."village_id" >= \'{county_user.area.prefix}\'' in households
            cursor.execute("SET enable_seqscan = off")
            try:
                cursor.execute(f"EXPLAIN {households}")
                plan = " | ".join(row[0] for row in cursor.fetchall())
            finally:
                cursor.execute("RESET enable_seqscan")
            assert "Seq Scan on registry_household" not in plan, plan


def test_a_page_number_is_refused_with_the_way_to_page(many, county_user, api):
    response = api(county_user).get("/api/members/", {"q": "王", "page": 2})
    assert response.status_code == 400
    assert "next" in response.json()["detail"]
