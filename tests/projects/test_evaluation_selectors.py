"""The latest evaluation per project, the problems per town from those, and the towns flagged 挂牌督办 at the
bank's threshold."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Level
from jingzhun.projects.datafiles import indicator_bank
from jingzhun.projects.evaluation_selectors import (
    latest_only,
    project_evaluation_latest,
    town_problem_counts,
    towns_flagged,
)
from jingzhun.projects.models import Evaluation
from tests.factories import AreaFactory, ProjectFactory

from .archive_files import evaluate

CODES = [i.code for i in indicator_bank().indicators]


def problems(n: int) -> dict[str, str]:
    return {code: f"问题 {code}" for code in CODES[:n]}


@pytest.fixture
def inspector(users_by_role):
    return users_by_role[Role.INSPECTOR].owner


@pytest.fixture
def bank3():
    return dataclasses.replace(indicator_bank(), town_supervision_threshold=3)


def test_the_latest_evaluation_of_each_project_is_picked(project, inspector):
    evaluate(project, inspector, problems=problems(5), on=dt.date(2026, 3, 1))
    later = evaluate(project, inspector, problems=problems(1), on=dt.date(2026, 5, 1))
    evaluate(project, inspector, problems=problems(2), on=dt.date(2026, 4, 1))  # recorded last, dated earlier
    assert list(latest_only(Evaluation.objects.all())) == [later]
    latest = project_evaluation_latest(project=project)
    assert latest is not None
    assert (latest["evaluation"], len(latest["problems"]), latest["count"]) == (later, 1, 3)


def test_a_town_counts_its_projects_latest_problems_only(users_by_role, inspector, bank3):
    town = users_by_role.town_a
    p1 = ProjectFactory(area=users_by_role.village_a)
    p2 = ProjectFactory(area=town, level="town")
    evaluate(p1, inspector, problems=problems(9), on=dt.date(2026, 3, 1))  # superseded
    evaluate(p1, inspector, problems=problems(1), on=dt.date(2026, 5, 1))
    evaluate(p2, inspector, problems=problems(1), on=dt.date(2026, 5, 1))
    evaluate(ProjectFactory(area=users_by_role.county_a, level="county"), inspector, problems=problems(7))
    [row] = town_problem_counts(user=inspector, bank=bank3)
    assert (row.code, row.problems, row.projects, row.flagged) == (town.code, 2, 2, False)


def test_a_town_is_flagged_when_it_reaches_the_threshold(users_by_role, inspector, bank3):
    quiet = AreaFactory(level=Level.TOWN, parent=users_by_role.county_a)
    evaluate(ProjectFactory(area=users_by_role.village_a), inspector, problems=problems(3))
    evaluate(ProjectFactory(area=AreaFactory(level=Level.VILLAGE, parent=quiet)), inspector, problems=problems(2))
    assert [t.code for t in towns_flagged(user=inspector, bank=bank3)] == [users_by_role.town_a.code]


def test_another_countys_evaluations_are_not_counted(users_by_role, inspector):
    evaluate(ProjectFactory(area=users_by_role.village_b), users_by_role[Role.INSPECTOR].outsider, problems=problems(4))
    assert town_problem_counts(user=inspector) == []
