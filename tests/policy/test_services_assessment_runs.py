"""Assessment runs as wholes: counts, county and town totals, scope, repeat runs, the recorded parameters and
atomicity (each test on a database of its own)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jingzhun.areas.models import Level
from jingzhun.policy import services
from jingzhun.policy.models import AreaResult, AssessmentRun, HouseholdResult
from jingzhun.policy.packs import PackError
from jingzhun.policy.services import assessment_run
from tests.factories import AreaFactory

from .builders import COUNTY, household, member, passing, people

pytestmark = pytest.mark.django_db


def test_the_run_counts_assessed_and_excluded_households():
    passing()
    passing()
    member(household())  # no income
    run = assessment_run(year=2020)
    assert (run.households, run.excluded) == (2, 1)


def area_row(run: AssessmentRun, code: str) -> AreaResult:
    return AreaResult.objects.get(run=run, area_code=code)


def test_town_and_county_rows_sum_their_villages():
    town = AreaFactory(level=Level.TOWN)
    first, second = AreaFactory(parent=town, population=100), AreaFactory(parent=town, population=300)
    people(first, "not_exited", active=2)
    people(second, "relapsed", active=4)
    people(AreaFactory(population=600), "exited", active=3)  # another town

    run = assessment_run(year=2020)

    assert (area_row(run, town.code).level, area_row(run, town.code).population) == ("town", 400)
    assert (area_row(run, town.code).poor_population, area_row(run, town.code).incidence_bp) == (6, 150)
    county = area_row(run, COUNTY)
    assert (county.level, county.population, county.poor_population, county.incidence_bp, county.exit_eligible) == (
        "county",
        1000,
        6,
        60,
        True,
    )


def test_county_population_is_unknown_when_a_village_population_is():
    AreaFactory(population=100)
    AreaFactory(population=None)
    county = area_row(assessment_run(year=2020), COUNTY)
    assert (county.population, county.incidence_bp, county.exit_eligible) == (None, None, False)


# --- scope, repeat runs, atomicity -------------------------------------------------------------------------------


def test_a_run_scoped_to_a_village_assesses_only_that_village():
    inside, _outside = passing(), passing()

    run = assessment_run(year=2020, area_prefix=inside.village.code)

    assert run.area_prefix == inside.village.code
    assert list(HouseholdResult.objects.filter(run=run).values_list("household", flat=True)) == [inside.pk]
    assert list(AreaResult.objects.filter(run=run).values_list("area_code", "level")) == [
        (inside.village.code, "village")
    ]


def test_a_run_scoped_to_a_town_reports_the_town_but_not_the_county():
    town = AreaFactory(level=Level.TOWN)
    first, second = AreaFactory(parent=town), AreaFactory(parent=town)
    passing(village=first)
    passing(village=second)
    passing()  # another town

    run = assessment_run(year=2020, area_prefix=town.prefix)

    assert HouseholdResult.objects.filter(run=run).count() == 2
    assert set(AreaResult.objects.filter(run=run).values_list("area_code", "level")) == {
        (first.code, "village"),
        (second.code, "village"),
        (town.code, "town"),
    }


def test_a_second_run_leaves_the_first_untouched():
    home = passing(net="5000")
    first = assessment_run(year=2020)
    before = list(HouseholdResult.objects.filter(run=first).values())
    home.incomes.filter(year=2020).update(wage=Decimal("30000"))

    second = assessment_run(year=2020)

    assert list(HouseholdResult.objects.filter(run=first).values()) == before
    assert (HouseholdResult.objects.get(run=first).low_income, HouseholdResult.objects.get(run=second).low_income) == (
        True,
        False,
    )


def test_the_run_records_the_pack_and_the_parameters_used():
    run = assessment_run(year=2020, pack="shandong-2020")
    assert (run.pack, run.pack_version, run.year) == ("shandong-2020", "2020.1", 2020)
    assert (run.parameters["poverty_line"], run.parameters["pre_assessment_threshold"]) == ("4000", "4500")
    assert run.parameters["sources"]["income_drop_share"]["ours"] is True
    assert run.finished_at is not None


def test_a_county_pack_changes_the_outcome_without_a_code_change(settings):
    packs = settings.DATA_DIR / "packs"
    packs.mkdir()
    (packs / "jiyang.toml").write_text(
        '[pack]\nname = "jiyang-2020"\nversion = "1"\nyears = [2020]\nextends = "national"\n'
        '[parameters.water_min_lpd]\nvalue = 40\nsource = "济阳区水务局"\nours = true\n',
        encoding="utf-8",
    )
    home = passing(water_lpd=Decimal("38"))

    run = assessment_run(year=2020, pack="jiyang-2020")

    result = HouseholdResult.objects.get(run=run, household=home)
    assert (result.water_ok, run.parameters["water_min_lpd"]) == (False, "40")
    assert "每人每日水量 38 升，低于 40 升" in result.reasons


def test_an_uncovered_year_writes_nothing():
    passing()
    with pytest.raises(PackError, match="不适用于 2021 年"):
        assessment_run(year=2021)
    assert not AssessmentRun.objects.exists()


def test_a_failure_during_the_run_leaves_no_trace(monkeypatch):
    passing()
    real = services.plan_execute

    def execute_then_fail(plan, **options):
        real(plan, **options)
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "plan_execute", execute_then_fail)
    with pytest.raises(RuntimeError):
        assessment_run(year=2020)

    assert (AssessmentRun.objects.count(), HouseholdResult.objects.count(), AreaResult.objects.count()) == (0, 0, 0)
