"""Searching the API by a full ID number: logged without the number, and limited for users without the right.

A masked number hides only the birth date; the age is shown, so about 32 numbers remain, and a search that
answers "found" or "nobody" confirms a guess. These tests guess the way an attacker would (same region, same
sequence number, birth dates around the age) through the real API.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.core.idnumber import mask
from tests.factories import MemberFactory
from tests.factories import id_number_guess as guess

from .conftest import user_of

pytestmark = pytest.mark.django_db

LIMIT = 10
MEMBERS = "/api/members/"
HOUSEHOLDS = "/api/households/"


@pytest.fixture
def target(county) -> str:
    """The number a village user of ``county.village`` sees masked: 王建国's."""
    return county.home.members.get(name="王建国").id_number


def miss(client, number: str, times: int, path: str = MEMBERS) -> None:
    for day in range(1, times + 1):
        response = client.get(path, {"q": guess(number, day)})
        assert response.status_code == 200, response.content
        assert response.json()["results"] == []


def searches(user) -> list[AccessLog]:
    return list(AccessLog.objects.filter(user=user).order_by("pk"))


# --- the log --------------------------------------------------------------------------------------------------


def test_a_search_by_a_full_number_is_logged_with_its_outcome(county, village_user, api, target):
    client = api(village_user)
    client.get(MEMBERS, {"q": target})
    client.get(MEMBERS, {"q": guess(target, 1)})
    assert [(e.actor, e.action, e.target) for e in searches(village_user)] == [
        ("owner", AccessLog.Action.ID_SEARCH_FOUND, MEMBERS),
        ("owner", AccessLog.Action.ID_SEARCH_MISS, MEMBERS),
    ]


def test_the_household_search_by_a_full_number_is_logged_too(county, village_user, api, target):
    api(village_user).get(HOUSEHOLDS, {"q": target})
    assert [(e.action, e.target) for e in searches(village_user)] == [(AccessLog.Action.ID_SEARCH_FOUND, HOUSEHOLDS)]


def test_the_log_keeps_no_part_of_the_number_searched(county, village_user, api, target):
    client = api(village_user)
    client.get(MEMBERS, {"q": target})
    wrong = guess(target, 3)
    client.get(MEMBERS, {"q": wrong})
    logged = json.dumps([[e.target, e.detail] for e in searches(village_user)])
    for number in (target, wrong):
        assert number[6:14] not in logged  # the birth date, which masking hides
        assert mask(number) not in logged


def test_the_same_number_searched_twice_has_the_same_key_and_another_number_another(county, village_user, api, target):
    client = api(village_user)
    for number in (target, target, guess(target, 1)):
        client.get(MEMBERS, {"q": number})
    keys = [e.detail["number_key"] for e in searches(village_user)]
    assert keys[0] == keys[1] != keys[2]


def test_a_fifteen_digit_number_is_a_full_number_search(county, village_user, api):
    member = MemberFactory(household=county.home, name="王老汉", relation="father", birth_date=dt.date(1948, 5, 6))
    old = member.id_number[:6] + member.id_number[8:17]  # the 15-digit form: no century, no check character
    response = api(village_user).get(MEMBERS, {"q": old})
    assert [row["name"] for row in response.json()["results"]] == ["王老汉"]
    assert [e.action for e in searches(village_user)] == [AccessLog.Action.ID_SEARCH_FOUND]


def test_searches_by_name_or_the_last_four_characters_are_not_logged(county, village_user, api, target):
    client = api(village_user)
    client.get(MEMBERS, {"q": "王建国"})
    client.get(MEMBERS, {"q": target[-4:]})
    client.get(HOUSEHOLDS, {"q": county.home.household_no})
    assert searches(village_user) == []


def test_a_household_number_shaped_like_an_id_number_is_a_household_search(county, village_user, api):
    household = county.home
    household.household_no = household.village.code + "000007"  # 18 digits, as some counties number them
    household.save()
    response = api(village_user).get(HOUSEHOLDS, {"q": household.household_no})
    assert [row["household_no"] for row in response.json()["results"]] == [household.household_no]
    assert searches(village_user) == []


# --- the limit ------------------------------------------------------------------------------------------------


def test_after_ten_misses_within_the_hour_even_the_right_number_is_refused(county, village_user, api, target):
    client = api(village_user)
    miss(client, target, LIMIT)
    response = client.get(MEMBERS, {"q": target})
    assert response.status_code == 429
    assert "王建国" not in response.content.decode()
    assert "按完整身份证号查询暂停" in response.json()["detail"]
    assert 0 < int(response["Retry-After"]) <= 3600


def test_the_household_search_is_refused_as_well(county, village_user, api, target):
    client = api(village_user)
    miss(client, target, LIMIT, path=HOUSEHOLDS)
    response = client.get(HOUSEHOLDS, {"q": target})
    assert response.status_code == 429
    assert county.home.household_no not in response.content.decode()


