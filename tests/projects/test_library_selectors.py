"""The project library's head counts, narrowed to the projects serving a town or a village."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jingzhun.accounts.models import Role
from jingzhun.projects.models import Stage
from jingzhun.projects.selectors import project_counts_for_user
from tests.factories import AreaFactory, ProjectFactory


@pytest.fixture
def county_user(users_by_role):
    """County A's owner, with one project in village A, one in a neighbouring village of town A (started), one of
    town A itself and one in another town of county A."""
    ProjectFactory(area=users_by_role.village_a, planned_investment=Decimal("100"))
    ProjectFactory(
        area=AreaFactory(level="village", parent=users_by_role.town_a),
        stage=Stage.STARTED,
        planned_investment=Decimal("200"),
    )
    ProjectFactory(area=users_by_role.town_a, level="town", planned_investment=Decimal("400"))
    ProjectFactory(area=AreaFactory(level="village", parent=AreaFactory(level="town", parent=users_by_role.county_a)))
    return users_by_role[Role.COUNTY].owner


def test_the_counts_without_a_prefix_take_every_project_the_user_sees(county_user):
    assert project_counts_for_user(user=county_user)["total"] == 4


def test_the_counts_under_a_towns_prefix_take_its_projects_and_its_villages(county_user, users_by_role):
    counts = project_counts_for_user(user=county_user, area_prefix=users_by_role.town_a.prefix)
    assert counts["by_stage"] == {Stage.APPROVED: 2, Stage.STARTED: 1}
    assert (counts["total"], counts["planned"]) == (3, Decimal("700"))


def test_the_counts_under_a_villages_code_take_only_its_projects(county_user, users_by_role):
    counts = project_counts_for_user(user=county_user, area_prefix=users_by_role.village_a.code)
    assert counts["by_stage"] == {Stage.APPROVED: 1}
    assert (counts["total"], counts["planned"]) == (1, Decimal("100"))


def test_the_counts_under_a_prefix_out_of_scope_show_nothing_of_it(county_user, users_by_role):
    ProjectFactory(area=users_by_role.village_b)
    counts = project_counts_for_user(user=county_user, area_prefix=users_by_role.town_b.prefix)
    assert (counts["total"], counts["by_stage"]) == (0, {})
