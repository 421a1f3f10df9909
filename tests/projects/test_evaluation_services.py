"""Recording an evaluation: every indicator scored within its weight, a problem written below the weight, the
bank kept; who may evaluate which project."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.projects.datafiles import indicator_bank
from jingzhun.projects.evaluation_services import EvaluationRefused, evaluation_record
from jingzhun.projects.models import Evaluation, EvaluationItem
from tests.factories import ProjectFactory

from .archive_files import ON, TODAY, evaluate, full_scores


@pytest.fixture
def inspector(users_by_role):
    return users_by_role[Role.INSPECTOR].owner


def record(project, user, scores):
    return evaluation_record(project=project, on=ON, scores=scores, note="", user=user, today=TODAY)


def test_a_full_evaluation_is_stored_with_its_items_and_bank(project, inspector):
    evaluation = evaluate(project, inspector, problems={"ZJ01": "挪用 2 万元用于村委办公", "GK05": "未设标识牌"})
    assert (evaluation.score, evaluation.max_score, evaluation.problems) == (Decimal(98), Decimal(100), 2)
    assert evaluation.bank == indicator_bank().label
    assert EvaluationItem.objects.filter(evaluation=evaluation).count() == 60
    item = EvaluationItem.objects.get(evaluation=evaluation, indicator="ZJ01")
    assert (item.score, item.weight, item.problem) == (Decimal(2), Decimal(3), "挪用 2 万元用于村委办公")


def test_a_score_below_the_weight_needs_a_problem(project, inspector):
    scores = full_scores()
    scores["JC01"] = (Decimal("1.5"), "  ")
    with pytest.raises(EvaluationRefused, match=r"JC01.*须写明发现的问题"):
        record(project, inspector, scores)
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("score", ["-1", "2.01", "abc", "1.005", None])
def test_a_score_outside_0_to_the_weight_is_refused(project, inspector, score):
    scores = full_scores()
    scores["JC01"] = (score, "问题")  # JC01 weighs 2
    with pytest.raises(EvaluationRefused, match="JC01"):
        record(project, inspector, scores)


def test_every_indicator_must_be_scored(project, inspector):
    scores = full_scores()
    del scores["FX06"]
    with pytest.raises(EvaluationRefused, match=r"FX06.*未评分"):
        record(project, inspector, scores)


def test_a_problem_with_the_full_score_is_refused(project, inspector):
    scores = full_scores()
    scores["JC02"] = (scores["JC02"][0], "会议记录缺签字")
    with pytest.raises(EvaluationRefused, match=r"JC02.*满分"):
        record(project, inspector, scores)


def test_a_date_in_the_future_is_refused(project, inspector):
    with pytest.raises(EvaluationRefused, match="评估日期"):
        evaluation_record(
            project=project, on=TODAY.replace(year=2027), scores=full_scores(), user=inspector, today=TODAY
        )


def test_a_town_may_not_evaluate(project, users_by_role):
    with pytest.raises(PermissionDenied):
        record(project, users_by_role[Role.TOWN].owner, full_scores())


def test_an_inspector_of_another_county_may_not_evaluate(project, users_by_role):
    with pytest.raises(PermissionDenied, match="不在您的管辖区域内"):
        record(project, users_by_role[Role.INSPECTOR].outsider, full_scores())


def test_a_project_of_another_county_is_refused_even_for_the_county_office(users_by_role):
    other = ProjectFactory(area=users_by_role.village_b)
    with pytest.raises(PermissionDenied):
        record(other, users_by_role[Role.COUNTY].owner, full_scores())
