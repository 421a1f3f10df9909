"""Importing a ledger from the browser: upload, the task, progress, the report, and the user's area scope."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.areas.models import Level
from jingzhun.core.models import UploadJob
from jingzhun.registry.models import Household
from tests.factories import AreaFactory, HouseholdFactory, UserFactory, sample_area
from tests.registry.ledger_files import HEADERS, family, read_report, write_csv
from tests.spreadsheets.workbooks import two_cells

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def county_user(client):
    user = UserFactory(role=Role.COUNTY, area=sample_area(Level.COUNTY))
    client.force_login(user)
    return user


def _upload(client, django_capture_on_commit_callbacks, tmp_path, rows, name="台账.csv", headers=None):
    path = write_csv(tmp_path / name, rows, headers=headers)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:new"), {"file": SimpleUploadedFile(name, path.read_bytes(), "text/csv")}
        )
    return response


def test_upload_imports_the_ledger_and_shows_the_outcome(
    client, county_user, tmp_path, django_capture_on_commit_callbacks
):
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, family("H001"))
    job = UploadJob.objects.get()
    assert response.url == reverse("imports:detail", args=[job.pk])
    assert job.status == UploadJob.Status.DONE
    assert Household.objects.filter(household_no="H001").exists()
    page = client.get(response.url).content.decode()
    assert "2 行" in page and "新建 1" in page


def test_progress_request_from_htmx_gets_only_the_progress_panel(
    client, county_user, tmp_path, django_capture_on_commit_callbacks
):
    _upload(client, django_capture_on_commit_callbacks, tmp_path, family("H001"))
    job = UploadJob.objects.get()
    page = client.get(reverse("imports:detail", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert page.lstrip().startswith("<section") and "<html" not in page


def test_rejected_household_is_reported_and_the_report_download_is_logged(
    client, county_user, tmp_path, django_capture_on_commit_callbacks
):
    rows = family("H001") + family("H002", 证件号码="370125198001010000")
    _upload(client, django_capture_on_commit_callbacks, tmp_path, rows)
    job = UploadJob.objects.get()
    assert job.summary["rejected"] == 1
    response = client.get(reverse("imports:report", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    # Reading the stream to its end also closes the file (the test client's wrapper does, as a server would).
    assert b"".join(response.streaming_content).startswith(b"PK")  # an .xlsx
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, user=county_user).count() == 1


def test_household_outside_the_users_area_is_rejected_with_the_reason(
    client, tmp_path, django_capture_on_commit_callbacks
):
    town = AreaFactory(level=Level.TOWN)
    client.force_login(UserFactory(role=Role.TOWN, area=town))
    _upload(client, django_capture_on_commit_callbacks, tmp_path, family("H001"))  # a village of another town
    job = UploadJob.objects.get()
    assert job.summary["rejected"] == 1
    assert not Household.objects.exists()
    errors = read_report(job.report_path)["错误"]
    assert any("不在您的管辖范围" in str(cell) for row in errors for cell in row)


def test_household_registered_in_another_area_cannot_be_moved_into_yours(
    client, tmp_path, django_capture_on_commit_callbacks
):
    elsewhere = HouseholdFactory(household_no="H001")  # a village of its own town
    town = AreaFactory(level=Level.TOWN)
    village = AreaFactory(level=Level.VILLAGE, parent=town)
    client.force_login(UserFactory(role=Role.TOWN, area=town))
    _upload(client, django_capture_on_commit_callbacks, tmp_path, family("H001", 村代码=village.code))
    elsewhere.refresh_from_db()
    assert elsewhere.village_id != village.code
    assert UploadJob.objects.get().summary["rejected"] == 1


def test_unusable_file_fails_the_job_with_the_reason(client, county_user, tmp_path, django_capture_on_commit_callbacks):
    headers = [h for h in HEADERS if h != "证件号码"]
    _upload(client, django_capture_on_commit_callbacks, tmp_path, family("H001"), headers=headers)
    job = UploadJob.objects.get()
    assert job.status == UploadJob.Status.FAILED
    assert "证件号码" in job.message


def test_a_memory_bomb_workbook_fails_the_job_with_the_reason(
    client, county_user, tmp_path, django_capture_on_commit_callbacks
):
    # Before: the worker died allocating 549 GB and the job stayed "running" for ever.
    path = two_cells(tmp_path / "台账.xlsx", "XFD1048576", dimension="A1:B2")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:new"), {"file": SimpleUploadedFile("台账.xlsx", path.read_bytes())})
    job = UploadJob.objects.get()
    assert job.status == UploadJob.Status.FAILED
    assert job.message.startswith("工作表第 XFD 列（第 16384 列）有内容，超过上限 256 列")
    assert not Household.objects.exists()


def test_only_spreadsheets_are_accepted(client, county_user):
    response = client.post(reverse("imports:new"), {"file": SimpleUploadedFile("台账.pdf", b"%PDF", "application/pdf")})
    assert response.status_code == 400
    assert "只能导入 .xlsx 或 .csv" in response.content.decode()
    assert not UploadJob.objects.exists()


@pytest.mark.parametrize("role", [Role.VILLAGE, Role.HELPER, Role.DEPARTMENT, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN])
def test_roles_that_do_not_import_are_refused(client, role):
    client.force_login(UserFactory(role=role, area=sample_area(Level.COUNTY)))
    assert client.get(reverse("imports:new")).status_code == 403


def test_another_users_import_is_not_found(client, county_user, tmp_path, django_capture_on_commit_callbacks):
    _upload(client, django_capture_on_commit_callbacks, tmp_path, family("H001"))
    job = UploadJob.objects.get()
    client.force_login(UserFactory(role=Role.COUNTY, area=sample_area(Level.COUNTY)))
    assert client.get(reverse("imports:detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("imports:report", args=[job.pk])).status_code == 404


# --- the report names only what the uploader may see (issue 24, item 6) -------------------------------------------


@pytest.fixture
def two_towns(client):
    """Household H001 (王建国, 李秀英) registered in town B by the command line; a town-A user logged in."""
    from jingzhun.registry.ledger_import import ledger_import

    town_a, town_b = AreaFactory(level=Level.TOWN), AreaFactory(level=Level.TOWN)
    village_a = AreaFactory(level=Level.VILLAGE, parent=town_a)
    village_b = AreaFactory(level=Level.VILLAGE, parent=town_b)
    registered = family("H001", 村代码=village_b.code)
    ledger_import(path=write_csv(_scratch(village_b.code) / "b.csv", registered))
    client.force_login(UserFactory(role=Role.TOWN, area=town_a))
    return village_a, village_b, registered


def _scratch(name: str):
    from django.conf import settings

    folder = settings.DATA_DIR / f"cli-{name}"
    folder.mkdir(exist_ok=True)
    return folder


def _scope_errors(job, household_no):
    return [tuple(row[2:]) for row in read_report(job.report_path)["错误"] if row[1] == household_no]


def test_a_near_miss_in_another_areas_household_is_not_suggested(
    client, two_towns, tmp_path, django_capture_on_commit_callbacks
):
    village_a, _village_b, registered = two_towns
    number = registered[1]["证件号码"]
    typo = number[:14] + str((int(number[14]) + 1) % 10) + number[15:]
    rows = family("H001", 村代码=village_a.code)
    rows[1]["证件号码"] = typo
    _upload(client, django_capture_on_commit_callbacks, tmp_path, rows)
    cells = [
        str(cell) for sheet in read_report(UploadJob.objects.get().report_path).values() for r in sheet for cell in r
    ]
    assert not any("相近的号码" in cell or number[-4:] + "（" in cell for cell in cells)
    assert not any("以外的村" in cell for cell in cells)


def test_the_same_refusal_whether_or_not_the_household_exists_elsewhere(
    client, two_towns, tmp_path, django_capture_on_commit_callbacks
):
    _village_a, village_b, _registered = two_towns
    rows = family("H001", 村代码=village_b.code) + family("H002", 村代码=village_b.code)  # H002 exists nowhere
    _upload(client, django_capture_on_commit_callbacks, tmp_path, rows)
    job = UploadJob.objects.get()
    assert _scope_errors(job, "H001") == _scope_errors(job, "H002")
    assert len(_scope_errors(job, "H001")) == 1


def test_a_household_number_taken_elsewhere_gets_the_neutral_refusal(
    client, two_towns, tmp_path, django_capture_on_commit_callbacks
):
    village_a, village_b, _registered = two_towns
    _upload(client, django_capture_on_commit_callbacks, tmp_path, family("H001", 村代码=village_a.code))
    job = UploadJob.objects.get()
    ((header, value, message),) = _scope_errors(job, "H001")
    assert (header, value) == ("户编号", "H001")
    assert message.startswith("不在您的管辖范围") and village_b.code not in message
    assert Household.objects.get(household_no="H001").village_id == village_b.code


def test_neither_the_report_nor_the_page_shows_where_the_server_keeps_the_file(
    client, county_user, tmp_path, django_capture_on_commit_callbacks, settings
):
    rows = family("H001") + family("H002", 证件号码="370125198001010000")
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, rows)
    job = UploadJob.objects.get()
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(job.report_path)
    sheets = [workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names]
    assert ["文件", "台账.csv"] in sheets[-1]  # 汇总: the name the user gave the file
    cells = [str(cell) for sheet in sheets for r in sheet for cell in r]
    assert not any(str(settings.DATA_DIR) in cell or "uploads" in cell for cell in cells)
    page = client.get(response.url).content.decode()
    assert str(settings.DATA_DIR) not in page and job.path not in page


def test_an_upload_over_the_cap_is_refused_and_nothing_is_queued(
    client, county_user, tmp_path, django_capture_on_commit_callbacks, settings
):
    settings.JINGZHUN_MAX_UPLOAD_BYTES = 100
    response = _upload(client, django_capture_on_commit_callbacks, tmp_path, family("H001"))
    assert "文件太大" in response.content.decode()
    assert not UploadJob.objects.exists()
    assert not Household.objects.exists()
