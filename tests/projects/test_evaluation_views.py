"""The evaluation pages: the on-site form (60 indicators, preset to full marks), the project's evaluations with
the finding button, the index with the flagged towns."""

from __future__ import annotations

import dataclasses

import pytest
from django.urls import reverse

from jingzhun.accounts.models import Role
from jingzhun.projects import evaluation_views
from jingzhun.projects.datafiles import indicator_bank
from jingzhun.projects.models import Evaluation

from .archive_files import evaluate


@pytest.fixture
def inspector_client(client, users_by_role):
    client.force_login(users_by_role[Role.INSPECTOR].owner)
    return client


def form_data(**changes: str) -> dict[str, str]:
    data = {"evaluated_on": "2026-05-12", "note": ""}
    for i in indicator_bank().indicators:
        data[f"score_{i.code}"] = str(i.weight)
        data[f"problem_{i.code}"] = ""
    data.update(changes)
    return data


def test_the_form_offers_every_indicator_at_full_marks(inspector_client, project):
    page = inspector_client.get(reverse("projects:evaluation_new", args=[project.code])).content.decode()
    assert page.count('type="number"') == 60
    assert 'name="score_ZJ01" value="3.00"' in page


def test_a_posted_evaluation_is_recorded(inspector_client, project):
    url = reverse("projects:evaluation_new", args=[project.code])
    response = inspector_client.post(url, form_data(score_ZJ01="1", problem_ZJ01="资金滞留 8 个月"))
    evaluation = Evaluation.objects.get()
    assert response["Location"] == reverse("projects:evaluation_detail", args=[evaluation.pk])
    assert (evaluation.score, evaluation.problems) == (98, 1)


def test_a_lowered_score_without_a_problem_is_marked_on_its_indicator(inspector_client, project):
    response = inspector_client.post(reverse("projects:evaluation_new", args=[project.code]), form_data(score_JC01="1"))
    assert response.status_code == 400
    assert 'eva-indicator--error" data-indicator="JC01"' in response.content.decode()
    assert not Evaluation.objects.exists()


def test_a_village_user_may_not_open_the_form(client, users_by_role, project):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert client.get(reverse("projects:evaluation_new", args=[project.code])).status_code == 403


def test_the_project_page_offers_to_turn_a_problem_into_a_finding(inspector_client, users_by_role, project):
    evaluate(project, users_by_role[Role.INSPECTOR].owner, problems={"SY04": "平均分配，一分了之"})
    page = inspector_client.get(reverse("projects:project_evaluations", args=[project.code])).content.decode()
    assert "平均分配，一分了之" in page
    assert 'data-testid="finding-from-problem-SY04"' in page


def test_a_village_user_sees_the_problems_without_the_button(client, users_by_role, project):
    evaluate(project, users_by_role[Role.INSPECTOR].owner, problems={"SY04": "平均分配，一分了之"})
    client.force_login(users_by_role[Role.VILLAGE].owner)
    page = client.get(reverse("projects:project_evaluations", args=[project.code])).content.decode()
    assert "平均分配，一分了之" in page
    assert "finding-from-problem" not in page


def test_the_index_marks_the_flagged_towns(inspector_client, users_by_role, project, monkeypatch):
    bank = dataclasses.replace(indicator_bank(), town_supervision_threshold=1)
    monkeypatch.setattr(evaluation_views, "indicator_bank", lambda: bank)
    evaluate(project, users_by_role[Role.INSPECTOR].owner, problems={"SY04": "平均分配"})
    page = inspector_client.get(reverse("projects:evaluation_index")).content.decode()
    assert 'data-testid="flagged-count">1<' in page
    assert 'data-testid="flagged">挂牌督办' in page
