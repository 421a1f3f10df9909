"""The case lists a page at a time from their index: every case once across the pages, in village and household
order, within the user's area; a household's village kept on its cases by the database, however it changes."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Level
from jingzhun.monitoring import views
from jingzhun.monitoring.models import MonitoringCase, Stage
from jingzhun.monitoring.selectors import LIST_ORDER, case_search_for_user
from jingzhun.monitoring.services import case_open
from jingzhun.registry.models import Household
from tests.factories import AreaFactory, HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(users_by_role):
    """Two towns of county A, two villages each, three households a village, each with an open case; the first
    household of each village also with an earlier, closed case."""
    towns = [users_by_role.town_a, AreaFactory(level=Level.TOWN, parent=users_by_role.county_a)]
    opener = UserFactory(role=Role.COUNTY, area=users_by_role.county_a)
    for town in towns:
        for _ in range(2):
            village = AreaFactory(level=Level.VILLAGE, parent=town)
            for n in range(3):
                household = HouseholdFactory(village=village, poverty_status="exited")
                if n == 0:
                    closed = case_open(household=household, channel="cadre_screening", user=opener).case
                    MonitoringCase.objects.filter(pk=closed.pk).update(
                        stage=Stage.ELIMINATED, closed_on=closed.opened_on
                    )
                case_open(household=household, channel="cadre_screening", user=opener, risk_types=["01"])
    # Another county's case, never on county A's pages.
    case_open(
        household=HouseholdFactory(village=users_by_role.village_b, poverty_status="exited"),
        channel="cadre_screening",
        user=users_by_role[Role.VILLAGE].outsider,
    )
    return {"towns": towns, "user": opener}


def _walk(client, path: str, **params: str) -> list[int]:
    """Every case id the list shows, following its "next" pages to the end."""
    seen: list[int] = []
    after = ""
    while True:
        response = client.get(path, {**params, **({"after": after} if after else {})})
        assert response.status_code == 200
        page = response.context["page"]
        seen.extend(case.pk for case in page.rows)
        if page.next_after is None:
            return seen
        after = page.next_after


def _ordered(cases) -> list[int]:
    return list(cases.order_by(*LIST_ORDER).values_list("id", flat=True))


@pytest.mark.parametrize("state", ["open", "all", "closed"])
def test_every_case_of_the_area_once_across_the_pages_in_village_and_household_order(
    client, county, monkeypatch, state
):
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    client.force_login(county["user"])
    seen = _walk(client, "/monitoring/", state=state)
    cases = MonitoringCase.objects.filter(household__village__code__startswith=county["user"].area.prefix)
    if state == "open":
        cases = cases.filter(closed_on__isnull=True)
    elif state == "closed":
        cases = cases.filter(closed_on__isnull=False)
    assert seen == _ordered(cases)
    assert len(seen) == len(set(seen)) == {"open": 12, "all": 16, "closed": 4}[state]
    numbers = [MonitoringCase.objects.get(pk=pk).household.household_no for pk in seen]
    assert numbers == sorted(numbers)  # the village's code begins each number: village order is number order


def test_a_town_pages_through_its_own_cases_only(client, county, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    town = county["towns"][1]
    client.force_login(UserFactory(role=Role.TOWN, area=town))
    seen = _walk(client, "/monitoring/", state="all")
    assert seen == _ordered(MonitoringCase.objects.filter(household__village__parent=town))


def test_previous_pages_lead_back_to_the_first(client, county, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    client.force_login(county["user"])
    forward = _walk(client, "/monitoring/")
    page = client.get("/monitoring/", {"after": client.get("/monitoring/").context["page"].next_after}).context["page"]
    page = client.get("/monitoring/", {"after": page.next_after}).context["page"]
    back: list[int] = [case.pk for case in page.rows]
    while page.previous_before is not None:
        page = client.get("/monitoring/", {"before": page.previous_before}).context["page"]
        back = [case.pk for case in page.rows] + back
    assert back == forward


def test_the_instant_help_list_pages_through_the_tiered_open_cases(client, county, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    MonitoringCase.objects.filter(closed_on__isnull=True, household__household_no__endswith="1").update(
        help_tier="B", help_tier_since="2026-01-05", help_due="2026-01-20"
    )
    client.force_login(county["user"])
    seen = _walk(client, "/monitoring/instant-help/")
    tiered = MonitoringCase.objects.filter(closed_on__isnull=True, household__village__code__startswith="370125")
    assert seen == _ordered(tiered.exclude(help_tier=""))


@pytest.mark.parametrize("key", ['["370125", "x", "1"]', "[1, 2, 3]", "not a key"])
def test_a_key_that_cannot_be_a_case_shows_the_first_page(client, county, key):
    client.force_login(county["user"])
    first = client.get("/monitoring/").context["page"]
    page = client.get("/monitoring/", {"after": key}).context["page"]
    assert [c.pk for c in page.rows] == [c.pk for c in first.rows]


def test_a_key_from_another_area_shows_nothing_of_it(client, county, users_by_role):
    theirs = MonitoringCase.objects.get(household__village=users_by_role.village_b)
    client.force_login(county["user"])
    key = json.dumps(["000000000000", "", 0])
    seen = [c.pk for c in client.get("/monitoring/", {"after": key}).context["page"].rows]
    assert theirs.pk not in seen and seen


def test_a_household_moved_to_another_village_takes_its_cases_along(client, county):
    before = county["towns"][0]
    after_village = AreaFactory(level=Level.VILLAGE, parent=county["towns"][1])
    case = MonitoringCase.objects.filter(household__village__parent=before, closed_on__isnull=True).first()
    stamped = case.updated_at
    # As a ledger import moves a household: a plain UPDATE of the household table, no service in between.
    Household.objects.filter(pk=case.household_id).update(village=after_village)
    case.refresh_from_db()
    assert case.village_code == after_village.code and case.updated_at > stamped
    mover = UserFactory(role=Role.TOWN, area=county["towns"][1])
    assert case.pk in case_search_for_user(user=mover).values_list("id", flat=True)
    stayer = UserFactory(role=Role.TOWN, area=before)
    assert case.pk not in case_search_for_user(user=stayer).values_list("id", flat=True)


def test_the_trigger_survives_every_migration():
    """A migration that rebuilds the household table (SQLite's way to alter a column) drops its triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'registry_household'")
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'registry_household'::regclass AND NOT tgisinternal"
            )
        assert [row[0] for row in cursor.fetchall()] == ["monitoring_case_household_moved"]


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " | ".join(str(row[-1]) for row in cursor.fetchall())
        # A test table is tiny: ask whether the index can serve the order, not whether it is cheapest here.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_sort = off")
        try:
            cursor.execute(f"EXPLAIN {sql}", params)
            return " | ".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_sort")


