"""`jingzhun import projects FILE` and `jingzhun export projects FILE` on the command line: what they print, and the
exit codes of the ledger's import — 0 every project imported, 1 some rejected (the others imported), 2 the file
unusable."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.accounts.models import AccessLog
from jingzhun.projects.models import Project
from tests.factories import BeneficiaryFactory, HouseholdFactory, ProjectFactory

from .library_files import PROJECT_HEADERS, import_file, project_row, write

pytestmark = pytest.mark.django_db


def test_a_clean_file_exits_0_and_says_what_it_did(tmp_path, users_by_role):
    out = StringIO()
    path = write(tmp_path / "项目库.xlsx", [project_row("XM1", users_by_role.village_a)], [])
    call_command("import", "projects", str(path), no_progress=True, stdout=out)
    printed = "".join(out.getvalue().split())
    assert "项目库：1个项目行，0个受益户行——新建1个项目，更新0个，未变化0个，未导入0个" in printed


def test_a_rejected_project_exits_1_and_names_the_report(tmp_path, users_by_role):
    village = users_by_role.village_a
    path = write(tmp_path / "项目库.csv", [project_row("XM1", village), project_row("XM2", village, 年度="x")], [])
    assert import_file(path) == 1
    assert list(Project.objects.values_list("code", flat=True)) == ["XM1"]
    assert path.with_name("项目库.错误报告.xlsx").exists()


@pytest.mark.parametrize(
    ("headers", "rows", "reason"),
    [
        ([h for h in PROJECT_HEADERS if h != "项目状态"], [{"项目编号": "XM1"}], "缺少必需的列：项目状态"),
        (PROJECT_HEADERS, [], "只有表头"),
    ],
)
def test_an_unusable_file_exits_2_and_writes_nothing(tmp_path, db, headers, rows, reason):
    path = write(tmp_path / "项目库.csv", rows, project_headers=headers)
    with pytest.raises(CommandError, match=reason) as error:
        call_command("import", "projects", str(path), no_progress=True)
    assert error.value.returncode == 2
    assert not Project.objects.exists()


def test_the_beneficiaries_file_named_instead_of_the_projects_file_exits_2(tmp_path, db):
    path = tmp_path / "项目库.beneficiaries.csv"
    path.write_text("项目编号,户编号,受益方式\n", encoding="utf-8")
    assert import_file(path) == 2


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_writes_the_import_layout_and_is_logged(tmp_path, users_by_role, suffix):
    project = ProjectFactory(area=users_by_role.village_a)
    BeneficiaryFactory(project=project, household=HouseholdFactory(village=users_by_role.village_a))
    out = StringIO()
    path = tmp_path / f"导出{suffix}"
    call_command("export", "projects", str(path), stdout=out)
    assert "已导出项目 1 个、受益户 1 行" in out.getvalue()
    assert path.exists()
    if suffix == ".csv":
        assert path.with_name("导出.beneficiaries.csv").exists()
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, target__startswith="projects:").exists()
    assert import_file(path) == 0
