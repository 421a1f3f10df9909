"""The assistance selectors: coverage counts on a small constructed county, the not-visited boundary, the
helper's own households, and what the household record shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Level
from jingzhun.assistance import selectors
from jingzhun.monitoring.models import MonitoringCase
from jingzhun.registry.vocab import PovertyStatus
from tests.factories import AreaFactory, HouseholdFactory, MemberFactory, UserFactory, sample_area

from .factories import FollowUpFactory, HelperFactory, PairingFactory, VisitFactory

pytestmark = pytest.mark.django_db

FROM, TO = dt.date(2025, 1, 1), dt.date(2025, 6, 30)


@pytest.fixture
def small_county():
    """Town T1 with villages V1 (4 households) and V2 (2); town T2 with V3 (1 household, outside the period).

    Visits in the period: V1 households 0 (twice) and 1; V2 household 0. One visit before and one after the
    period (V1 household 2, V3 household 0) do not count. Helper A is paired with V1 households 0–2 (household 2
    only until 2024-12-31, before the period), helper B with the V2 households and V1 household 3.
    """
    county = sample_area(Level.COUNTY)
    t1 = AreaFactory(level=Level.TOWN, parent=county, name="一镇")
    t2 = AreaFactory(level=Level.TOWN, parent=county, name="二镇")
    v1 = AreaFactory(parent=t1, name="一村")
    v2 = AreaFactory(parent=t1, name="二村")
    v3 = AreaFactory(parent=t2, name="三村")
    h1 = [HouseholdFactory(village=v1) for _ in range(4)]
    h2 = [HouseholdFactory(village=v2) for _ in range(2)]
    h3 = [HouseholdFactory(village=v3)]
    a, b = HelperFactory(name="甲", area=v1), HelperFactory(name="乙", area=v2)
    PairingFactory(helper=a, household=h1[0], started_on=dt.date(2024, 1, 1))
    PairingFactory(helper=a, household=h1[1], started_on=dt.date(2025, 3, 1))
    PairingFactory(helper=a, household=h1[2], started_on=dt.date(2024, 1, 1), ended_on=dt.date(2024, 12, 31))
    PairingFactory(helper=b, household=h1[3], started_on=dt.date(2024, 1, 1))
    for home in h2:
        PairingFactory(helper=b, household=home, started_on=dt.date(2024, 1, 1))
    VisitFactory(household=h1[0], helper=a, visited_on=dt.date(2025, 1, 1))
    VisitFactory(household=h1[0], helper=a, visited_on=dt.date(2025, 6, 30))
    VisitFactory(household=h1[1], helper=b, visited_on=dt.date(2025, 4, 1))  # visited, but not by its helper
    VisitFactory(household=h2[0], helper=b, visited_on=dt.date(2025, 2, 1))
    VisitFactory(household=h1[2], helper=a, visited_on=dt.date(2024, 12, 31))
    VisitFactory(household=h3[0], helper=a, visited_on=dt.date(2025, 7, 1))
    user = UserFactory(role=Role.COUNTY, area=county)
    return {"user": user, "t1": t1, "t2": t2, "v1": v1, "v2": v2, "v3": v3, "h1": h1, "h2": h2, "a": a, "b": b}


def _table(rows):
    return {row.name: (row.households, row.visited) for row in rows}


def test_coverage_by_village_counts_households_visited_in_the_period(small_county):
    rows = selectors.visit_coverage(user=small_county["user"], date_from=FROM, date_to=TO, by="village")
    assert _table(rows) == {"一村": (4, 2), "二村": (2, 1), "三村": (1, 0)}


def test_coverage_by_town_adds_up_its_villages(small_county):
    rows = selectors.visit_coverage(user=small_county["user"], date_from=FROM, date_to=TO, by="town")
    assert _table(rows) == {"一镇": (6, 3), "二镇": (1, 0)}
    assert selectors.coverage_total(rows).households == 7
    assert selectors.coverage_total(rows).share == pytest.approx(3 / 7)


def test_coverage_by_helper_counts_pairings_in_the_period_and_their_own_visits(small_county):
    rows = selectors.visit_coverage(user=small_county["user"], date_from=FROM, date_to=TO, by="helper")
    table = {row.name.split("（")[0]: (row.households, row.visited) for row in rows}
    assert table == {"甲": (2, 1), "乙": (3, 1)}


def test_coverage_is_two_queries(small_county):
    """One grouped count of the households, one read of their villages' names and towns: set-based."""
    with CaptureQueriesContext(connection) as queries:
        selectors.visit_coverage(user=small_county["user"], date_from=FROM, date_to=TO, by="village")
    assert len(queries) == 2


