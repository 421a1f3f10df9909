"""The run page's figures come from the run's village tallies, counted once when the run is stored: for any area
they equal what counting the run's results said (the page before the tallies)."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Area, Level
from jingzhun.policy.models import HouseholdResult, VillageTally
from jingzhun.policy.selectors import _outcome_counts, household_results_for_scope, run_summary
from jingzhun.policy.services import assessment_run
from jingzhun.registry.vocab import PovertyStatus
from tests.factories import AreaFactory, UserFactory
from tests.policy import builders

pytestmark = pytest.mark.django_db

STATUSES = [
    PovertyStatus.NOT_EXITED,
    PovertyStatus.EXITED,
    PovertyStatus.EXITED,
    PovertyStatus.NON_POOR,
    PovertyStatus.RELAPSED,
    PovertyStatus.PRE_EXIT,
    PovertyStatus.EXITED_NO_POLICY,
]
# Net incomes per person from far below any line to well above the lines that tier exited households.
WAGES = ["800", "2500", "4200", "6000", "9000", "15000", "30000"]


def _county() -> list[str]:
    """Two towns of two and one villages, households of every status with incomes from poor to well off, a
    household without an income row and one without active members (both excluded). Returns the area prefixes."""
    town_a = AreaFactory(level=Level.TOWN)
    town_b = AreaFactory(level=Level.TOWN)
    villages = [
        AreaFactory(level=Level.VILLAGE, parent=town_a),
        AreaFactory(level=Level.VILLAGE, parent=town_a),
        AreaFactory(level=Level.VILLAGE, parent=town_b),
    ]
    n = 0
    for village in villages:
        for status in STATUSES:
            for wage in WAGES[n % 3 :: 2]:
                n += 1
                home = builders.household(status, village=village, water_piped=n % 5 != 0)
                builders.member(home)
                if n % 4 == 0:
                    builders.member(home, birth_date=dt.date(2015, 6, 1), labor="")
                builders.income(home, wage)
        builders.household(PovertyStatus.EXITED, village=village)  # no members: excluded
        builders.member(builders.household(PovertyStatus.NOT_EXITED, village=village))  # no income row: excluded
    return ["", town_a.prefix, town_b.prefix, villages[0].prefix, villages[2].prefix, "9999"]


def test_the_figures_equal_a_count_of_the_results_for_every_area():
    prefixes = _county()
    run = assessment_run(year=2020)
    assert VillageTally.objects.filter(run=run).exists()
    whole = run_summary(run=run)
    # The county is varied enough for the comparison to mean something.
    assert whole["households"] == run.households and run.excluded == 6
    assert whole["meets_standard"] and whole["households"] - whole["meets_standard"]
    assert whole["monitoring_flag"] and whole["untiered"]
    assert sum(whole[tier] > 0 for tier in ("fragile", "general", "stable", "high_quality")) >= 2
    for prefix in prefixes:
        counted = _outcome_counts(household_results_for_scope(run=run, area_prefix=prefix).filter(exclusion=""))
        assert run_summary(run=run, area_prefix=prefix) == counted, prefix


def test_a_run_stored_without_tallies_is_counted_from_its_results():
    _county()
    run = assessment_run(year=2020)
    expected = run_summary(run=run)
    VillageTally.objects.filter(run=run).delete()
    assert run_summary(run=run) == expected


def test_tallies_count_every_result_with_its_people():
    _county()
    run = assessment_run(year=2020)
    tallies = VillageTally.objects.filter(run=run)
    results = HouseholdResult.objects.filter(run=run)
    assert sum(t.households for t in tallies) == results.count() == run.households + run.excluded
    assert sum(t.people for t in tallies) == sum(r.size for r in results)
    assert {(t.village_code, t.poverty_status) for t in tallies} == set(
        results.values_list("village_code", "poverty_status")
    )


@pytest.mark.parametrize("role", [Role.COUNTY, Role.TOWN])
def test_the_run_page_shows_the_figures_of_the_users_area(client, role):
    prefixes = _county()
    run = assessment_run(year=2020)
    town = Area.objects.get(code=prefixes[1].ljust(12, "0"))
    user = UserFactory(role=role, area=town if role == Role.TOWN else town.parent)
    client.force_login(user)
    response = client.get(f"/assessments/{run.pk}/")
    assert response.status_code == 200
    counted = _outcome_counts(household_results_for_scope(run=run, area_prefix=user.area.prefix).filter(exclusion=""))
    assert response.context["summary"] == counted
    assert 0 < counted["households"] < run.households or role == Role.COUNTY
