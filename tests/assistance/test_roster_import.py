"""Importing a helper roster (docs/LEDGER.md §9): helpers, pairings and units assigned to a village from .xlsx and
.csv; each refusal with its row, column and reason; idempotence; the area scope; the command's exit codes; the
browser's upload."""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jingzhun.accounts.models import Role
from jingzhun.assistance import services
from jingzhun.assistance.models import AssistanceChange, Helper, HelperKind, Pairing, WorkTeam
from jingzhun.core.models import UploadJob
from jingzhun.core.scope import SYSTEM
from jingzhun.core.uploads import upload_job_for_user
from tests.factories import HouseholdFactory

from .factories import HelperFactory, PairingFactory

pytestmark = pytest.mark.django_db

HELPER_HEADERS = ["姓名", "类别", "单位", "联系电话", "区划代码"]
PAIRING_HEADERS = ["帮扶责任人", "帮扶责任人单位", "帮扶责任人电话", "户编号", "开始日期", "结束日期", "结束原因"]
UNIT_HEADERS = ["包扶单位", "村区划代码", "开始日期", "结束日期"]


def write(path: Path, headers: list[str], rows: list[dict[str, Any]]) -> Path:
    cells = [[row.get(h, "") for h in headers] for row in rows]
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(headers)
            writer.writerows(cells)
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(headers)
        for line in cells:
            sheet.append(line)
        workbook.save(path)
    return path


def report_errors(path: Path) -> dict[tuple[int, str], str]:
    sheet = load_workbook(path.with_name(f"{path.stem}.错误报告.xlsx"))["错误"]
    return {(row[0], row[2]): row[4] for row in sheet.iter_rows(min_row=2, values_only=True)}


def _cli(path: Path) -> int:
    try:
        call_command("import", "helpers", str(path), verbosity=0, no_progress=True)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


@pytest.fixture
def place(users_by_role):
    village, town = users_by_role.village_a, users_by_role.town_a
    homes = [HouseholdFactory(village=village) for _ in range(3)]
    return {"village": village, "town": town, "homes": homes, "user": users_by_role[Role.TOWN].owner}


def helper_rows(place):
    return [
        {
            "姓名": "王明",
            "类别": "帮扶责任人",
            "单位": "县农业农村局",
            "联系电话": "13900000001",
            "区划代码": place["village"].code,
        },
        {
            "姓名": "李华",
            "类别": "第一书记",
            "单位": "市委组织部",
            "联系电话": "13900000002",
            "区划代码": place["town"].code,
        },
    ]


def pairing_rows(place):
    return [
        {
            "帮扶责任人": "王明",
            "帮扶责任人单位": "县农业农村局",
            "户编号": place["homes"][0].household_no,
            "开始日期": "2024-03-01",
        },
        {
            "帮扶责任人": "王明",
            "帮扶责任人单位": "县农业农村局",
            "户编号": place["homes"][1].household_no,
            "开始日期": "2024/3/1",
        },
    ]


# --- the happy path ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_roster_of_helpers_pairings_and_units_is_imported(tmp_path, place, suffix):
    user = place["user"]
    helpers = services.roster_import(path=write(tmp_path / f"h{suffix}", HELPER_HEADERS, helper_rows(place)), user=user)
    assert (helpers.sheet, helpers.created, helpers.rejected, helpers.exit_code) == ("帮扶责任人", 2, 0, 0)
    assert Helper.objects.get(name="李华").kind == HelperKind.FIRST_SECRETARY
    pairings = services.roster_import(
        path=write(tmp_path / f"p{suffix}", PAIRING_HEADERS, pairing_rows(place)), user=user
    )
    assert (pairings.sheet, pairings.created, pairings.rejected) == ("结对", 2, 0)
    assert set(Pairing.objects.values_list("household_id", "started_on", "ended_on", "created_by")) == {
        (place["homes"][0].pk, dt.date(2024, 3, 1), None, user.pk),
        (place["homes"][1].pk, dt.date(2024, 3, 1), None, user.pk),
    }
    units = [{"包扶单位": "县财政局", "村区划代码": place["village"].code, "开始日期": "2021-06-01"}]
    outcome = services.roster_import(path=write(tmp_path / f"u{suffix}", UNIT_HEADERS, units), user=user)
    assert (outcome.sheet, outcome.created) == ("包扶单位", 1)
    team = WorkTeam.objects.get()
    assert (team.village_id, team.unit, team.started_on, team.leader) == (
        place["village"].code,
        "县财政局",
        dt.date(2021, 6, 1),
        None,
    )
    assert AssistanceChange.objects.filter(action="import").count() == 5