def _case(household, *, closed_on=None):
    return MonitoringCase.objects.create(
        household=household,
        channel="cadre_screening",
        opened_on=dt.date(2025, 1, 10),
        decision_due=dt.date(2025, 2, 10),
        closed_on=closed_on,
        **({"stage": "eliminated"} if closed_on else {}),
    )


def test_coverage_leaves_out_a_non_poor_household_without_an_open_case(small_county):
    HouseholdFactory(village=small_county["v2"], poverty_status=PovertyStatus.NON_POOR)
    rows = selectors.visit_coverage(user=small_county["user"], date_from=FROM, date_to=TO, by="village")
    assert _table(rows)["二村"] == (2, 1)


def test_coverage_counts_a_non_poor_household_with_an_open_case(small_county):
    home = HouseholdFactory(village=small_county["v2"], poverty_status=PovertyStatus.NON_POOR)
    _case(home)
    VisitFactory(household=home, visited_on=dt.date(2025, 3, 1))
    rows = selectors.visit_coverage(user=small_county["user"], date_from=FROM, date_to=TO, by="village")
    assert _table(rows)["二村"] == (3, 2)


def test_coverage_counts_every_registered_status_but_non_poor(small_county):
    for status in PovertyStatus.values:
        HouseholdFactory(village=small_county["v3"], poverty_status=status)
    rows = selectors.visit_coverage(user=small_county["user"], date_from=FROM, date_to=TO, by="village")
    assert _table(rows)["三村"] == (1 + len(PovertyStatus.values) - 1, 0)


def test_coverage_by_helper_leaves_out_a_paired_non_poor_household_without_a_case(small_county):
    home = HouseholdFactory(village=small_county["v2"], poverty_status=PovertyStatus.NON_POOR)
    PairingFactory(helper=small_county["b"], household=home, started_on=dt.date(2024, 1, 1))
    rows = selectors.visit_coverage(user=small_county["user"], date_from=FROM, date_to=TO, by="helper")
    table = {row.name.split("（")[0]: (row.households, row.visited) for row in rows}
    assert table["乙"] == (3, 1)


def test_coverage_with_an_open_case_is_still_two_queries(small_county):
    _case(small_county["h2"][1])
    with CaptureQueriesContext(connection) as queries:
        selectors.visit_coverage(user=small_county["user"], date_from=FROM, date_to=TO, by="town")
    assert len(queries) == 2


# --- the coverage page: tables kept per data version, helpers a page at a time ----------------------------------


def test_the_kept_tables_are_the_counted_ones(small_county):
    kept = selectors.coverage_by_area_cached(user=small_county["user"], date_from=FROM, date_to=TO)
    for by in ("village", "town"):
        assert kept[by] == selectors.visit_coverage(user=small_county["user"], date_from=FROM, date_to=TO, by=by)


def test_the_kept_tables_show_a_new_visit_a_new_case_and_a_status_change_at_once(small_county):
    from jingzhun.core.scope import SYSTEM
    from jingzhun.registry.services import household_update

    def village_table():
        return _table(
            selectors.coverage_by_area_cached(user=small_county["user"], date_from=FROM, date_to=TO)["village"]
        )

    assert village_table()["二村"] == (2, 1)
    VisitFactory(household=small_county["h2"][1], visited_on=dt.date(2025, 5, 1))
    assert village_table()["二村"] == (2, 2)
    plain = HouseholdFactory(village=small_county["v3"], poverty_status=PovertyStatus.NON_POOR)
    assert village_table()["三村"] == (1, 0)
    _case(plain)
    assert village_table()["三村"] == (2, 0)
    household_update(
        household=small_county["h2"][0], changes={"poverty_status": "non_poor"}, user=SYSTEM, reason="清退"
    )
    assert village_table()["二村"] == (1, 1)


