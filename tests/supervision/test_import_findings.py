"""`jingzhun import findings FILE` (docs/LEDGER.md §6): each row a finding imported whole or not at all, the dates
as steps (action 导入), a Chinese error report naming row, column and reason, exit codes 0 / 1 / 2, one transaction,
and a second import of the same file changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from jingzhun.accounts.models import Role
from jingzhun.core.scope import SYSTEM
from jingzhun.supervision.findings_import import date_problems
from jingzhun.supervision.models import Finding, FindingPart, FindingStep
from jingzhun.supervision.services import findings_import, part_rectify
from tests.factories import HouseholdFactory

from .conftest import photo
from .finding_files import HEADERS, finding_row, report_errors, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 30)


@pytest.fixture
def place(users_by_role) -> Any:
    """Village A, its town, and a household of the village."""

    class Place:
        village = users_by_role.village_a
        town = users_by_role.town_a
        county = users_by_role.county_a
        household = HouseholdFactory(village=users_by_role.village_a)

    return Place


def row(place: Any, number: str = "JY-2026-001", **cells: Any) -> dict[str, Any]:
    return finding_row(number, place.village.code, place.town.code, **cells)


def _import(path) -> int:
    try:
        call_command("import", "findings", str(path), verbosity=0, no_progress=True)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def _state() -> list[tuple[Any, ...]]:
    findings = list(Finding.objects.order_by("number").values_list())
    parts = list(FindingPart.objects.order_by("id").values_list())
    steps = list(FindingStep.objects.order_by("id").values_list("id", "finding_id", "action", "on", "part"))
    return [findings, parts, steps]


# --- what a good file makes ----------------------------------------------------------------------------------------


def test_a_good_workbook_records_each_finding_with_its_assignment_deadline(tmp_path, place):
    path = write_xlsx(tmp_path / "问题.xlsx", [row(place, 户编号=place.household.household_no)])
    assert _import(path) == 0
    finding = Finding.objects.get()
    assert (finding.number, finding.source, finding.category, finding.found_on) == (
        "JY-2026-001",
        "monthly",
        "policy",
        dt.date(2026, 3, 2),
    )
    assert (finding.area_code, finding.household, finding.town_code, finding.department) == (
        place.village.code,
        place.household,
        place.town.code,
        "medical_insurance",
    )
    assert finding.assign_due == dt.date(2026, 3, 9)
    assert finding.assigned_on is None and not finding.parts.exists()
    assert not (tmp_path / "问题.错误报告.xlsx").exists()


def test_excel_date_cells_are_read_as_dates(tmp_path, place):
    path = write_xlsx(tmp_path / "问题.xlsx", [row(place, 发现日期=dt.date(2026, 3, 4))])
    assert _import(path) == 0
    assert Finding.objects.get().found_on == dt.date(2026, 3, 4)


def test_headers_and_cells_are_matched_after_trimming_and_nfkc(tmp_path, place):
    headers = [f" {h} " if h != "区划代码" else "区划代码" for h in HEADERS]  # spaces around headers
    full_width = place.village.code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    cells = {f" {h} " if h != "区划代码" else h: v for h, v in row(place, 区划代码=f" {full_width} ").items()}
    assert _import(write_csv(tmp_path / "问题.csv", [cells], headers=headers)) == 0
    assert Finding.objects.get().area_code == place.village.code


def test_a_department_of_another_name_is_kept_as_written(tmp_path, place):
    assert _import(write_csv(tmp_path / "问题.csv", [row(place, 责任部门="县水利局")])) == 0
    assert Finding.objects.get().department == "县水利局"


def test_the_dates_become_parts_and_import_steps(tmp_path, place):
    cells = row(
        place,
        交办日期="2026-03-05",
        乡镇整改完成日期="2026-03-20",
        部门整改完成日期="2026-03-25",
        核验日期="2026-03-30",
    )
    assert _import(write_csv(tmp_path / "问题.csv", [cells])) == 0
    finding = Finding.objects.get()
    assert (finding.assigned_on, finding.verified_on) == (dt.date(2026, 3, 5), dt.date(2026, 3, 30))
    parts = {p.kind: (p.assignee, p.started_on, p.due, p.done_on) for p in finding.parts.all()}
    assert parts == {
        "town": (place.town.code, dt.date(2026, 3, 5), dt.date(2026, 3, 26), dt.date(2026, 3, 20)),
        "department": ("medical_insurance", dt.date(2026, 3, 5), dt.date(2026, 3, 26), dt.date(2026, 3, 25)),
    }
    steps = [(s.action, s.data["step"], s.part, s.on) for s in finding.steps.order_by("id")]
    assert steps == [
        ("import", "record", "", dt.date(2026, 3, 2)),
        ("import", "assign", "", dt.date(2026, 3, 5)),
        ("import", "rectify", "town", dt.date(2026, 3, 20)),
        ("import", "rectify", "department", dt.date(2026, 3, 25)),
        ("import", "verify", "", dt.date(2026, 3, 30)),
    ]


def test_a_finding_for_the_town_alone_gets_one_part(tmp_path, place):
    cells = row(place, 责任部门="", 交办日期="2026-03-05")
    assert _import(write_csv(tmp_path / "问题.csv", [cells])) == 0
    assert list(FindingPart.objects.values_list("kind", flat=True)) == ["town"]


# --- refusals: row, column, reason --------------------------------------------------------------------------------


REFUSALS = [
    ({"问题编号": ""}, "问题编号", "不能为空"),
    ({"问题编号": "X" * 41}, "问题编号", "不能超过 40 个字"),
    ({"问题来源": "网络舆情"}, "问题来源", "不是可选值"),
    ({"问题类别": "其他"}, "问题类别", "不是可选值"),
    ({"问题描述": ""}, "问题描述", "不能为空"),
    ({"发现日期": "2026-02-30"}, "发现日期", "不是有效日期"),
    ({"发现日期": "三月二日"}, "发现日期", "不是日期"),
    ({"发现日期": "2012-12-31"}, "发现日期", "不能早于 2013-01-01"),
    ({"发现日期": "2999-01-01"}, "发现日期", "不能晚于今天"),
    ({"区划代码": "37012"}, "区划代码", "应为 12 位数字"),
    ({"区划代码": "370125999999"}, "区划代码", "不是已登记的区划代码"),
    ({"户编号": "NOSUCH"}, "户编号", "户编号不存在"),
    ({"责任乡镇": "3701259"}, "责任乡镇", "应为 12 位数字"),
    ({"责任乡镇": "VILLAGE"}, "责任乡镇", "不是已登记的乡镇区划代码"),
    ({"责任乡镇": "", "责任部门": ""}, "责任乡镇", "至少填写一个"),
    ({"责任部门": "部" * 41}, "责任部门", "不能超过 40 个字"),
    ({"交办日期": "2026-03-01"}, "交办日期", "早于发现日期"),
    ({"乡镇整改完成日期": "2026-03-10"}, "乡镇整改完成日期", "尚未交办"),
    ({"交办日期": "2026-03-05", "乡镇整改完成日期": "2026-03-04"}, "乡镇整改完成日期", "早于交办日期"),
    (
        {"交办日期": "2026-03-05", "责任部门": "", "部门整改完成日期": "2026-03-10"},
        "部门整改完成日期",
        "没有填写责任部门",
    ),
    (
        {"交办日期": "2026-03-05", "乡镇整改完成日期": "2026-03-10", "核验日期": "2026-03-12"},
        "核验日期",
        "部门整改尚未完成",
    ),
    ({"核验日期": "2026-03-12"}, "核验日期", "尚未交办"),
    (
        {
            "交办日期": "2026-03-05",
            "乡镇整改完成日期": "2026-03-10",
            "部门整改完成日期": "2026-03-15",
            "核验日期": "2026-03-12",
        },
        "核验日期",
        "早于整改完成日期（2026-03-15）",
    ),
]


@pytest.mark.parametrize(("cells", "column", "reason"), REFUSALS, ids=[r[2] + "@" + r[1] for r in REFUSALS])
def test_a_bad_row_is_rejected_whole_naming_row_column_and_reason(tmp_path, place, cells, column, reason):
    cells = {k: (place.village.code if v == "VILLAGE" else v) for k, v in cells.items()}
    rows = [row(place, "JY-1"), row(place, "JY-2", **cells), row(place, "JY-3")]
    path = write_csv(tmp_path / "问题.csv", rows)
    assert _import(path) == 1
    assert sorted(Finding.objects.values_list("number", flat=True)) == ["JY-1", "JY-3"]
    errors = report_errors(path)
    assert reason in errors[(3, column)]


def test_a_household_outside_the_area_code_is_rejected(tmp_path, place, users_by_role):
    elsewhere = HouseholdFactory(village=users_by_role.village_b)
    path = write_csv(tmp_path / "问题.csv", [row(place, 户编号=elsewhere.household_no)])
    assert _import(path) == 1
    assert f"不在区划代码 {place.village.code} 内" in report_errors(path)[(2, "户编号")]


def test_a_household_of_a_village_within_a_town_code_is_accepted(tmp_path, place):
    path = write_csv(tmp_path / "问题.csv", [row(place, 区划代码=place.town.code, 户编号=place.household.household_no)])
    assert _import(path) == 0


def test_a_number_twice_in_the_file_rejects_the_later_row(tmp_path, place):
    path = write_csv(tmp_path / "问题.csv", [row(place, "JY-1"), row(place, "JY-1", 问题描述="另一个问题")])
    assert _import(path) == 1
    assert Finding.objects.get().description == "低保政策未落实到户"
    assert "与第 2 行的问题编号相同" in report_errors(path)[(3, "问题编号")]


def test_a_row_with_several_errors_lists_each(tmp_path, place):
    path = write_csv(tmp_path / "问题.csv", [row(place, 问题来源="?", 问题类别="?")])
    assert _import(path) == 1
    assert {(2, "问题来源"), (2, "问题类别")} <= set(report_errors(path))


def test_a_clean_import_removes_an_old_error_report(tmp_path, place):
    path = write_csv(tmp_path / "问题.csv", [row(place, 问题来源="?")])
    assert _import(path) == 1
    write_csv(path, [row(place)])
    assert _import(path) == 0
    assert not (tmp_path / "问题.错误报告.xlsx").exists()


# --- unusable files: exit 2, nothing written ----------------------------------------------------------------------


def test_a_file_without_a_required_column_is_unusable_and_imports_nothing(tmp_path, place):
    headers = [h for h in HEADERS if h != "发现日期"]
    path = write_csv(tmp_path / "问题.csv", [row(place)], headers=headers)
    with pytest.raises(CommandError, match="缺少必需的列：发现日期") as refused:
        call_command("import", "findings", str(path), verbosity=0, no_progress=True)
    assert refused.value.returncode == 2
    assert not Finding.objects.exists()


def test_a_file_without_either_assignee_column_is_unusable(tmp_path, place):
    headers = [h for h in HEADERS if h not in ("责任乡镇", "责任部门")]
    path = write_csv(tmp_path / "问题.csv", [row(place)], headers=headers)
    with pytest.raises(CommandError, match="责任乡镇或责任部门"):
        call_command("import", "findings", str(path), verbosity=0, no_progress=True)


def test_a_file_of_headers_only_is_unusable(tmp_path, place):
    with pytest.raises(CommandError, match="没有数据行") as refused:
        call_command("import", "findings", str(write_csv(tmp_path / "问题.csv", [])), verbosity=0, no_progress=True)
    assert refused.value.returncode == 2


def test_a_workbook_that_is_no_workbook_is_unusable(tmp_path, place):
    path = tmp_path / "问题.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="不是 Excel 工作簿") as refused:
        call_command("import", "findings", str(path), verbosity=0, no_progress=True)
    assert refused.value.returncode == 2


def test_an_unknown_column_is_a_warning_only(tmp_path, place):
    path = write_csv(tmp_path / "问题.csv", [row(place) | {"备注": "x"}], headers=[*HEADERS, "备注"])
    assert _import(path) == 0
    assert Finding.objects.count() == 1
    assert (tmp_path / "问题.错误报告.xlsx").exists()


# --- importing again ----------------------------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(tmp_path, place):
    rows = [
        row(place, "JY-1"),
        row(place, "JY-2", 交办日期="2026-03-05", 乡镇整改完成日期="2026-03-20"),
        row(
            place,
            "JY-3",
            交办日期="2026-03-05",
            乡镇整改完成日期="2026-03-20",
            部门整改完成日期="2026-03-21",
            核验日期="2026-03-22",
        ),
    ]
    path = write_csv(tmp_path / "问题.csv", rows)
    assert _import(path) == 0
    before = _state()
    outcome = findings_import(path=path, user=SYSTEM)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 3)
    assert _state() == before


def test_a_later_file_takes_the_steps_not_yet_taken(tmp_path, place):
    _import(write_csv(tmp_path / "问题.csv", [row(place)]))
    later = row(place, 交办日期="2026-03-05", 乡镇整改完成日期="2026-03-20")
    outcome = findings_import(path=write_csv(tmp_path / "问题.csv", [later]), user=SYSTEM)
    assert outcome.updated == 1
    finding = Finding.objects.get()
    assert finding.assigned_on == dt.date(2026, 3, 5) and finding.version == 2
    assert dict(finding.parts.values_list("kind", "done_on")) == {"town": dt.date(2026, 3, 20), "department": None}
    assert [s.data["step"] for s in finding.steps.order_by("id")] == ["record", "assign", "rectify"]


def test_a_changed_description_is_updated_and_kept_as_a_step(tmp_path, place):
    _import(write_csv(tmp_path / "问题.csv", [row(place)]))
    findings_import(
        path=write_csv(tmp_path / "问题.csv", [row(place, 问题描述="住房安全未鉴定")]), today=TODAY, user=SYSTEM
    )
    finding = Finding.objects.get()
    assert finding.description == "住房安全未鉴定"
    step = finding.steps.order_by("id").last()
    assert (step.action, step.on, step.data["changed"]) == (
        "import",
        TODAY,
        {"问题描述": ["低保政策未落实到户", "住房安全未鉴定"]},
    )


def test_a_new_finding_date_before_the_assignment_moves_its_deadline(tmp_path, place):
    _import(write_csv(tmp_path / "问题.csv", [row(place)]))
    findings_import(path=write_csv(tmp_path / "问题.csv", [row(place, 发现日期="2026-03-10")]), user=SYSTEM)
    assert Finding.objects.get().assign_due == dt.date(2026, 3, 17)


CONTRADICTIONS = [
    ({"交办日期": "2026-03-06"}, "交办日期", "系统中已记录交办日期 2026-03-05"),
    ({"发现日期": "2026-03-03"}, "发现日期", "发现日期（系统中为 2026-03-02）不能更改"),
    ({"责任部门": "民政"}, "责任部门", "责任部门（系统中为“医保”）不能更改"),
    ({"责任乡镇": ""}, "责任乡镇", "不能更改"),
    ({"乡镇整改完成日期": "2026-03-21"}, "乡镇整改完成日期", "系统中已记录整改完成日期 2026-03-20"),
]


@pytest.mark.parametrize(("cells", "column", "reason"), CONTRADICTIONS, ids=[c[1] for c in CONTRADICTIONS])
def test_a_row_contradicting_a_step_taken_is_rejected(tmp_path, place, cells, column, reason):
    taken = row(place, 交办日期="2026-03-05", 乡镇整改完成日期="2026-03-20")
    _import(write_csv(tmp_path / "问题.csv", [taken]))
    before = _state()
    path = write_csv(tmp_path / "问题.csv", [taken | cells])
    assert _import(path) == 1
    assert reason in report_errors(path)[(2, column)]
    assert _state() == before


def test_a_blank_date_leaves_a_step_taken_in_the_browser_alone(tmp_path, place, users_by_role):
    path = write_csv(tmp_path / "问题.csv", [row(place, 交办日期="2026-03-05")])
    _import(path)
    finding = Finding.objects.get()
    town_user = users_by_role[Role.TOWN].owner
    part_rectify(
        finding_id=finding.pk,
        kind="town",
        user=town_user,
        on=dt.date(2026, 3, 9),
        rectification="已整改",
        evidence=[photo()],
        expected_version=finding.version,
        today=TODAY,
    )
    before = _state()
    assert _import(path) == 0
    assert _state() == before


def test_verification_may_follow_a_rectification_recorded_in_the_browser(tmp_path, place, users_by_role):
    cells = row(place, 交办日期="2026-03-05", 责任部门="")
    _import(write_csv(tmp_path / "问题.csv", [cells]))
    finding = Finding.objects.get()
    part_rectify(
        finding_id=finding.pk,
        kind="town",
        user=users_by_role[Role.TOWN].owner,
        on=dt.date(2026, 3, 9),
        rectification="已整改",
        evidence=[photo()],
        expected_version=finding.version,
        today=TODAY,
    )
    assert _import(write_csv(tmp_path / "问题.csv", [cells | {"核验日期": "2026-03-12"}])) == 0
    assert Finding.objects.get().verified_on == dt.date(2026, 3, 12)


# --- as a browser user --------------------------------------------------------------------------------------------


def test_a_county_user_imports_only_within_their_county(tmp_path, place, users_by_role):
    county_user = users_by_role[Role.COUNTY].owner
    outside = finding_row("JY-9", users_by_role.village_b.code, users_by_role.town_b.code)
    path = write_csv(tmp_path / "问题.csv", [row(place), outside])
    outcome = findings_import(path=path, user=county_user, today=TODAY)
    assert (outcome.created, outcome.rejected) == (1, 1)
    errors = report_errors(path)
    assert "不在您的管辖区域内" in errors[(3, "区划代码")]
    assert "不在您的管辖区域内" in errors[(3, "责任乡镇")]
    assert Finding.objects.get().created_by == county_user


def test_a_user_may_not_overwrite_a_finding_of_another_county(tmp_path, place, users_by_role):
    findings_import(
        path=write_csv(
            tmp_path / "b.csv", [finding_row("JY-1", users_by_role.village_b.code, users_by_role.town_b.code)]
        ),
        user=SYSTEM,
    )
    path = write_csv(tmp_path / "问题.csv", [row(place, "JY-1")])
    outcome = findings_import(path=path, user=users_by_role[Role.COUNTY].owner, today=TODAY)
    assert outcome.rejected == 1
    assert "管辖区域以外" in report_errors(path)[(2, "问题编号")]


def test_a_town_user_may_not_import_findings(tmp_path, place, users_by_role):
    with pytest.raises(PermissionDenied):
        findings_import(path=write_csv(tmp_path / "问题.csv", [row(place)]), user=users_by_role[Role.TOWN].owner)


# --- the date checks as properties ------------------------------------------------------------------------------

EARLIEST, LATEST = dt.date(2013, 1, 1), dt.date(2026, 6, 30)
dates = st.dates(min_value=dt.date(2012, 6, 1), max_value=dt.date(2027, 1, 1))
maybe_dates = st.none() | dates


@settings(max_examples=300, deadline=None)
@given(
    found=dates,
    assigned=maybe_dates,
    town_done=maybe_dates,
    department_done=maybe_dates,
    verified=maybe_dates,
    town=st.booleans(),
    department=st.booleans(),
)
def test_dates_pass_exactly_when_in_order_within_the_window(
    found, assigned, town_done, department_done, verified, town, department
):
    values = {
        "found_on": found,
        "assigned_on": assigned,
        "town_done": town_done,
        "department_done": department_done,
        "verified_on": verified,
        "town_code": "370125001000" if town else "",
        "department": "medical_insurance" if department else "",
    }
    given_dates = [d for d in (found, assigned, town_done, department_done, verified) if d]
    done = [d for d in (town_done, department_done) if d]
    expected_ok = (
        all(EARLIEST <= d <= LATEST for d in given_dates)
        and (town or department)
        and (assigned is None or found <= assigned)
        and (town_done is None or (town and assigned is not None and assigned <= town_done))
        and (department_done is None or (department and assigned is not None and assigned <= department_done))
        and (
            verified is None
            or (
                assigned is not None
                and (not town or town_done is not None)
                and (not department or department_done is not None)
                and all(d <= verified for d in done)
            )
        )
    )
    problems = date_problems(values, today=LATEST)
    assert (not problems) == expected_ok
    assert all(column and reason for column, _value, reason in problems)


def test_a_rectification_dated_before_the_part_was_reopened_is_rejected(tmp_path, place, users_by_role):
    from jingzhun.supervision.services import part_reopen

    rectified = row(place, 交办日期="2026-03-05", 责任部门="", 乡镇整改完成日期="2026-03-20")
    _import(write_csv(tmp_path / "问题.csv", [rectified]))
    finding = Finding.objects.get()
    part_reopen(
        finding_id=finding.pk,
        kind="town",
        user=users_by_role[Role.INSPECTOR].owner,
        on=dt.date(2026, 3, 25),
        reason="佐证材料不足",
        expected_version=finding.version,
        today=TODAY,
    )
    before = _state()
    path = write_csv(tmp_path / "问题.csv", [rectified])
    assert _import(path) == 1
    assert "已于 2026-03-25 退回重新整改" in report_errors(path)[(2, "乡镇整改完成日期")]
    assert _state() == before
    assert _import(write_csv(path, [rectified | {"乡镇整改完成日期": "2026-03-28"}])) == 0
    assert FindingPart.objects.get().done_on == dt.date(2026, 3, 28)