def test_importing_the_same_files_twice_changes_nothing(tmp_path, place):
    user = place["user"]
    files = [
        write(tmp_path / "h.xlsx", HELPER_HEADERS, helper_rows(place)),
        write(tmp_path / "p.csv", PAIRING_HEADERS, pairing_rows(place)),
        write(
            tmp_path / "u.csv",
            UNIT_HEADERS,
            [{"包扶单位": "县财政局", "村区划代码": place["village"].code, "开始日期": "2021-06-01"}],
        ),
    ]
    for path in files:
        services.roster_import(path=path, user=user)

    def state():
        return [
            list(Helper.objects.order_by("pk").values_list()),
            list(Pairing.objects.order_by("pk").values_list()),
            list(WorkTeam.objects.order_by("pk").values_list()),
            AssistanceChange.objects.count(),
        ]

    before = state()
    for path in files:
        outcome = services.roster_import(path=path, user=user)
        assert (outcome.created, outcome.updated, outcome.rejected) == (0, 0, 0)
        assert outcome.unchanged == outcome.rows
    assert state() == before


def test_a_filled_cell_updates_a_known_helper_and_a_blank_one_keeps_it(tmp_path, place):
    HelperFactory(name="王明", unit="县农业农村局", area=place["village"], phone="13800000000")
    rows = [{"姓名": "王明", "单位": "县农业农村局", "区划代码": place["village"].code, "联系电话": "13900000009"}]
    outcome = services.roster_import(path=write(tmp_path / "h.csv", HELPER_HEADERS, rows), user=place["user"])
    assert (outcome.created, outcome.updated) == (0, 1)
    assert Helper.objects.get().phone == "13900000009"
    rows[0]["联系电话"] = ""
    assert (
        services.roster_import(path=write(tmp_path / "h2.csv", HELPER_HEADERS, rows), user=place["user"]).unchanged == 1
    )
    assert Helper.objects.get().phone == "13900000009"


def test_a_new_pairing_moves_the_household_from_its_current_helper(tmp_path, place):
    old = PairingFactory(
        helper=HelperFactory(area=place["village"]), household=place["homes"][0], started_on=dt.date(2023, 1, 1)
    )
    HelperFactory(name="王明", unit="县农业农村局", area=place["village"])
    outcome = services.roster_import(
        path=write(tmp_path / "p.csv", PAIRING_HEADERS, pairing_rows(place)[:1]), user=place["user"]
    )
    assert outcome.created == 1
    old.refresh_from_db()
    assert (old.ended_on, old.end_reason) == (dt.date(2024, 3, 1), "重新结对")


def test_an_end_date_ends_a_current_pairing(tmp_path, place):
    helper = HelperFactory(name="王明", unit="县农业农村局", area=place["village"])
    pairing = PairingFactory(helper=helper, household=place["homes"][0], started_on=dt.date(2024, 3, 1))
    rows = [{**pairing_rows(place)[0], "结束日期": "2025-01-31", "结束原因": "户已迁出"}]
    outcome = services.roster_import(path=write(tmp_path / "p.csv", PAIRING_HEADERS, rows), user=place["user"])
    assert (outcome.updated, outcome.created) == (1, 0)
    pairing.refresh_from_db()
    assert (pairing.ended_on, pairing.end_reason) == (dt.date(2025, 1, 31), "户已迁出")


def test_the_writes_are_set_based(tmp_path, place):
    HelperFactory(name="王明", unit="县农业农村局", area=place["village"])
    homes = [HouseholdFactory(village=place["village"]) for _ in range(30)]
    rows = [{**pairing_rows(place)[0], "户编号": home.household_no} for home in homes]
    path = write(tmp_path / "p.csv", PAIRING_HEADERS, rows)
    with CaptureQueriesContext(connection) as queries:
        assert services.roster_import(path=path, user=place["user"]).created == 30
    assert len(queries) < 20


# --- refusals: row, column, reason ----------------------------------------------------------------------------------


