"""/api/assessments/: runs, and their household and area results in the user's scope."""

from __future__ import annotations

import pytest

from jingzhun.accounts.models import Role
from jingzhun.policy.models import AssessmentRun
from jingzhun.policy.services import assessment_run

from .conftest import user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(county) -> AssessmentRun:
    return assessment_run(year=2020)


def rows(response, key: str = "household_no") -> list[str]:
    assert response.status_code == 200, response.content
    return [row[key] for row in response.json()["results"]]


def test_runs_are_listed_newest_first(county, village_user, api):
    first, second = assessment_run(year=2020), assessment_run(year=2019)
    listed = api(village_user).get("/api/assessments/").json()["results"]
    assert [r["id"] for r in listed] == [second.pk, first.pk]
    assert (listed[0]["year"], listed[0]["households"]) == (2019, 4)


def test_a_run_shows_its_parameters(run, village_user, api):
    detail = api(village_user).get(f"/api/assessments/{run.pk}/").json()
    assert detail["parameters"] == run.parameters


def test_a_run_of_another_area_is_not_found(county, village_user, api):
    other = assessment_run(year=2020, area_prefix=county.other_town.prefix)
    assert rows(api(village_user).get("/api/assessments/"), "id") == []
    for path in ("", "households/", "areas/"):
        assert api(village_user).get(f"/api/assessments/{other.pk}/{path}").status_code == 404


def test_an_unknown_run_is_not_found(county, county_user, api):
    assert api(county_user).get("/api/assessments/999/households/").status_code == 404


def test_household_results_in_scope(county, run, village_user, county_user, api):
    assert rows(api(village_user).get(f"/api/assessments/{run.pk}/households/")) == sorted(
        [county.home.household_no, county.second.household_no]
    )
    assert len(rows(api(county_user).get(f"/api/assessments/{run.pk}/households/"))) == 4


def test_household_results_filters(county, run, county_user, api):
    url = f"/api/assessments/{run.pk}/households/"
    client = api(county_user)
    assert rows(client.get(url, {"village": county.other_village.code})) == [county.elsewhere.household_no]
    assert rows(client.get(url, {"status": "relapsed"})) == [county.neighbour.household_no]
    assert rows(client.get(url, {"q": county.home.household_no})) == [county.home.household_no]
    assert rows(client.get(url, {"excluded": "true"})) == []
    by_tier = [
        n for tier in ("fragile", "general", "stable", "high_quality") for n in rows(client.get(url, {"tier": tier}))
    ]
    assert by_tier == [county.second.household_no]  # the one exited household (docs/RULES.md §7)
    failed = rows(client.get(url, {"failed": "income_ok"}))
    results = client.get(url).json()["results"]
    assert failed == [r["household_no"] for r in results if r["income_ok"] is False]
    assert client.get(url, {"flag": "bogus"}).status_code == 400


def test_households_that_have_not_exited_have_an_empty_tier(county, run, county_user, api):
    results = api(county_user).get(f"/api/assessments/{run.pk}/households/").json()["results"]
    tiers = {r["household_no"]: (r["poverty_status"], r["tier"]) for r in results}
    assert tiers.pop(county.second.household_no)[1] != ""
    assert {tier for _status, tier in tiers.values()} == {""}
    assert {status for status, _tier in tiers.values()} == {"not_exited", "relapsed"}


def test_area_results_in_scope(county, run, county_user, outsider, api):
    county_rows = rows(api(county_user).get(f"/api/assessments/{run.pk}/areas/"), "area_code")
    assert county.county.code in county_rows
    town_rows = rows(api(outsider).get(f"/api/assessments/{run.pk}/areas/"), "area_code")
    assert town_rows == [county.other_town.code, county.other_village.code]
    villages = api(county_user).get(f"/api/assessments/{run.pk}/areas/", {"level": "village"}).json()["results"]
    assert {v["name"] for v in villages} == {
        county.village.name,
        county.neighbour_village.name,
        county.other_village.name,
    }


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.DEPARTMENT])
@pytest.mark.parametrize("path", ["", "{id}/", "{id}/households/", "{id}/areas/"])
def test_administrators_and_department_clerks_are_forbidden(county, run, api, role, path):
    user = user_of(role, county.county)
    assert api(user).get("/api/assessments/" + path.format(id=run.pk)).status_code == 403


def test_anonymous_callers_are_refused(run, client):
    assert client.get(f"/api/assessments/{run.pk}/households/").status_code in (401, 403)
