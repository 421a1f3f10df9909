"""A problem a project evaluation found becomes a supervision finding in one click, once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from jingzhun.accounts.models import Role
from jingzhun.projects.models import EvaluationItem
from jingzhun.supervision.models import Category, Finding, Source
from jingzhun.supervision.services import FindingRefused, finding_from_project_problem
from tests.factories import ProjectFactory
from tests.projects.archive_files import evaluate

TODAY = dt.date(2026, 6, 30)


@pytest.fixture
def inspector(users_by_role):
    return users_by_role[Role.INSPECTOR].owner


@pytest.fixture
def problem(users_by_role, inspector) -> EvaluationItem:
    project = ProjectFactory(area=users_by_role.village_a, name="东村光伏电站")
    evaluation = evaluate(project, inspector, problems={"SY04": "收益平均分配，一分了之"})
    return evaluation.items.get(indicator="SY04")


def test_a_problem_becomes_a_funds_finding_of_the_projects_town(problem, inspector, users_by_role):
    finding = finding_from_project_problem(item_id=problem.pk, user=inspector, today=TODAY)
    project = problem.evaluation.project
    assert (finding.source, finding.category) == (Source.MONTHLY, Category.FUNDS_PROJECTS)
    assert (finding.area_code, finding.town_code, finding.found_on) == (
        project.area_id,
        users_by_role.town_a.code,
        TODAY,
    )
    assert finding.description.startswith(f"项目评估：{project.code} 东村光伏电站 收益是否实行差异化分配")
    assert finding.description.endswith("：收益平均分配，一分了之")
    assert finding.project_problem_id == problem.pk


def test_a_second_click_returns_the_first_finding(problem, inspector):
    first = finding_from_project_problem(item_id=problem.pk, user=inspector, today=TODAY)
    again = finding_from_project_problem(item_id=problem.pk, user=inspector, today=TODAY)
    assert again.pk == first.pk
    assert Finding.objects.count() == 1


def test_a_county_project_goes_to_its_responsible_unit(users_by_role, inspector):
    project = ProjectFactory(area=users_by_role.county_a, level="county", responsible_unit="县农业农村局")
    item = evaluate(project, inspector, problems={"JC01": "未入库"}).items.get(indicator="JC01")
    finding = finding_from_project_problem(item_id=item.pk, user=inspector, today=TODAY)
    assert (finding.town_code, finding.department) == ("", "县农业农村局")


def test_an_item_with_full_marks_is_not_a_problem(problem, inspector):
    full = problem.evaluation.items.get(indicator="JC01")
    with pytest.raises(FindingRefused, match="没有发现问题"):
        finding_from_project_problem(item_id=full.pk, user=inspector, today=TODAY)


def test_another_countys_problem_does_not_exist_for_the_user(problem, users_by_role):
    with pytest.raises(EvaluationItem.DoesNotExist):
        finding_from_project_problem(item_id=problem.pk, user=users_by_role[Role.INSPECTOR].outsider, today=TODAY)


def test_the_button_posts_to_supervision_and_the_project_page_shows_the_number(client, problem, inspector):
    client.force_login(inspector)
    response = client.post(reverse("supervision:finding_from_project_problem", args=[problem.pk]))
    finding = Finding.objects.get()
    assert response["Location"] == reverse("supervision:finding_detail", args=[finding.pk])
    page = client.get(reverse("projects:project_evaluations", args=[problem.evaluation.project.code])).content.decode()
    assert finding.number in page
    assert "finding-from-problem-SY04" not in page


def test_a_town_user_may_not_raise_it(client, problem, users_by_role):
    client.force_login(users_by_role[Role.TOWN].owner)
    assert client.post(reverse("supervision:finding_from_project_problem", args=[problem.pk])).status_code == 403
    assert not Finding.objects.exists()