def test_each_refused_helper_row_names_its_row_column_and_reason(tmp_path, place, users_by_role):
    rows = [
        *helper_rows(place),
        {"姓名": "", "单位": "县水利局", "区划代码": place["village"].code},
        {"姓名": "赵四", "单位": "县水利局", "区划代码": "12345"},
        {"姓名": "钱五", "单位": "县水利局", "区划代码": "999999999999"},
        {"姓名": "孙六", "单位": "县水利局", "区划代码": users_by_role.village_b.code},
        {"姓名": "周七", "类别": "村医", "单位": "县水利局", "区划代码": place["village"].code},
        {"姓名": "王明", "单位": "县农业农村局", "区划代码": place["village"].code},
    ]
    path = write(tmp_path / "h.xlsx", HELPER_HEADERS, rows)
    outcome = services.roster_import(path=path, user=place["user"])
    assert (outcome.created, outcome.rejected, outcome.exit_code) == (2, 6, 1)
    errors = report_errors(path)
    assert errors[(4, "姓名")] == "不能为空"
    assert "12 位数字" in errors[(5, "区划代码")]
    assert errors[(6, "区划代码")] == "不是已登记的区划代码"
    assert errors[(7, "区划代码")] == "不在您的管辖区域内"
    assert "不是可选值" in errors[(8, "类别")]
    assert errors[(9, "姓名")] == "与第 2 行重复（同一区划、姓名和单位）"


def test_each_refused_pairing_row_names_its_row_column_and_reason(tmp_path, place, users_by_role):
    HelperFactory(name="王明", unit="县农业农村局", area=place["village"])
    HelperFactory(name="停用", unit="县农业农村局", area=place["village"], active=False)
    HelperFactory(name="外县", unit="县农业农村局", area=users_by_role.village_b)
    other = HouseholdFactory(village=users_by_role.village_b)
    good = pairing_rows(place)[0]
    rows = [
        good,
        {**good, "户编号": "NOPE0001"},
        {**good, "户编号": other.household_no},
        {**good, "帮扶责任人": "无此人"},
        {**good, "帮扶责任人": "外县", "户编号": place["homes"][1].household_no},
        {**good, "帮扶责任人": "停用", "户编号": place["homes"][2].household_no},
        {**good, "户编号": place["homes"][1].household_no, "开始日期": "2012-12-31"},
        {**good, "户编号": place["homes"][1].household_no, "开始日期": "2024-03-01", "结束日期": "2024-02-01"},
        {**good, "帮扶责任人单位": "县水利局", "户编号": place["homes"][0].household_no},
        {**good, "户编号": place["homes"][1].household_no, "开始日期": "三月"},
    ]
    path = write(tmp_path / "p.csv", PAIRING_HEADERS, rows)
    outcome = services.roster_import(path=path, user=place["user"])
    assert (outcome.created, outcome.rejected) == (1, 9)
    errors = report_errors(path)
    assert errors[(3, "户编号")] == "户编号不存在或不在您的管辖区域内"
    assert errors[(4, "户编号")] == "户编号不存在或不在您的管辖区域内"
    assert "没有这名帮扶责任人" in errors[(5, "帮扶责任人")]
    assert "没有这名帮扶责任人" in errors[(6, "帮扶责任人")]
    assert errors[(7, "帮扶责任人")] == "该帮扶责任人已停用，不能结对"
    assert "不能早于 2013-01-01" in errors[(8, "开始日期")]
    assert errors[(9, "结束日期")] == "结束日期早于开始日期（2024-03-01）"
    assert "没有这名帮扶责任人" in errors[(10, "帮扶责任人")]
    assert "不是日期" in errors[(11, "开始日期")]


def test_a_second_current_pairing_of_a_household_in_one_file_is_refused(tmp_path, place):
    HelperFactory(name="王明", unit="县农业农村局", area=place["village"])
    HelperFactory(name="李华", unit="县农业农村局", area=place["village"])
    first = pairing_rows(place)[0]
    path = write(
        tmp_path / "p.csv", PAIRING_HEADERS, [first, {**first, "帮扶责任人": "李华", "开始日期": "2024-05-01"}]
    )
    outcome = services.roster_import(path=path, user=place["user"])
    assert (outcome.created, outcome.rejected) == (1, 1)
    assert report_errors(path)[(3, "户编号")].startswith("第 2 行已为该户结对")
    assert services.roster_import(path=path, user=place["user"]).rejected == 1  # and again the same
    assert Pairing.objects.count() == 1


def test_an_end_date_contradicting_the_recorded_one_is_refused(tmp_path, place):
    helper = HelperFactory(name="王明", unit="县农业农村局", area=place["village"])
    PairingFactory(
        helper=helper, household=place["homes"][0], started_on=dt.date(2024, 3, 1), ended_on=dt.date(2024, 12, 1)
    )
    rows = [{**pairing_rows(place)[0], "结束日期": "2025-01-31"}]
    path = write(tmp_path / "p.csv", PAIRING_HEADERS, rows)
    assert services.roster_import(path=path, user=place["user"]).rejected == 1
    assert report_errors(path)[(2, "结束日期")] == "系统中该结对已于 2024-12-01 结束，不能更改"


