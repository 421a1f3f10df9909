from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.core.scope import SYSTEM
from jingzhun.projects import services
from jingzhun.projects.models import ProjectStep, Stage
from jingzhun.projects.services import ProjectInput, ProjectRefused, ProjectStale
from tests.factories import ProjectFactory

ON = dt.date(2025, 4, 1)


def values(area, **changes):
    base = {
        "name": "王家村光伏电站",
        "kind": "solar",
        "level": "village",
        "area_code": area.code,
        "year": 2025,
        "planned_investment": Decimal("300000"),
    }
    return ProjectInput(**(base | changes))


def test_a_town_declares_a_project_of_its_village(users_by_role):
    town = users_by_role[Role.TOWN].owner
    project = services.project_create(code="XM1", values=values(users_by_role.village_a), user=town, on=ON)
    assert (project.stage, project.declared_on) == (Stage.DECLARED, ON)
    assert ProjectStep.objects.filter(project=project, action="declare").exists()


def test_a_project_of_another_town_is_refused(users_by_role):
    with pytest.raises(PermissionDenied):
        services.project_create(
            code="XM1", values=values(users_by_role.village_b), user=users_by_role[Role.TOWN].owner, on=ON
        )


def test_a_level_that_does_not_match_the_area_is_refused(users_by_role):
    with pytest.raises(ProjectRefused, match="不是该级别"):
        services.project_create(code="XM1", values=values(users_by_role.town_a), user=SYSTEM, on=ON)


def test_a_code_used_twice_is_refused(users_by_role):
    services.project_create(code="XM1", values=values(users_by_role.village_a), user=SYSTEM, on=ON)
    with pytest.raises(ProjectRefused, match="已存在"):
        services.project_create(code="XM1", values=values(users_by_role.village_a), user=SYSTEM, on=ON)


def test_the_lifecycle_runs_in_order_with_dates(project, users_by_role):
    county = users_by_role[Role.COUNTY].owner
    for action, day in (("start", 5), ("complete", 6), ("accept", 7)):
        project = services.project_step(
            project=project, action=action, on=dt.date(2025, day, 1), user=county, version=project.version
        )
    project = services.project_step(
        project=project, action="operate", on=dt.date(2025, 8, 1), user=county, version=None, operator="合作社"
    )
    assert (project.stage, project.operating_on, project.operator) == (Stage.OPERATING, dt.date(2025, 8, 1), "合作社")
    assert [s.action for s in project.steps.all()] == ["start", "complete", "accept", "operate"]


def test_a_step_out_of_order_names_the_next_one(project):
    with pytest.raises(ProjectRefused, match="下一步应为「开工」"):
        services.project_step(project=project, action="complete", on=ON, user=SYSTEM, version=None)


def test_a_step_dated_before_the_last_one_is_refused(project):
    with pytest.raises(ProjectRefused, match="早于上一环节"):
        services.project_step(project=project, action="start", on=dt.date(2025, 3, 1), user=SYSTEM, version=None)


def test_approval_is_the_countys(users_by_role):
    project = ProjectFactory(area=users_by_role.village_a, stage=Stage.DECLARED, approved_on=None)
    with pytest.raises(PermissionDenied, match="县级"):
        services.project_step(
            project=project, action="approve", on=ON, user=users_by_role[Role.TOWN].owner, version=None
        )


def test_operation_needs_an_operator(project):
    project = ProjectFactory(area=project.area, stage=Stage.ACCEPTED, code="XM-A", operator="")
    with pytest.raises(ProjectRefused, match="运营主体"):
        services.project_step(project=project, action="operate", on=ON, user=SYSTEM, version=None)


def test_termination_needs_a_reason(project):
    with pytest.raises(ProjectRefused, match="原因"):
        services.project_step(project=project, action="terminate", on=ON, user=SYSTEM, version=None)


def test_a_stale_page_is_refused(project):
    with pytest.raises(ProjectStale):
        services.project_step(project=project, action="start", on=ON, user=SYSTEM, version=project.version + 1)


def test_an_edit_keeps_what_changed(project, users_by_role):
    changed = values(
        project.area, name=project.name, planned_investment=Decimal("650000"), responsible_unit="县乡村振兴局"
    )
    services.project_update(project=project, values=changed, user=SYSTEM, version=project.version, on=ON)
    step = project.steps.get(action="edit")
    assert step.data["changed"] == {"planned_investment": ["500000.00", "650000"], "kind": ["industry", "solar"]}


def test_a_village_user_cannot_edit(project, users_by_role):
    with pytest.raises(PermissionDenied):
        services.project_step(
            project=project, action="start", on=ON, user=users_by_role[Role.VILLAGE].owner, version=None
        )
