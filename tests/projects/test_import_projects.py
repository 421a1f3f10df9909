"""Importing the project library (docs/LEDGER.md §4): a project whole or not at all, with the error report; the
beneficiary list replaced; the stage never backwards; importing twice changes nothing; the workbook and the CSV
pair alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.core.scope import SYSTEM
from jingzhun.projects.models import Beneficiary, Distribution, Project, ProjectStep, Share, Stage
from jingzhun.projects.projects_import import projects_import, stage_problem
from jingzhun.registry.models import ImportBatch
from jingzhun.spreadsheets.reading import UnusableFile
from tests.factories import BeneficiaryFactory, HouseholdFactory, ProjectFactory

from .library_files import beneficiary_row, project_row, report_errors, write

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def households(users_by_role):
    return [HouseholdFactory(village=users_by_role.village_a) for _ in range(3)]


def _import(path, user=SYSTEM):
    return projects_import(path=path, user=user, today=TODAY)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_new_project_is_created_with_its_beneficiaries_and_a_step(tmp_path, users_by_role, households, suffix):
    path = write(
        tmp_path / f"项目库{suffix}",
        [project_row("XM1", users_by_role.village_a, 计划投资="1,234.5")],
        [
            beneficiary_row("XM1", households[0], 受益方式="分红、务工"),
            beneficiary_row("XM1", households[1], 拒绝岗位="是", 拒绝原因="拒绝公益岗位"),
        ],
    )
    outcome = _import(path)
    assert (outcome.created, outcome.updated, outcome.unchanged, outcome.rejected) == (1, 0, 0, 0)
    assert outcome.exit_code == 0 and outcome.report_path is None
    project = Project.objects.get(code="XM1")
    assert (project.stage, project.approved_on, project.declared_on) == (Stage.APPROVED, TODAY, None)
    assert project.planned_investment == Decimal("1234.50")
    assert project.batch.kind == ImportBatch.Kind.PROJECTS
    first, second = Beneficiary.objects.filter(project=project).order_by("household__household_no")
    assert (first.by_dividend, first.by_work, first.refused_post) == (True, True, False)
    assert (second.refused_post, second.refusal_reason) == (True, "拒绝公益岗位")
    step = ProjectStep.objects.get(project=project)
    assert (step.action, step.from_stage, step.to_stage, step.on) == ("import", "", Stage.APPROVED, TODAY)
    assert step.data["beneficiaries"] == {"added": 2}


def test_an_error_in_one_beneficiary_row_rejects_the_whole_project(tmp_path, users_by_role, households):
    path = write(
        tmp_path / "项目库.xlsx",
        [project_row("XM1", users_by_role.village_a), project_row("XM2", users_by_role.village_a)],
        [
            beneficiary_row("XM1", households[0]),
            beneficiary_row("XM1", households[1], 受益方式="分红、入股"),
            beneficiary_row("XM2", households[2]),
        ],
    )
    outcome = _import(path)
    assert (outcome.created, outcome.rejected, outcome.exit_code) == (1, 1, 1)
    assert list(Project.objects.values_list("code", flat=True)) == ["XM2"]
    assert Beneficiary.objects.count() == 1
    errors = report_errors(path)
    assert "“入股”不是可选值" in errors[("受益户", 3, "受益方式")]
    assert errors[("项目", 2, "项目编号")] == "项目 XM1 在受益户工作表第 3 行有错误，整个项目（含受益户）均未导入"
    assert "整个项目" in errors[("受益户", 2, "项目编号")]


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"项目类型": "养殖"}, "项目类型", "“养殖”不是可选值"),
        ({"项目级别": "乡镇级"}, "区划代码", "项目级别为“乡镇级”时应填写乡镇的区划代码"),
        ({"区划代码": "370125999999"}, "区划代码", "不存在"),
        ({"年度": "25"}, "年度", "超出范围"),
        ({"计划投资": "-1"}, "计划投资", "不能为负数"),
        ({"项目状态": "运营"}, "运营主体", "须填写运营主体"),
    ],
)
def test_a_bad_project_cell_is_reported_by_row_column_and_reason(tmp_path, users_by_role, cells, column, reason):
    path = write(tmp_path / "项目库.csv", [project_row("XM1", users_by_role.village_a, **cells)])
    outcome = _import(path)
    assert (outcome.rejected, outcome.exit_code) == (1, 1)
    assert reason in report_errors(path)[("项目", 2, column)]
    assert not Project.objects.exists()


def test_a_number_twice_in_the_file_and_a_household_twice_for_a_project_are_errors(tmp_path, users_by_role, households):
    village = users_by_role.village_a
    path = write(
        tmp_path / "项目库.csv",
        [project_row("XM1", village), project_row("XM1", village), project_row("XM2", village)],
        [beneficiary_row("XM2", households[0]), beneficiary_row("XM2", households[0], 受益方式="务工")],
    )
    _import(path)
    errors = report_errors(path)
    assert errors[("项目", 3, "项目编号")] == "与第 2 行的项目编号相同，同一项目只能有一行"
    assert errors[("受益户", 3, "户编号")] == "与第 2 行重复：同一项目的同一户只能有一行"
    assert not Project.objects.exists()


def test_a_refusal_needs_its_reason(tmp_path, users_by_role, households):
    path = write(
        tmp_path / "项目库.csv",
        [project_row("XM1", users_by_role.village_a)],
        [beneficiary_row("XM1", households[0], 拒绝岗位="是")],
    )
    _import(path)
    assert report_errors(path)[("受益户", 2, "拒绝原因")] == "拒绝岗位为“是”时须填写拒绝原因"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(tmp_path, users_by_role, households):
    path = write(
        tmp_path / "项目库.xlsx",
        [project_row("XM1", users_by_role.village_a, 项目状态="运营", 运营主体="村集体合作社")],
        [beneficiary_row("XM1", h) for h in households],
    )
    first = _import(path)
    assert (first.created, first.beneficiaries_added) == (1, 3)
    project = Project.objects.get()
    second = _import(path)
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 1, 0)
    assert (second.beneficiaries_added, second.beneficiaries_changed, second.beneficiaries_removed) == (0, 0, 0)
    assert Project.objects.get().version == project.version
    assert ProjectStep.objects.count() == 1


def test_a_known_project_is_updated_field_by_field_and_its_new_stage_dated(tmp_path, users_by_role):
    project = ProjectFactory(code="XM1", area=users_by_role.village_a, stage=Stage.APPROVED)
    old_name = project.name
    path = write(
        tmp_path / "项目库.csv",
        [
            project_row(
                "XM1", users_by_role.village_a, 项目名称="新名称", 项目类型="产业", 项目状态="开工", 计划投资="600000"
            )
        ],
    )
    outcome = _import(path)
    assert (outcome.updated, outcome.unchanged) == (1, 0)
    project.refresh_from_db()
    assert (project.name, project.stage, project.started_on, project.version) == ("新名称", Stage.STARTED, TODAY, 2)
    assert project.responsible_unit == "县乡村振兴局"  # not in the file: kept
    step = project.steps.get()
    assert (step.from_stage, step.to_stage) == (Stage.APPROVED, Stage.STARTED)
    assert step.data["fields"] == {
        "name": [old_name, "新名称"],
        "planned_investment": ["500000.00", "600000.00"],
        "stage": ["approved", "started"],
    }


def test_the_stage_may_not_move_backwards(tmp_path, users_by_role):
    ProjectFactory(code="XM1", area=users_by_role.village_a, stage=Stage.STARTED)
    path = write(tmp_path / "项目库.csv", [project_row("XM1", users_by_role.village_a, 项目状态="立项")])
    outcome = _import(path)
    assert (outcome.rejected, outcome.exit_code) == (1, 1)
    assert report_errors(path)[("项目", 2, "项目状态")] == "项目状态不能倒退：系统中为“开工”，文件中为“立项”"
    assert Project.objects.get().stage == Stage.STARTED


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        (Stage.DECLARED, Stage.OPERATING, True),
        (Stage.STARTED, Stage.TERMINATED, True),
        (Stage.OPERATING, Stage.TERMINATED, False),
        (Stage.TERMINATED, Stage.DECLARED, False),
        (Stage.ACCEPTED, Stage.COMPLETED, False),
    ],
)
def test_the_stage_rule(old, new, allowed):
    assert (stage_problem(old, new) == "") is allowed


def test_the_file_rows_become_the_beneficiary_list(tmp_path, users_by_role, households):
    village = users_by_role.village_a
    project = ProjectFactory(code="XM1", area=village)
    kept = BeneficiaryFactory(project=project, household=households[0])
    BeneficiaryFactory(project=project, household=households[1])
    other = ProjectFactory(code="XM2", area=village)
    BeneficiaryFactory(project=other, household=households[1])
    path = write(
        tmp_path / "项目库.csv",
        [],
        [beneficiary_row("XM1", households[0], 受益方式="务工"), beneficiary_row("XM1", households[2])],
    )
    outcome = _import(path)
    assert (outcome.updated, outcome.beneficiaries_added, outcome.beneficiaries_changed) == (1, 1, 1)
    assert outcome.beneficiaries_removed == 1
    assert set(project.beneficiaries.values_list("household", flat=True)) == {households[0].pk, households[2].pk}
    kept.refresh_from_db()
    assert (kept.by_dividend, kept.by_work) == (False, True)
    assert other.beneficiaries.count() == 1  # no rows in 受益户: kept


def test_a_household_paid_a_dividend_cannot_be_removed(tmp_path, users_by_role, households):
    project = ProjectFactory(code="XM1", area=users_by_role.village_a)
    BeneficiaryFactory(project=project, household=households[0])
    BeneficiaryFactory(project=project, household=households[1])
    distribution = Distribution.objects.create(
        project=project,
        year=2025,
        income=Decimal("1000"),
        ratio=Decimal("0.6"),
        distributable=Decimal("600"),
        pack="test",
        stage="approved",
        approved_on=dt.date(2026, 1, 5),
    )
    Share.objects.create(
        distribution=distribution, household=households[1], household_no=households[1].household_no, weight=1, share=600
    )
    path = write(tmp_path / "项目库.csv", [], [beneficiary_row("XM1", households[0])])
    outcome = _import(path)
    assert (outcome.rejected, outcome.exit_code) == (1, 1)
    assert "已参与该项目 2025 年的分红，不能从受益户中删除" in report_errors(path)[("受益户", 2, "户编号")]
    assert project.beneficiaries.count() == 2


def test_a_workbook_without_the_project_sheet_is_unusable(tmp_path, db):
    from openpyxl import Workbook

    path = tmp_path / "项目库.xlsx"
    workbook = Workbook()
    workbook.active.title = "Sheet1"
    workbook.save(path)
    with pytest.raises(UnusableFile, match="没有名为“项目”的工作表"):
        _import(path)
    assert not ImportBatch.objects.exists()