def test_a_unit_outside_the_area_or_not_a_village_is_refused(tmp_path, place, users_by_role):
    rows = [
        {"包扶单位": "县财政局", "村区划代码": users_by_role.village_b.code, "开始日期": "2021-06-01"},
        {"包扶单位": "县财政局", "村区划代码": place["town"].code, "开始日期": "2021-06-01"},
        {"包扶单位": "", "村区划代码": place["village"].code, "开始日期": "2021-06-01"},
    ]
    path = write(tmp_path / "u.xlsx", UNIT_HEADERS, rows)
    outcome = services.roster_import(path=path, user=place["user"])
    assert (outcome.created, outcome.rejected) == (0, 3)
    errors = report_errors(path)
    assert errors[(2, "村区划代码")] == "不在您的管辖区域内"
    assert errors[(3, "村区划代码")] == "不是已登记的行政村区划代码"
    assert errors[(4, "包扶单位")] == "不能为空"


def test_a_village_user_may_not_import(tmp_path, place, users_by_role):
    path = write(tmp_path / "h.csv", HELPER_HEADERS, helper_rows(place))
    with pytest.raises(Exception, match="乡镇或县级"):
        services.roster_import(path=path, user=users_by_role[Role.VILLAGE].owner)
    assert not Helper.objects.exists()


# --- the command line ----------------------------------------------------------------------------------------------


def test_the_command_exits_0_when_every_row_is_applied(tmp_path, place):
    assert _cli(write(tmp_path / "h.xlsx", HELPER_HEADERS, helper_rows(place))) == 0
    assert Helper.objects.count() == 2


def test_the_command_exits_1_when_some_rows_are_refused(tmp_path, place, capsys):
    rows = [*helper_rows(place), {"姓名": "赵四", "单位": "县水利局", "区划代码": "999999999999"}]
    assert _cli(write(tmp_path / "h.csv", HELPER_HEADERS, rows)) == 1
    assert Helper.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("h.csv", "户主,人口\n张三,3\n".encode()),
        ("h.xlsx", b"not a workbook"),
        ("h.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
    ],
)
def test_the_command_exits_2_for_a_file_it_cannot_use(tmp_path, place, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(Exception) as raised:
        call_command("import", "helpers", str(path), verbosity=0, no_progress=True)
    assert getattr(raised.value, "returncode", None) == 2
    assert not Helper.objects.exists()


def test_a_file_missing_a_required_column_is_unusable(tmp_path, place):
    path = write(tmp_path / "h.csv", ["姓名", "区划代码"], [{"姓名": "王明", "区划代码": place["village"].code}])
    with pytest.raises(Exception, match="缺少必需的列：单位"):
        services.roster_import(path=path, user=SYSTEM)


# --- the browser's upload ---------------------------------------------------------------------------------------------


@pytest.fixture
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.mark.usefixtures("_tasks_run_at_once")
def test_an_upload_imports_the_roster_in_the_users_area(client, place, tmp_path, django_capture_on_commit_callbacks):
    user = place["user"]
    client.force_login(user)
    assert client.get(reverse("assistance:roster_import_new")).status_code == 200
    data = write(tmp_path / "h.csv", HELPER_HEADERS, helper_rows(place)).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assistance:roster_import_new"), {"file": SimpleUploadedFile("名单.csv", data, "text/csv")}
        )
    assert response.status_code == 302
    job = upload_job_for_user(
        user=user, kind="helper_roster", job_id=uuid.UUID(response.url.rstrip("/").split("/")[-1])
    )
    assert job.status == UploadJob.Status.DONE
    assert (job.summary["sheet"], job.summary["created"]) == ("帮扶责任人", 2)
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize("role", [Role.VILLAGE, Role.HELPER, Role.INSPECTOR])
def test_other_roles_may_not_open_the_upload(client, users_by_role, role):
    client.force_login(users_by_role[role].owner)
    assert client.get(reverse("assistance:roster_import_new")).status_code == 403


@pytest.mark.usefixtures("_tasks_run_at_once")
def test_another_users_import_is_not_found(client, place, users_by_role, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(place["user"])
    data = write(tmp_path / "h.csv", HELPER_HEADERS, helper_rows(place)).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assistance:roster_import_new"), {"file": SimpleUploadedFile("名单.csv", data, "text/csv")}
        )
    client.force_login(users_by_role[Role.TOWN].colleague)
    assert client.get(response.url).status_code == 404
