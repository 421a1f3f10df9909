"""The escalation lists (挂牌督办) per level: 县级 lists the towns' and departments' late parts, 市级 the late
assignments, as of a date, paged by key (tests/supervision/report_set.py has the findings)."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.accounts.models import Role
from jingzhun.core.scope import SYSTEM
from jingzhun.supervision.models import Finding, FindingPart
from jingzhun.supervision.selectors import findings_for_user, late_page, late_parts

from .report_set import AS_OF, FOUND, report_set  # noqa: F401 — the fixture

pytestmark = pytest.mark.django_db


def page(client, user, **params):
    client.force_login(user)
    response = client.get("/supervision/late/", {"as_of": AS_OF.isoformat(), **params})
    assert response.status_code == 200
    return response


def test_the_county_list_has_the_open_part_with_its_assignee_due_and_days_late(client, users_by_role, report_set):  # noqa: F811
    rows = page(client, users_by_role[Role.COUNTY].owner, level="county").context["page"].rows
    assert [(r["number"], r["part_text"], r["assignee_text"], r["due"], r["days_late"]) for r in rows] == [
        ("A-004", "部门整改", "医保", dt.date(2026, 3, 26), 96)
    ]


def test_the_city_list_has_the_late_assignment_and_who_it_is_for(client, users_by_role, report_set):  # noqa: F811
    rows = page(client, users_by_role[Role.COUNTY].owner, level="city").context["page"].rows
    assert [(r["number"], r["part_text"], r["assignee_text"], r["days_late"]) for r in rows] == [
        ("A-002", "交办", users_by_role.town_a.name, 113)
    ]


def test_the_counts_of_both_levels_are_shown(client, users_by_role, report_set):  # noqa: F811
    levels = page(client, users_by_role[Role.COUNTY].owner).context["levels"]
    assert levels == [("county", "县级", 1), ("city", "市级", 1)]


def test_another_countys_late_findings_are_never_listed(client, users_by_role, report_set):  # noqa: F811
    response = page(client, users_by_role[Role.COUNTY].owner, level="city")
    assert "B-001" not in response.content.decode()
    rows = page(client, users_by_role[Role.COUNTY].outsider, level="city").context["page"].rows
    assert [r["number"] for r in rows] == ["B-001"]


def test_a_past_date_shows_the_list_as_it_stood(client, users_by_role, report_set):  # noqa: F811
    """On 03-31 the town parts of A-003 (done 04-10) and the part of A-004 were late."""
    response = page(client, users_by_role[Role.COUNTY].owner, level="county", as_of="2026-03-31")
    assert [(r["number"], r["part"], r["days_late"]) for r in response.context["page"].rows] == [
        ("A-003", "town", 5),
        ("A-004", "department", 5),
    ]


def test_the_page_says_when_nothing_is_late(client, users_by_role, report_set):  # noqa: F811
    response = page(client, users_by_role[Role.COUNTY].owner, as_of=FOUND.isoformat())
    assert response.context["page"].rows == []
    assert "没有逾期" in response.content.decode()


@pytest.fixture
def many_late(users_by_role):
    """Seven findings numbered L-01 .. L-07, each late at both its town and its department part."""
    found = dt.date(2026, 1, 5)
    findings = Finding.objects.bulk_create(
        Finding(
            number=f"L-{n:02d}",
            source="monthly",
            found_on=found,
            area_code=users_by_role.village_a.code,
            category="policy",
            description="逾期",
            town_code=users_by_role.town_a.code,
            department="civil_affairs",
            assign_due=found + dt.timedelta(days=7),
            assigned_on=found,
        )
        for n in range(1, 8)
    )
    FindingPart.objects.bulk_create(
        FindingPart(finding=f, kind=kind, assignee=who, started_on=found, due=found + dt.timedelta(days=21))
        for f in findings
        for kind, who in (("town", users_by_role.town_a.code), ("department", "civil_affairs"))
    )


def test_keyset_pages_walk_the_list_in_late_parts_order_forward_and_back(many_late):
    findings = findings_for_user(user=SYSTEM)
    whole = [(p.finding_no, p.part) for p in late_parts(findings=findings, as_of=AS_OF)]
    seen, after, pages = [], "", []
    while True:
        one = late_page(findings=findings, as_of=AS_OF, level="county", after=after, size=4)
        pages.append(one)
        seen += [(r["number"], r["part"]) for r in one.rows]
        if not one.next_after:
            break
        after = one.next_after
    assert seen == whole
    assert len(whole) == 14
    back = late_page(findings=findings, as_of=AS_OF, level="county", before=pages[2].previous_before, size=4)
    assert back.rows == pages[1].rows


def test_a_page_reads_a_bounded_number_of_rows(many_late, django_assert_num_queries):
    findings = findings_for_user(user=SYSTEM)
    with django_assert_num_queries(1):
        one = late_page(findings=findings, as_of=AS_OF, level="county", after="L-03|town", size=3)
    assert [(r["number"], r["part"]) for r in one.rows] == [
        ("L-03", "department"),
        ("L-04", "town"),
        ("L-04", "department"),
    ]


@pytest.mark.parametrize("key", ["L-03", "L-03|assign", "|town", "x" * 200])
def test_a_key_that_is_not_one_reads_as_the_first_page(many_late, key):
    one = late_page(findings=findings_for_user(user=SYSTEM), as_of=AS_OF, level="county", after=key, size=2)
    assert [r["number"] for r in one.rows] == ["L-01", "L-01"]


def test_the_pager_links_to_the_next_page(client, users_by_role, many_late, monkeypatch):
    monkeypatch.setattr("jingzhun.supervision.report_views.PAGE_SIZE", 5)
    response = page(client, users_by_role[Role.COUNTY].owner, level="county")
    assert response.context["page"].next_after == "L-03|town"
    assert "after=L-03%7Ctown" in response.content.decode()


def test_a_role_without_findings_may_not_see_the_lists(client, users_by_role):
    client.force_login(users_by_role[Role.HELPER].owner)
    assert client.get("/supervision/late/").status_code == 403


def test_the_finding_number_links_to_the_finding(client, users_by_role, report_set):  # noqa: F811
    response = page(client, users_by_role[Role.COUNTY].owner, level="county")
    assert f'href="/supervision/{report_set["A-004"].pk}/"' in response.content.decode()