@pytest.mark.parametrize("town", [False, True])
@pytest.mark.parametrize("filters", [{}, {"stage": "discovered"}, {"risk": "01"}, {"text": "3701"}])
def test_a_page_is_read_in_the_order_of_the_list_index(county, filters, town):
    from jingzhun.core import paging

    user = UserFactory(role=Role.TOWN, area=county["towns"][1]) if town else county["user"]
    cases = case_search_for_user(user=user, **filters)
    first = paging.keyset_page_rows(cases, order=LIST_ORDER, size=2)
    for after in ("", first.next_after):
        keyed = cases if not after else paging.filter_first(cases, _row(after))
        plan = _plan(keyed.order_by(*LIST_ORDER)[:3])
        assert "monitoring_case_open_listed" in plan, plan
        if connection.vendor == "sqlite":
            assert "TEMP B-TREE" not in plan, plan
            if after:  # the key is sought in the index, not every case of the area before it read and skipped
                assert "(village_code,household_no)>" in plan, plan
        else:
            assert "Sort" not in plan, plan
            # The area is the index's range on PostgreSQL too (LIKE alone is not, under most collations).
            assert f"(village_code)::text >= '{user.area.prefix}'" in plan, plan


def _row(key: str):
    from django.db.models import F

    from jingzhun.core.sql import RowCompare

    return RowCompare([F(name) for name in LIST_ORDER], ">", json.loads(key))