def test_the_misses_of_both_searches_count_together(county, village_user, api, target):
    client = api(village_user)
    miss(client, target, LIMIT // 2, path=HOUSEHOLDS)
    miss(client, guess(target, 100), LIMIT - LIMIT // 2, path=MEMBERS)
    assert client.get(HOUSEHOLDS, {"q": target}).status_code == 429


def test_nine_misses_still_allow_the_tenth_search(county, village_user, api, target):
    client = api(village_user)
    miss(client, target, LIMIT - 1)
    response = client.get(MEMBERS, {"q": target})
    assert [row["name"] for row in response.json()["results"]] == ["王建国"]


def test_searches_that_find_someone_do_not_count(county, village_user, api, target):
    client = api(village_user)
    for _ in range(LIMIT):
        assert client.get(MEMBERS, {"q": target}).status_code == 200
    miss(client, target, LIMIT - 1)
    assert client.get(MEMBERS, {"q": target}).status_code == 200


def test_the_refusal_is_logged_for_the_security_administrator(county, village_user, api, target):
    client = api(village_user)
    miss(client, target, LIMIT)
    client.get(MEMBERS, {"q": target})
    refused = searches(village_user)[-1]
    assert (refused.action, refused.target, refused.detail["misses"]) == (
        AccessLog.Action.ID_SEARCH_REFUSED,
        MEMBERS,
        LIMIT,
    )


def test_other_searches_go_on_while_full_number_searches_are_refused(county, village_user, api, target):
    client = api(village_user)
    miss(client, target, LIMIT)
    response = client.get(MEMBERS, {"q": "王建国"})
    assert [row["name"] for row in response.json()["results"]] == ["王建国"]


def test_the_limit_is_per_user(county, village_user, api, target):
    miss(api(village_user), target, LIMIT)
    other = user_of(Role.VILLAGE, county.village, username="other")
    assert api(other).get(MEMBERS, {"q": target}).status_code == 200


def test_misses_older_than_an_hour_no_longer_count(county, village_user, api, target):
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61)
    for _ in range(LIMIT):
        AccessLog.objects.create(
            user=village_user, actor="owner", action=AccessLog.Action.ID_SEARCH_MISS, target=MEMBERS, at=an_hour_ago
        )
    assert api(village_user).get(MEMBERS, {"q": target}).status_code == 200


def test_the_wait_is_until_the_oldest_counted_miss_is_an_hour_old(county, village_user, api, target):
    now = dt.datetime.now(dt.UTC)
    for minutes in (50, *range(LIMIT - 1)):
        AccessLog.objects.create(
            user=village_user,
            actor="owner",
            action=AccessLog.Action.ID_SEARCH_MISS,
            target=MEMBERS,
            at=now - dt.timedelta(minutes=minutes),
        )
    response = api(village_user).get(MEMBERS, {"q": target})
    assert 9 * 60 <= int(response["Retry-After"]) <= 10 * 60


def test_a_user_with_the_id_number_right_is_logged_but_not_limited(county, api, target):
    user = user_of(Role.VILLAGE, county.village, may_see_id_numbers=True)
    client = api(user)
    miss(client, target, LIMIT + 2)
    assert client.get(MEMBERS, {"q": target}).status_code == 200
    actions = [e.action for e in searches(user)]
    assert actions == [AccessLog.Action.ID_SEARCH_MISS] * (LIMIT + 2) + [AccessLog.Action.ID_SEARCH_FOUND]


def test_a_lower_limit_can_be_set(county, village_user, api, target, settings):
    settings.ID_NUMBER_SEARCH_MISSES_PER_HOUR = 3
    client = api(village_user)
    miss(client, target, 3)
    assert client.get(MEMBERS, {"q": target}).status_code == 429


# --- partial numbers confirm nothing --------------------------------------------------------------------------


def hidden_parts(number: str) -> list[str]:
    """Every beginning, end or middle of the number that holds a masked digit (the birth date, digits 7–14)."""
    return sorted({number[:n] for n in range(7, 18)} | {number[-n:] for n in range(5, 18)} | {number[6:14]})


def test_no_part_of_a_number_holding_masked_digits_finds_a_member(county, village_user, api, target):
    client = api(village_user)
    found = {part: client.get(MEMBERS, {"q": part}).json()["results"] for part in hidden_parts(target)}
    assert {part: rows for part, rows in found.items() if rows} == {}


def test_no_part_of_a_number_holding_masked_digits_finds_a_household_but_by_its_number(
    county, village_user, api, target
):
    client = api(village_user)
    found = {
        part: [row["household_no"] for row in client.get(HOUSEHOLDS, {"q": part}).json()["results"]]
        for part in hidden_parts(target)
    }
    # A beginning may be the beginning of a household number too (both start with the region): that is the
    # household search by number, which says nothing about the member's birth date.
    assert {part: nos for part, nos in found.items() if any(not no.startswith(part) for no in nos)} == {}


def test_parts_of_a_number_are_not_full_number_searches(county, village_user, api, target):
    client = api(village_user)
    # Not the 15-character ones: one may read as a valid old 15-digit number, a full-number search indeed.
    for part in (part for part in hidden_parts(target) if len(part) != 15):
        client.get(MEMBERS, {"q": part})
    assert searches(village_user) == []