@pytest.mark.parametrize("size", [1, 2, 5])
def test_helpers_page_by_name_with_the_counts_of_the_whole_table(small_county, size):
    for _ in range(3):  # more helpers of the same name: the id orders them
        helper = HelperFactory(name="乙", area=small_county["v2"])
        home = HouseholdFactory(village=small_county["v2"])
        PairingFactory(helper=helper, household=home, started_on=dt.date(2024, 1, 1))
    whole = selectors.visit_coverage(user=small_county["user"], date_from=FROM, date_to=TO, by="helper")
    shown, after = [], ""
    while True:
        page = selectors.helper_coverage_page(
            user=small_county["user"], date_from=FROM, date_to=TO, after=after, size=size
        )
        assert len(page.rows) <= size
        shown.extend(page.rows)
        if page.next_after is None:
            break
        after = page.next_after
    assert shown == whole and len(whole) == 5


def test_a_town_sees_its_own_helpers_pairings_only(small_county):
    town = UserFactory(role=Role.TOWN, area=small_county["t2"])
    from jingzhun.assistance.services import pairing_set
    from jingzhun.core.scope import SYSTEM

    assert selectors.helper_coverage_page(user=town, date_from=FROM, date_to=TO).rows == []
    household = HouseholdFactory(village=small_county["v3"])
    pairing_set(by=SYSTEM, helper=small_county["a"], household=household, started_on=dt.date(2024, 1, 1))
    rows = selectors.helper_coverage_page(user=town, date_from=FROM, date_to=TO).rows  # a new pairing: not kept
    assert [(row.name.split("（")[0], row.households) for row in rows] == [("甲", 1)]


def test_not_visited_leaves_out_a_non_poor_household_without_an_open_case():
    village = AreaFactory()
    user = UserFactory(role=Role.VILLAGE, area=village)
    plain = HouseholdFactory(village=village, poverty_status=PovertyStatus.NON_POOR)
    watched = HouseholdFactory(village=village, poverty_status=PovertyStatus.NON_POOR)
    _case(watched)
    found = set(selectors.households_not_visited(user=user, today=dt.date(2025, 6, 30)))
    assert watched in found
    assert plain not in found


def test_coverage_stays_inside_the_scope(small_county):
    village_user = UserFactory(role=Role.VILLAGE, area=small_county["v2"])
    rows = selectors.visit_coverage(user=village_user, date_from=FROM, date_to=TO, by="village")
    assert _table(rows) == {"二村": (2, 1)}
    helpers = selectors.visit_coverage(user=village_user, date_from=FROM, date_to=TO, by="helper")
    assert [(r.households, r.visited) for r in helpers] == [(2, 1)]


def test_coverage_of_a_user_without_scope_is_empty(small_county):
    nobody = UserFactory(role=Role.COUNTY, area=None)
    assert selectors.visit_coverage(user=nobody, date_from=FROM, date_to=TO, by="helper") == []
    assert selectors.visit_coverage(user=nobody, date_from=FROM, date_to=TO, by="town") == []


# --- not visited in N days -------------------------------------------------------------------------------------


@pytest.fixture
def boundary():
    village = AreaFactory()
    user = UserFactory(role=Role.VILLAGE, area=village)
    today = dt.date(2025, 6, 30)
    exactly = HouseholdFactory(village=village)  # last visit exactly 30 days ago: due again
    inside = HouseholdFactory(village=village)  # 29 days ago: not due
    never = HouseholdFactory(village=village)
    VisitFactory(household=exactly, visited_on=today - dt.timedelta(days=30))
    VisitFactory(household=inside, visited_on=today - dt.timedelta(days=29))
    return {"user": user, "today": today, "exactly": exactly, "inside": inside, "never": never}


def test_not_visited_lists_a_visit_exactly_n_days_ago_and_never_visited(boundary):
    found = selectors.households_not_visited(user=boundary["user"], days=30, today=boundary["today"])
    assert list(found) == [boundary["never"], boundary["exactly"]]  # never visited first


def test_not_visited_leaves_out_a_visit_n_minus_one_days_ago(boundary):
    found = selectors.households_not_visited(user=boundary["user"], days=30, today=boundary["today"])
    assert boundary["inside"] not in found


def test_not_visited_carries_the_last_visit(boundary):
    found = {
        h.pk: h.last_visited for h in selectors.households_not_visited(user=boundary["user"], today=boundary["today"])
    }
    assert found[boundary["exactly"].pk] == dt.date(2025, 5, 31)
    assert found[boundary["never"].pk] is None


def test_not_visited_never_shows_another_area():
    village = AreaFactory()
    HouseholdFactory(village=AreaFactory())
    user = UserFactory(role=Role.VILLAGE, area=village)
    assert list(selectors.households_not_visited(user=user)) == []


