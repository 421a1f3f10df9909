"""Odd input answers as absent or as an error on the field, never as a server error (issue 24, item 9).

Each of these answered 500 on SQLite or PostgreSQL before core.params: a number past 64 bits in a pager's key,
a date at the calendar's ends in a log filter, a NUL in a search or in a URL's household number.
The security walk (test_security_walk.py) asks every route with all of them; these name the cases one by one.
"""

from __future__ import annotations

import pytest

from jingzhun.accounts.models import Role
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.mark.parametrize("query", ["until=9999-12-31", "since=0001-01-01", "since=10000-01-01", "until=2024-02-30"])
@pytest.mark.parametrize("log", ["/accounts/audit/", "/accounts/audit/access/"])
def test_a_log_filtered_by_a_date_out_of_range_shows_the_error_on_the_field(client, users_by_role, log, query):
    client.force_login(users_by_role[Role.AUDIT_ADMIN].owner)
    response = client.get(f"{log}?{query}")
    assert response.status_code == 200
    assert response.context["form"].errors


def test_a_log_date_outside_the_window_says_which_window_in_chinese(client, users_by_role):
    client.force_login(users_by_role[Role.AUDIT_ADMIN].owner)
    response = client.get("/accounts/audit/?since=0001-01-01")
    assert "日期须在 2000-01-01 至 2099-12-31 之间" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Role.VILLAGE, "/crosscheck/review/"),
        (Role.VILLAGE, "/monitoring/instant-help/"),
        (Role.VILLAGE, "/monitoring/"),
        (Role.VILLAGE, "/households/"),
        (Role.VILLAGE, "/crosscheck/"),
        (Role.SYSTEM_ADMIN, "/accounts/system/"),
        (Role.SECURITY_ADMIN, "/accounts/security/"),
        (Role.AUDIT_ADMIN, "/accounts/audit/"),
        (Role.AUDIT_ADMIN, "/accounts/audit/access/"),
    ],
)
@pytest.mark.parametrize("key", [HUGE, f"-{HUGE}", "1e400", "a%00b", "%ff%fe", "x" * 5000])
def test_a_pager_key_that_cannot_be_a_key_reads_as_the_first_page(client, users_by_role, role, url, key):
    client.force_login(users_by_role[role].owner)
    assert client.get(f"{url}?after={key}").status_code == 200
    assert client.get(f"{url}?before={key}").status_code == 200


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Role.SYSTEM_ADMIN, "/accounts/system/?q=a%00b"),
        (Role.SECURITY_ADMIN, "/accounts/security/?q=a%00b&refused_days=99999999999999999999"),
        (Role.VILLAGE, "/monitoring/open/?household=a%00b"),
        (Role.VILLAGE, "/monitoring/instant-help/?tier=%00&overdue=%00"),
    ],
)
def test_a_nul_in_a_query_parameter_reads_as_absent(client, users_by_role, role, url):
    # PostgreSQL refuses text with a NUL with an error; SQLite merely finds nothing.
    client.force_login(users_by_role[role].owner)
    assert client.get(url).status_code == 200


def test_a_nul_in_a_posted_household_number_reads_as_absent(client, users_by_role):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert client.post("/monitoring/open/", {"household": "a\x00b"}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/households/A%00/",
        "/api/households/A%00/",
        "/assistance/households/A%00/",
        "/assistance/households/A%00/visit/",
    ],
)
def test_a_nul_in_the_path_is_not_found(client, users_by_role, path):
    HouseholdFactory(village=users_by_role.village_a, household_no="A")
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/monitoring/", "/assessments/", "/accounts/system/", "/crosscheck/review/"])
def test_a_number_past_64_bits_in_the_path_is_not_found(client, users_by_role, path):
    role_of = {"/accounts/system/": Role.SYSTEM_ADMIN}
    client.force_login(users_by_role[role_of.get(path, Role.COUNTY)].owner)
    assert client.get(f"{path}{HUGE}/").status_code == 404


@pytest.mark.parametrize("page", [HUGE, "-1", "0", "1e400", "%ff"])
def test_an_api_page_number_out_of_range_is_not_found(client, users_by_role, page):
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.get(f"/api/households/?page={page}")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_an_assessment_compared_against_a_huge_run_number_shows_no_comparison(client, users_by_role):
    from jingzhun.policy.services import assessment_run

    run = assessment_run(year=2020, area_prefix=users_by_role.county_a.prefix)
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.get(f"/assessments/{run.pk}/?against={HUGE}&from=%00&to=%00")
    assert response.status_code == 200
