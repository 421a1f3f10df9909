"""Statistics of findings (issue 19): found, verified, open, late and average days by source, category, town and
department, on a small known set (tests/supervision/report_set.py), on the page and in the selectors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.core.scope import SYSTEM
from jingzhun.supervision.selectors import findings_for_user, statistics, statistics_total

from .report_set import AS_OF, FOUND, report_set  # noqa: F401 — the fixture

pytestmark = pytest.mark.django_db


def figures(rows, key):
    row = next(r for r in rows if r["key"] == key)
    return {name: row[name] for name in ("found", "rectified", "open", "late", "average_days")}


@pytest.fixture
def county_findings(users_by_role, report_set):  # noqa: F811
    return findings_for_user(user=users_by_role[Role.COUNTY].owner)


def test_the_total_counts_found_verified_open_late_and_average_days(county_findings):
    total = statistics_total(findings=county_findings, as_of=AS_OF)
    assert {k: total[k] for k in ("found", "rectified", "open", "late", "average_days", "rate")} == {
        "found": 4,
        "rectified": 2,
        "open": 2,
        "late": 3,  # late at assignment, rectified after the due date, a part still open
        "average_days": 35.0,  # (26 + 44) / 2
        "rate": 50.0,
    }


def test_by_source(county_findings):
    rows = statistics(findings=county_findings, by="source", as_of=AS_OF)
    assert [r["key"] for r in rows] == ["audit", "monthly", "petition"]
    assert figures(rows, "monthly") == {"found": 2, "rectified": 2, "open": 0, "late": 1, "average_days": 35.0}
    assert figures(rows, "audit") == {"found": 1, "rectified": 0, "open": 1, "late": 1, "average_days": None}


def test_by_town_puts_a_department_only_finding_under_no_town(county_findings, users_by_role):
    rows = statistics(findings=county_findings, by="town", as_of=AS_OF)
    assert figures(rows, users_by_role.town_a.code) == {
        "found": 3,
        "rectified": 2,
        "open": 1,
        "late": 2,
        "average_days": 35.0,
    }
    assert figures(rows, "") == {"found": 1, "rectified": 0, "open": 1, "late": 1, "average_days": None}


def test_by_department(county_findings):
    rows = statistics(findings=county_findings, by="department", as_of=AS_OF)
    assert figures(rows, "medical_insurance") == {
        "found": 3,
        "rectified": 2,
        "open": 1,
        "late": 2,
        "average_days": 35.0,
    }
    assert figures(rows, "")["found"] == 1


def test_by_category(county_findings):
    rows = statistics(findings=county_findings, by="category", as_of=AS_OF)
    assert {r["key"]: r["found"] for r in rows} == {"funds_projects": 1, "housing_water": 1, "policy": 2}


def test_a_part_done_after_its_due_date_is_not_late_before_its_due_date(county_findings):
    """On 03-20 nothing was due yet but the assignment of A-002 (due 03-09); A-003's town part was still in time."""
    total = statistics_total(findings=county_findings, as_of=dt.date(2026, 3, 20))
    assert (total["found"], total["rectified"], total["late"]) == (4, 0, 1)


def test_dates_after_the_as_of_date_have_not_happened(county_findings):
    """On 03-31 A-001 was verified (03-28), A-003 not yet (04-15); its town part was late (due 03-26, open)."""
    total = statistics_total(findings=county_findings, as_of=dt.date(2026, 3, 31))
    assert (total["rectified"], total["late"], total["average_days"]) == (1, 3, 26.0)


def test_nothing_found_after_the_as_of_date_is_counted(county_findings):
    assert statistics_total(findings=county_findings, as_of=FOUND - dt.timedelta(days=1))["found"] == 0


def test_another_countys_findings_are_never_counted(users_by_role, report_set):  # noqa: F811
    outsider = users_by_role[Role.COUNTY].outsider
    assert statistics_total(findings=findings_for_user(user=outsider), as_of=AS_OF)["found"] == 1
    assert statistics_total(findings=findings_for_user(user=SYSTEM), as_of=AS_OF)["found"] == 5


def test_a_department_clerk_counts_only_its_departments_findings(users_by_role, report_set):  # noqa: F811
    clerk = users_by_role[Role.DEPARTMENT].owner
    clerk.department = "medical_insurance"
    clerk.save(update_fields=["department"])
    assert statistics_total(findings=findings_for_user(user=clerk), as_of=AS_OF)["found"] == 3


def test_one_query_per_grouping(county_findings, django_assert_num_queries):
    with django_assert_num_queries(1):
        statistics(findings=county_findings, by="town", as_of=AS_OF)


def test_the_page_shows_chinese_labels_and_the_total(client, users_by_role, report_set):  # noqa: F811
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.get("/supervision/statistics/", {"by": "department", "as_of": AS_OF.isoformat()})
    assert response.status_code == 200
    rows = {row["label"]: row for row in response.context["rows"]}
    assert rows["医保"]["found"] == 3
    assert rows["（无责任部门）"]["late"] == 1
    assert response.context["total"]["found"] == 4
    assert "医保" in response.content.decode()


def test_the_page_names_the_towns(client, users_by_role, report_set):  # noqa: F811
    client.force_login(users_by_role[Role.INSPECTOR].owner)
    response = client.get("/supervision/statistics/", {"by": "town", "as_of": AS_OF.isoformat()})
    assert users_by_role.town_a.name in [row["label"] for row in response.context["rows"]]


def test_the_source_tab_shows_the_sources_in_chinese(client, users_by_role, report_set):  # noqa: F811
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.get("/supervision/statistics/", {"as_of": AS_OF.isoformat()})
    assert [row["label"] for row in response.context["rows"]] == ["审计", "月度督导", "群众信访"]


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "2026-02-30", "x"])
def test_an_unusable_as_of_date_reads_as_today(client, users_by_role, as_of):
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.get("/supervision/statistics/", {"as_of": as_of})
    assert response.status_code == 200
    assert response.context["as_of"] == timezone.localdate()


def test_a_role_without_findings_may_not_see_the_page(client, users_by_role):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert client.get("/supervision/statistics/").status_code == 403
