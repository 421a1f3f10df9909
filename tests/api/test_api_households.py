"""/api/households/ and /api/households/{household_no}/: scope, roles, masking, search, filters, pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.core.idnumber import mask
from jingzhun.policy.services import assessment_run
from jingzhun.registry.vocab import Relation
from tests.factories import HouseholdFactory, MemberFactory

from .conftest import user_of

pytestmark = pytest.mark.django_db


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["household_no"] for row in response.json()["results"]]


# --- who may call, and what they see -----------------------------------------------------------------------


def test_a_village_user_lists_the_households_of_the_village_only(county, village_user, api):
    assert numbers(api(village_user).get("/api/households/")) == sorted(
        [county.home.household_no, county.second.household_no]
    )


def test_a_county_user_lists_every_household_in_household_number_order(county, county_user, api):
    listed = numbers(api(county_user).get("/api/households/"))
    assert listed == sorted(h.household_no for h in (county.home, county.second, county.neighbour, county.elsewhere))


def test_the_owner_opens_a_household_of_the_village(county, village_user, api):
    response = api(village_user).get(f"/api/households/{county.home.household_no}/")
    assert response.status_code == 200
    assert response.json()["household_no"] == county.home.household_no


def test_a_household_of_another_area_is_not_found_rather_than_forbidden(county, colleague, outsider, api):
    assert api(colleague).get(f"/api/households/{county.home.household_no}/").status_code == 404
    assert api(outsider).get(f"/api/households/{county.home.household_no}/").status_code == 404


def test_an_unknown_household_is_not_found(county, county_user, api):
    assert api(county_user).get("/api/households/370125000000999/").status_code == 404


def test_a_user_without_an_area_sees_nothing(county, api):
    user = user_of(Role.COUNTY, None)
    assert numbers(api(user).get("/api/households/")) == []
    assert api(user).get(f"/api/households/{county.home.household_no}/").status_code == 404


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.DEPARTMENT, Role.NONE])
@pytest.mark.parametrize("path", ["/api/households/", "/api/households/{no}/", "/api/members/"])
def test_administrators_and_department_clerks_are_forbidden(county, api, role, path):
    user = user_of(role, county.county)
    assert api(user).get(path.format(no=county.home.household_no)).status_code == 403


@pytest.mark.parametrize("role", [Role.TOWN, Role.INSPECTOR])
def test_other_people_roles_may_read(county, api, role):
    assert numbers(api(user_of(role, county.town)).get("/api/households/"))


def test_a_helper_reads_its_paired_households_only(county, api):
    from tests.assistance.factories import HelperFactory, PairingFactory

    helper = user_of(Role.HELPER, county.town)
    PairingFactory(helper=HelperFactory(user=helper, area=county.town), household=county.home)
    assert numbers(api(helper).get("/api/households/")) == [county.home.household_no]
    assert api(helper).get(f"/api/households/{county.second.household_no}/").status_code == 404


@pytest.mark.parametrize("path", ["/api/households/", "/api/households/{no}/", "/api/members/"])
def test_anonymous_callers_are_refused(county, client, path):
    assert client.get(path.format(no=county.home.household_no)).status_code in (401, 403)


def test_an_inactive_user_is_refused(county, api):
    user = user_of(Role.COUNTY, county.county, is_active=False)
    assert api(user).get("/api/households/").status_code in (401, 403)


# --- the record ------------------------------------------------------------------------------------------------


def test_the_record_has_members_incomes_and_status_history(county, village_user, api):
    record = api(village_user).get(f"/api/households/{county.home.household_no}/").json()
    assert [m["name"] for m in record["members"]] == ["王建国", "李秀英"]
    assert record["village"] == {"code": county.village.code, "name": county.village.name}
    assert record["town"]["code"] == county.town.code
    assert [(i["year"], i["net_income"]) for i in record["incomes"]] == [(2020, "24900.00"), (2019, "18900.00")]
    assert record["status_changes"] == []
    assert record["latest_result"] is None


def test_the_record_carries_the_latest_result_with_reasons(county, village_user, api):
    assessment_run(year=2020)
    result = api(village_user).get(f"/api/households/{county.home.household_no}/").json()["latest_result"]
    assert result["year"] == 2020
    assert [i["key"] for i in result["indicators"]] == [
        "income_ok",
        "food_clothing_ok",
        "education_ok",
        "medical_ok",
        "housing_ok",
        "water_ok",
    ]
    assert {"tier", "reasons", "exclusion", "meets_standard", "triggers"} <= result.keys()
    assert result["tier"] == ""  # 未脱贫: no tier (docs/RULES.md §7)


# --- ID numbers ------------------------------------------------------------------------------------------------


def test_id_numbers_are_masked_and_nothing_is_logged(county, village_user, api):
    record = api(village_user).get(f"/api/households/{county.home.household_no}/").json()
    stored = [m.id_number for m in county.home.members.order_by("id")]
    assert [m["id_number"] for m in record["members"]] == [mask(n) for n in stored]
    assert record["members"][0]["id_number"][6:14] == "********"
    assert not AccessLog.objects.exists()


def test_masked_members_show_their_age_but_not_the_birth_date_the_mask_hides(county, village_user, api):
    member = api(village_user).get(f"/api/households/{county.home.household_no}/").json()["members"][0]
    assert member["birth_date"] is None
    assert isinstance(member["age"], int)


def test_a_user_who_may_see_id_numbers_also_sees_birth_dates(county, api):
    user = user_of(Role.VILLAGE, county.village, may_see_id_numbers=True)
    member = api(user).get(f"/api/households/{county.home.household_no}/").json()["members"][0]
    assert member["birth_date"] == county.home.members.order_by("id").first().birth_date.isoformat()


def test_a_user_who_may_see_id_numbers_sees_them_and_the_view_is_logged(county, api):
    user = user_of(Role.VILLAGE, county.village, may_see_id_numbers=True)
    record = api(user).get(f"/api/households/{county.home.household_no}/").json()
    assert [m["id_number"] for m in record["members"]] == [m.id_number for m in county.home.members.order_by("id")]
    entry = AccessLog.objects.get()
    assert (entry.user, entry.action) == (user, AccessLog.Action.UNMASK)
    assert county.home.household_no in entry.target
    assert entry.at is not None


def test_each_unmasked_view_is_logged_once(county, api):
    user = user_of(Role.COUNTY, county.county, may_see_id_numbers=True)
    for _ in range(2):
        api(user).get(f"/api/households/{county.home.household_no}/")
    assert AccessLog.objects.filter(action=AccessLog.Action.UNMASK).count() == 2


def test_the_right_alone_does_not_unmask_for_a_role_without_people_data(county, api):
    user = user_of(Role.AUDIT_ADMIN, county.county, may_see_id_numbers=True)
    assert api(user).get(f"/api/households/{county.home.household_no}/").status_code == 403
    assert not AccessLog.objects.exists()


def test_lists_never_show_full_id_numbers(county, api):
    user = user_of(Role.COUNTY, county.county, may_see_id_numbers=True)
    members = api(user).get("/api/members/").json()["results"]
    assert members and all("*" in m["id_number"] for m in members)
    assert not AccessLog.objects.exists()


# --- search and filters ----------------------------------------------------------------------------------------


@pytest.fixture
def search(county, county_user, api):
    def run(**params) -> list[str]:
        return numbers(api(county_user).get("/api/households/", params))

    return run


def test_search_by_a_members_name(county, search):
    assert search(q="李秀英") == [county.home.household_no]
    assert search(q="王") == sorted([county.home.household_no, county.elsewhere.household_no])


def test_search_by_a_full_id_number(county, search):
    number = county.neighbour.members.get().id_number
    assert search(q=number) == [county.neighbour.household_no]
    assert search(q=number.lower()) == [county.neighbour.household_no]


def test_search_by_the_last_four_characters_of_an_id_number(county, search):
    tail = county.second.members.get().id_number[-4:]
    assert county.second.household_no in search(q=tail)


def test_search_by_more_masked_digits_than_the_tail_finds_nothing(county, search):
    number = county.second.members.get().id_number
    assert search(q=number[-6:]) == []


def test_search_by_the_start_of_a_household_number(county, search):
    assert search(q=county.home.household_no) == [county.home.household_no]
    assert search(q=county.village.code) == sorted([county.home.household_no, county.second.household_no])


def test_search_stays_inside_the_scope(county, village_user, api):
    assert numbers(api(village_user).get("/api/households/", {"q": "陈国华"})) == []


def test_filter_by_village_and_status(county, search):
    assert search(village=county.neighbour_village.code) == [county.neighbour.household_no]
    assert search(status="exited") == [county.second.household_no]
    assert search(village=county.village.code, status="relapsed") == []


def test_filter_by_town(county, search):
    assert search(town=county.town.code) == sorted(
        [county.home.household_no, county.second.household_no, county.neighbour.household_no]
    )
    assert search(town=county.other_town.code) == [county.elsewhere.household_no]


def test_filter_by_a_town_outside_the_scope_finds_nothing(county, village_user, api):
    assert numbers(api(village_user).get("/api/households/", {"town": county.other_town.code})) == []


def test_filters_from_the_latest_assessment(county, search):
    assert search(tier="fragile") == []  # nothing assessed yet
    assessment_run(year=2020)
    tiers = {h: None for h in search()}
    for tier in ("fragile", "general", "stable", "high_quality"):
        for number in search(tier=tier):
            tiers[number] = tier
    # only the exited household has a tier (docs/RULES.md §7)
    assert [number for number, tier in tiers.items() if tier] == [county.second.household_no]
    failed_income = set(search(failed="income_ok"))
    assert failed_income <= set(tiers)


def test_list_rows_of_households_that_have_not_exited_carry_an_empty_tier(county, county_user, api):
    assessment_run(year=2020)
    rows = api(county_user).get("/api/households/").json()["results"]
    tiers = {row["household_no"]: row["latest"]["tier"] for row in rows}
    assert tiers.pop(county.second.household_no) != ""
    assert set(tiers.values()) == {""}


def test_list_rows_carry_the_latest_result(county, county_user, api):
    run = assessment_run(year=2020)
    rows = api(county_user).get("/api/households/").json()["results"]
    assert {row["latest"]["run"] for row in rows} == {run.pk}
    home = next(row for row in rows if row["household_no"] == county.home.household_no)
    assert (home["head_name"], home["people"], home["village_name"]) == ("王建国", 2, county.village.name)


def test_list_and_record_give_the_per_capita_income_alike_as_a_decimal_string(county, county_user, api):
    assessment_run(year=2020)
    client = api(county_user)
    rows = client.get("/api/households/").json()["results"]
    listed = next(row for row in rows if row["household_no"] == county.home.household_no)["latest"]
    record = client.get(f"/api/households/{county.home.household_no}/").json()["latest_result"]
    assert isinstance(listed["income_per_capita"], str)
    assert listed["income_per_capita"] == record["income_per_capita"]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "rich"},
        {"tier": "x"},
        {"flag": "income_ok"},
        {"failed": "exit_eligible"},
        {"village": "12"},
        {"town": "x"},
    ],
)
def test_bad_filters_are_a_client_error(county, county_user, api, params):
    response = api(county_user).get("/api/households/", params)
    assert response.status_code == 400
    assert next(iter(params)) in response.json()["errors"]
    assert next(iter(params)) in response.json()["detail"]


def test_nul_characters_are_a_client_error(county, county_user, api):
    assert api(county_user).get("/api/households/", {"q": "王\x00"}).status_code == 400
    assert api(county_user).get("/api/households/%00/").status_code == 404


# --- pages and queries -----------------------------------------------------------------------------------------


def test_pages_of_fifty_by_default(county, county_user, api):
    for _ in range(55):
        HouseholdFactory(village=county.other_village)
    first = api(county_user).get("/api/households/").json()
    assert (first["count"], len(first["results"]), first["previous"]) == (59, 50, None)
    second = api(county_user).get(first["next"]).json()
    assert len(second["results"]) == 9
    assert api(county_user).get("/api/households/", {"page_size": 5}).json()["results"].__len__() == 5
    assert api(county_user).get("/api/households/", {"page": 9}).status_code == 404


def test_the_list_takes_the_same_queries_for_one_household_and_many(
    county, county_user, api, django_assert_max_num_queries
):
    assessment_run(year=2020)
    client = api(county_user)
    client.get("/api/households/")  # warm the session
    for _ in range(30):
        MemberFactory(household=HouseholdFactory(village=county.village))
    with django_assert_max_num_queries(8):
        response = client.get("/api/households/", {"page_size": 40})
    assert len(response.json()["results"]) == 34


def test_the_record_takes_a_fixed_number_of_queries(county, api, django_assert_max_num_queries):
    user = user_of(Role.COUNTY, county.county, may_see_id_numbers=True)
    client = api(user)
    assessment_run(year=2020)
    for _ in range(5):
        MemberFactory(household=county.home, relation="son")
    client.get("/api/households/")
    with django_assert_max_num_queries(14):
        assert client.get(f"/api/households/{county.home.household_no}/").status_code == 200


def test_a_masked_member_is_aged_on_1_january_not_today(county, village_user, api):
    today = timezone.localdate()
    if (today.month, today.day) == (1, 1):
        pytest.skip("on 1 January the two ages agree")
    day = today.day if (today.month, today.day) != (2, 29) else 28
    born = dt.date(today.year - 40, today.month, day)
    MemberFactory(household=county.home, relation=Relation.SPOUSE, birth_date=born, name="生日今天")
    members = api(village_user).get(f"/api/households/{county.home.household_no}/").json()["members"]
    assert next(m["age"] for m in members if m["name"] == "生日今天") == 39
