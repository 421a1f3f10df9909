"""Exporting the project library and importing the file again changes nothing (a round trip), whatever the library
holds: every project and beneficiary household is found unchanged, in the workbook and in the CSV pair."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingzhun.core.scope import SYSTEM
from jingzhun.projects.library_export import library_file_export
from jingzhun.projects.models import Beneficiary, Project, ProjectKind, ProjectLevel, ProjectStep, Stage
from jingzhun.projects.projects_import import projects_import
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db
_files = itertools.count()
# Text a county writes (Chinese, digits, formula-like leading characters, apostrophes), as NFKC leaves it.
TEXT = st.text(alphabet="县村光伏合作社产业园=+-@'A1 ", min_size=1, max_size=20).map(str.strip).filter(bool)


def _snapshot() -> tuple[object, ...]:
    projects = sorted(
        Project.objects.values_list(
            "code", "name", "kind", "level", "area_id", "year", "planned_investment", "stage", "operator", "version"
        )
    )
    people = sorted(
        Beneficiary.objects.values_list(
            "project__code",
            "household_id",
            "by_dividend",
            "by_work",
            "by_land",
            "by_other",
            "refused_post",
            "refusal_reason",
        )
    )
    return tuple(projects), tuple(people), ProjectStep.objects.count()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    projects=st.lists(
        st.tuples(
            TEXT,
            st.sampled_from(ProjectKind.values),
            st.sampled_from(ProjectLevel.values),
            st.integers(2013, 2030),
            st.decimals(min_value=0, max_value=Decimal("999999999.99"), places=2),
            st.sampled_from(Stage.values),
            st.one_of(st.just(""), TEXT),
        ),
        min_size=1,
        max_size=4,
    ),
    people=st.lists(
        st.tuples(
            st.integers(0, 3), st.integers(0, 2), st.sets(st.integers(0, 3), min_size=1), st.one_of(st.just(""), TEXT)
        ),
        max_size=6,
    ),
    suffix=st.sampled_from([".xlsx", ".csv"]),
)
def test_any_library_round_trips_unchanged(tmp_path, users_by_role, projects, people, suffix, _households):
    n = next(_files)
    areas = {"county": users_by_role.county_a, "town": users_by_role.town_a, "village": users_by_role.village_a}
    made = []
    for index, (name, kind, level, year, investment, stage, operator) in enumerate(projects):
        if stage == Stage.OPERATING and not operator:
            operator = "村集体"
        made.append(
            Project.objects.create(
                code=f"RT{n}-{index}",
                name=name,
                kind=kind,
                level=level,
                area=areas[level],
                year=year,
                planned_investment=investment,
                stage=stage,
                operator=operator,
            )
        )
    flags = ("by_dividend", "by_work", "by_land", "by_other")
    seen = set()
    for which, home, ways, reason in people:
        project, household = made[which % len(made)], _households[home]
        if (project.pk, household.pk) in seen:
            continue
        seen.add((project.pk, household.pk))
        Beneficiary.objects.create(
            project=project,
            household=household,
            refused_post=bool(reason),
            refusal_reason=reason,
            **{flags[w]: True for w in ways},
        )
    path = tmp_path / f"项目库{n}{suffix}"
    library_file_export(path=path)
    before = _snapshot()
    outcome = projects_import(path=path, user=SYSTEM, today=dt.date(2026, 6, 1))
    assert (outcome.created, outcome.updated, outcome.rejected, outcome.errors) == (0, 0, 0, 0)
    assert _snapshot() == before


@pytest.fixture
def _households(users_by_role):
    return [HouseholdFactory(village=users_by_role.village_a) for _ in range(3)]
