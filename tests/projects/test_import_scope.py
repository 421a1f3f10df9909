"""A town office imports only its own projects and households: another town's area, project or household is an
error of the row (never written), and a household of the project outside the user's scope is never removed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.projects.models import Project, ProjectLevel, Stage
from jingzhun.projects.projects_import import projects_import
from tests.factories import AreaFactory, BeneficiaryFactory, HouseholdFactory, ProjectFactory

from .library_files import beneficiary_row, project_row, report_errors, write

pytestmark = pytest.mark.django_db


def _import(path, user):
    return projects_import(path=path, user=user, today=dt.date(2026, 6, 1))


def test_a_town_user_cannot_import_a_project_of_another_town(tmp_path, users_by_role):
    town = users_by_role[Role.TOWN].owner
    path = write(tmp_path / "项目库.csv", [project_row("XM1", users_by_role.village_b)])
    outcome = _import(path, town)
    assert outcome.rejected == 1
    assert "不在您的管辖范围内" in report_errors(path)[("项目", 2, "区划代码")]
    assert not Project.objects.exists()


def test_a_town_user_cannot_change_a_known_project_of_another_town(tmp_path, users_by_role):
    ProjectFactory(code="XM1", area=users_by_role.village_b)
    town = users_by_role[Role.TOWN].owner
    path = write(tmp_path / "项目库.csv", [project_row("XM1", users_by_role.village_a, 项目名称="改名")])
    _import(path, town)
    assert report_errors(path)[("项目", 2, "项目编号")] == "该项目编号已被您管辖范围以外的项目使用"
    assert Project.objects.get().name != "改名"


def test_a_town_user_cannot_name_a_household_of_another_town(tmp_path, users_by_role):
    town = users_by_role[Role.TOWN].owner
    outside = HouseholdFactory(village=users_by_role.village_b)
    path = write(
        tmp_path / "项目库.csv",
        [project_row("XM1", users_by_role.village_a, 项目状态="申报")],
        [beneficiary_row("XM1", outside)],
    )
    outcome = _import(path, town)
    assert outcome.rejected == 1
    errors = report_errors(path)
    assert errors[("受益户", 2, "户编号")] == f"户编号 {outside.household_no} 不是您管辖范围内已登记的户"


def test_a_town_user_sees_the_county_project_but_cannot_change_its_beneficiaries(tmp_path, users_by_role):
    county_project = ProjectFactory(code="XM1", area=users_by_role.county_a, level=ProjectLevel.COUNTY)
    town = users_by_role[Role.TOWN].owner
    household = HouseholdFactory(village=users_by_role.village_a)
    path = write(tmp_path / "项目库.csv", [], [beneficiary_row("XM1", household)])
    _import(path, town)
    assert "属于上级区划" in report_errors(path)[("受益户", 2, "项目编号")]
    assert not county_project.beneficiaries.exists()


def test_a_town_replacing_a_list_leaves_the_households_outside_its_scope(tmp_path, users_by_role):
    """A town replaces its project's list: a household of another town (placed there by the county) stays."""
    project = ProjectFactory(code="XM1", area=users_by_role.town_a, level=ProjectLevel.TOWN)
    other_town = AreaFactory(level="town", parent=users_by_role.county_a)
    far = HouseholdFactory(village=AreaFactory(level="village", parent=other_town))
    near = HouseholdFactory(village=users_by_role.village_a)
    BeneficiaryFactory(project=project, household=far)
    BeneficiaryFactory(project=project, household=near)
    fresh = HouseholdFactory(village=users_by_role.village_a)
    path = write(tmp_path / "项目库.csv", [], [beneficiary_row("XM1", fresh)])
    outcome = _import(path, users_by_role[Role.TOWN].owner)
    assert (outcome.beneficiaries_added, outcome.beneficiaries_removed) == (1, 1)
    assert set(project.beneficiaries.values_list("household", flat=True)) == {far.pk, fresh.pk}


def test_a_village_user_may_not_import(tmp_path, users_by_role):
    path = write(tmp_path / "项目库.csv", [project_row("XM1", users_by_role.village_a)])
    with pytest.raises(PermissionDenied):
        _import(path, users_by_role[Role.VILLAGE].owner)


@pytest.mark.parametrize(
    ("known", "stage", "reason"),
    [
        (None, "立项", "立项须由县级办理：乡镇导入的新项目只能是“申报”状态"),
        (Stage.DECLARED, "开工", "立项须由县级办理：乡镇不能把“申报”状态的项目改为“开工”"),
        (Stage.STARTED, "终止", "终止项目须由县级办理"),
    ],
)
def test_approval_and_termination_are_the_countys(tmp_path, users_by_role, known, stage, reason):
    if known:
        ProjectFactory(code="XM1", area=users_by_role.village_a, stage=known)
    path = write(tmp_path / "项目库.csv", [project_row("XM1", users_by_role.village_a, 项目状态=stage)])
    outcome = _import(path, users_by_role[Role.TOWN].owner)
    assert outcome.rejected == 1
    assert report_errors(path)[("项目", 2, "项目状态")].startswith(reason)


def test_a_town_moves_its_approved_project_forward(tmp_path, users_by_role):
    ProjectFactory(code="XM1", area=users_by_role.village_a, stage=Stage.APPROVED)
    path = write(
        tmp_path / "项目库.csv", [project_row("XM1", users_by_role.village_a, 项目状态="开工", 项目类型="产业")]
    )
    outcome = _import(path, users_by_role[Role.TOWN].owner)
    assert (outcome.updated, outcome.rejected) == (1, 0)
    assert Project.objects.get().stage == Stage.STARTED
