"""The project library's pages: the upload (a job run as the uploader, in their scope), its outcome and error
report; and the office's Excel table of the library, filtered, with its title, unit, date and totals, logged."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import upload_job_for_user
from jingzhun.projects.models import Project, ProjectLevel, Stage
from tests.exports import export_content
from tests.factories import BeneficiaryFactory, HouseholdFactory, ProjectFactory

from .library_files import beneficiary_row, project_row, write

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_a_town_upload_imports_its_projects_rejects_another_towns_and_offers_the_report(
    client, users_by_role, tmp_path, django_capture_on_commit_callbacks
):
    town = users_by_role[Role.TOWN].owner
    client.force_login(town)
    assert 'data-testid="projects-import-form"' in client.get(reverse("projects:import_new")).content.decode()
    household = HouseholdFactory(village=users_by_role.village_a)
    path = write(
        tmp_path / "项目库.xlsx",
        [project_row("XM1", users_by_role.village_a, 项目状态="申报"), project_row("XM2", users_by_role.village_b)],
        [beneficiary_row("XM1", household)],
    )
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("projects:import_new"), {"file": upload})
    assert response.status_code == 302
    job = upload_job_for_user(user=town, kind="projects", job_id=uuid.UUID(response.url.rstrip("/").split("/")[-1]))
    assert job.status == UploadJob.Status.DONE
    assert (job.summary["created"], job.summary["rejected"], job.summary["beneficiaries_added"]) == (1, 1, 1)
    assert list(Project.objects.values_list("code", flat=True)) == ["XM1"]
    page = client.get(response.url).content.decode()
    assert "新建项目 1 个" in page and 'data-testid="import-report"' in page
    report = client.get(reverse("projects:import_report", args=[job.pk]))
    assert report.status_code == 200
    assert b"".join(report.streaming_content).startswith(b"PK")  # read whole: the test client closes it
    assert AccessLog.objects.filter(user=town, target__startswith="项目库导入错误报告").exists()


def test_a_village_user_may_not_upload(client, users_by_role):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert client.get(reverse("projects:import_new")).status_code == 403


def test_the_library_table_is_filtered_titled_totalled_scoped_and_logged(client, users_by_role):
    town = users_by_role[Role.TOWN].owner
    ProjectFactory(code="XM1", area=users_by_role.village_a, planned_investment=Decimal("100.50"))
    county = ProjectFactory(
        code="XM2", area=users_by_role.county_a, level=ProjectLevel.COUNTY, planned_investment=Decimal("200")
    )
    ProjectFactory(code="XM3", area=users_by_role.village_a, stage=Stage.STARTED)  # filtered out
    ProjectFactory(code="XM4", area=users_by_role.village_b)  # another county
    BeneficiaryFactory(project=county, household=HouseholdFactory(village=users_by_role.village_a))
    BeneficiaryFactory(project=county, household=HouseholdFactory(village=users_by_role.village_b))  # not the town's
    client.force_login(town)
    # The import page's form posts its fields.
    content = export_content(
        client, reverse("projects:library_export"), {"stage": "approved", "year": "2025", "kind": "bogus"}
    )
    sheet = load_workbook(io.BytesIO(content))["项目库"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith(users_by_role.town_a.name) and "2025年度、立项" in rows[0][0]
    assert "A1:L1" in {str(r) for r in sheet.merged_cells.ranges}
    assert "单位：元" in rows[1]
    assert rows[2][:3] == ("序号", "项目编号", "项目名称")
    assert [r[1] for r in rows[3:-1]] == ["XM2", "XM1"]  # the county's first, then down the areas
    assert rows[-1][0] == "合计" and rows[-1][7] == pytest.approx(300.5) and rows[-1][11] == 1
    log = AccessLog.objects.get(user=town, action=AccessLog.Action.EXPORT)
    assert log.detail["projects"] == 2 and log.detail["filters"] == {"year": 2025, "stage": "approved"}