# --- the helper's own households, who may record visits ----------------------------------------------------------


@pytest.fixture
def helper_user():
    village = AreaFactory()
    user = UserFactory(role=Role.HELPER, area=village)
    helper = HelperFactory(area=village, user=user)
    return user, helper, village


def test_households_of_helper_show_current_pairings_only(helper_user):
    user, helper, village = helper_user
    current = PairingFactory(helper=helper, household=HouseholdFactory(village=village)).household
    PairingFactory(helper=helper, household=HouseholdFactory(village=village), ended_on=dt.date(2024, 6, 1))
    assert list(selectors.households_of_helper(helper=helper, user=user)) == [current]


def test_households_of_helper_carry_follow_ups_and_the_open_case_deadline(helper_user):
    user, helper, village = helper_user
    home = PairingFactory(helper=helper, household=HouseholdFactory(village=village)).household
    MemberFactory(household=home, name="郝户主")
    visit = VisitFactory(household=home, helper=helper, visited_on=dt.date(2025, 5, 1))
    FollowUpFactory(visit=visit, due_on=dt.date(2025, 5, 20))
    FollowUpFactory(visit=visit, due_on=dt.date(2025, 5, 10))
    FollowUpFactory(visit=visit, done=True)
    MonitoringCase.objects.create(
        household=home,
        channel="cadre_screening",
        opened_on=dt.date(2025, 5, 1),
        decision_due=dt.date(2025, 6, 1),
        help_tier="A",
        help_due=dt.date(2025, 5, 4),
    )
    [row] = selectors.households_of_helper(helper=helper, user=user)
    assert (row.head_name, row.last_visited) == ("郝户主", dt.date(2025, 5, 1))
    assert (row.open_follow_ups, row.follow_up_next) == (2, dt.date(2025, 5, 10))
    assert (row.help_due, row.help_started_on) == (dt.date(2025, 5, 4), None)


def test_a_helper_may_record_visits_only_for_their_current_households(helper_user):
    user, helper, village = helper_user
    mine = PairingFactory(helper=helper, household=HouseholdFactory(village=village)).household
    HouseholdFactory(village=village)  # in scope, paired with nobody
    PairingFactory(household=HouseholdFactory(village=village))  # another helper's
    assert list(selectors.households_visitable_for_user(user=user)) == [mine]


def test_a_village_cadre_may_record_visits_for_every_household_of_the_village():
    village = AreaFactory()
    homes = {HouseholdFactory(village=village) for _ in range(2)}
    HouseholdFactory()
    user = UserFactory(role=Role.VILLAGE, area=village)
    assert set(selectors.households_visitable_for_user(user=user)) == homes


def test_an_inspector_may_record_no_visit():
    village = AreaFactory()
    HouseholdFactory(village=village)
    user = UserFactory(role=Role.INSPECTOR, area=village)
    assert not selectors.households_visitable_for_user(user=user).exists()


def test_helpers_for_user_include_outside_helpers_paired_here():
    village = AreaFactory()
    user = UserFactory(role=Role.VILLAGE, area=village)
    local = HelperFactory(area=village)
    county_unit = HelperFactory(area=sample_area(Level.COUNTY))
    PairingFactory(helper=county_unit, household=HouseholdFactory(village=village))
    HelperFactory()  # elsewhere, paired with nobody here
    assert set(selectors.helpers_for_user(user=user)) == {local, county_unit}


def test_assistance_for_household_gives_helper_history_measures_and_visits():
    home = HouseholdFactory()
    old = PairingFactory(household=home, started_on=dt.date(2023, 1, 1), ended_on=dt.date(2024, 1, 1))
    now = PairingFactory(household=home, started_on=dt.date(2024, 1, 1))
    VisitFactory(household=home, helper=now.helper)
    found = selectors.assistance_for_household(household=home)
    assert found["current_helper"] == now.helper
    assert found["pairings"] == [now, old]
    assert len(found["visits"]) == 1
    assert found["measures"] == []


def test_coverage_leaves_out_a_non_poor_household_whose_case_is_closed(small_county):
    home = HouseholdFactory(village=small_county["v2"], poverty_status=PovertyStatus.NON_POOR)
    _case(home, closed_on=dt.date(2025, 3, 1))
    rows = selectors.visit_coverage(user=small_county["user"], date_from=FROM, date_to=TO, by="village")
    assert _table(rows)["二村"] == (2, 1)
