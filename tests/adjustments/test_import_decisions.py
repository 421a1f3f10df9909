"""`jingzhun import adjustments FILE` (docs/LEDGER.md §8): each decision applied with its case and history, every
refusal named by row, column and reason, a household applied whole or not at all, in file order, and a second
import of the same file changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.adjustments.models import AdjustmentCase, AdjustmentStep
from jingzhun.registry.models import ChangeRecord, Household, ImportBatch, Member, StatusChange
from tests.factories import HouseholdFactory, MemberFactory

from .decision_files import DECIDED, decision, import_file, new_id, report_errors, write

pytestmark = pytest.mark.django_db
NO = "某县扶发〔2026〕88号"


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (AdjustmentCase, AdjustmentStep, StatusChange, ChangeRecord, Member)
    )


def test_an_exit_is_kept_as_a_decided_case_with_the_status_and_field_history(tmp_path, household):
    path = write(tmp_path / "决定.csv", [decision(household)])
    assert import_file(path) == 0
    household.refresh_from_db()
    assert (household.poverty_status, household.year_exited) == ("exited", 2026)
    case = AdjustmentCase.objects.get(household=household)
    assert (case.kind, case.stage, case.source) == ("exit", "decided", "workbook")
    assert case.decided_on == case.closed_on == case.applied_on == DECIDED
    assert (case.decision_no, case.from_status, case.to_status) == (NO, "not_exited", "exited")
    batch = ImportBatch.objects.get(kind="adjustments")
    assert case.batch == batch
    step = case.steps.get()
    assert (step.action, step.to_stage, step.on) == ("decision_import", "decided", DECIDED)
    assert step.data["row"] == 2 and step.data["decision_no"] == NO
    change = StatusChange.objects.get(household=household)
    assert (change.from_status, change.to_status, change.batch) == ("not_exited", "exited", batch)
    assert change.reason.startswith(f"脱贫（{NO}）：")
    history = dict(
        ChangeRecord.objects.filter(entity="household", entity_key=household.household_no).values_list(
            "field", "new_value"
        )
    )
    assert history == {"poverty_status": "exited", "year_exited": "2026"}


@pytest.mark.parametrize(
    ("kind", "start", "end"),
    [
        ("脱贫", "relapsed", "exited"),
        ("脱贫", "pre_exit", "exited"),
        ("返贫", "exited", "relapsed"),
        ("返贫", "exited_no_policy", "relapsed"),
        ("新识别", "non_poor", "not_exited"),
        ("转为不再享受政策", "exited", "exited_no_policy"),
        ("转为享受政策", "exited_no_policy", "exited"),
        ("错评清退", "not_exited", "non_poor"),
        ("错评清退", "exited_no_policy", "non_poor"),
    ],
)
def test_each_kind_moves_the_status_from_a_start_it_allows(tmp_path, users_by_role, kind, start, end):
    home = HouseholdFactory(village=users_by_role.village_a, poverty_status=start)
    assert import_file(write(tmp_path / "决定.csv", [decision(home, kind)])) == 0
    home.refresh_from_db()
    assert home.poverty_status == end


@pytest.mark.parametrize(
    ("kind", "start", "shown"),
    [
        ("脱贫", "exited", "已脱贫(享受政策)"),
        ("返贫", "not_exited", "未脱贫"),
        ("新识别", "exited", "已脱贫(享受政策)"),
        ("转为不再享受政策", "not_exited", "未脱贫"),
        ("转为享受政策", "exited", "已脱贫(享受政策)"),
        ("错评清退", "non_poor", "非贫困户"),
    ],
)
def test_a_kind_from_another_start_is_refused_naming_the_current_status(tmp_path, users_by_role, kind, start, shown):
    home = HouseholdFactory(village=users_by_role.village_a, poverty_status=start)
    path = write(tmp_path / "决定.csv", [decision(home, kind)])
    assert import_file(path) == 1
    assert f"该户当前为「{shown}」" in report_errors(path)[(2, "调整类型")]
    home.refresh_from_db()
    assert home.poverty_status == start
    assert not AdjustmentCase.objects.exists()


def test_a_member_is_removed_with_the_status_history(tmp_path, household):
    spouse = household.members.get(relation="spouse")
    path = write(tmp_path / "决定.csv", [decision(household, "减少成员", 证件号码=spouse.id_number, 成员状态="死亡")])
    assert import_file(path) == 0
    spouse.refresh_from_db()
    assert spouse.status == "deceased"
    case = AdjustmentCase.objects.get()
    assert (case.kind, case.member, case.member_id_number) == ("member_remove", spouse, spouse.id_number)
    record = ChangeRecord.objects.get(entity="member")
    assert (record.entity_key, record.field, record.old_value, record.new_value) == (
        f"{household.household_no}/{spouse.id_number}",
        "status",
        "active",
        "deceased",
    )


def test_removing_someone_who_is_not_an_active_member_of_the_household_is_refused(tmp_path, household, users_by_role):
    other = MemberFactory(household=HouseholdFactory(village=users_by_role.village_a))
    gone = MemberFactory(household=household, relation="son", status="moved_out")
    path = write(
        tmp_path / "决定.csv",
        [
            decision(household, "减少成员", 证件号码=other.id_number, 成员状态="迁出"),
            decision(household, "减少成员", 证件号码=gone.id_number, 成员状态="迁出", 决定文号="二号"),
        ],
    )
    assert import_file(path) == 1
    errors = report_errors(path)
    assert f"没有证件号码为 {other.id_number[:6]}" in errors[(2, "证件号码")]
    assert errors[(3, "证件号码")] == f"成员 {gone.name} 已不在册（迁出）"


def test_a_removal_needs_its_member_status(tmp_path, household):
    spouse = household.members.get(relation="spouse")
    path = write(tmp_path / "决定.csv", [decision(household, "减少成员", 证件号码=spouse.id_number)])
    assert import_file(path) == 1
    assert report_errors(path)[(2, "成员状态")] == "减少成员须填写成员状态：死亡或迁出"


def test_a_member_is_added_with_the_fields_of_the_ledger_words(tmp_path, household):
    number = new_id()
    row = decision(household, "增加成员", 证件号码=number, 姓名="王小宝", 与户主关系="之子", 文化程度="小学")
    assert import_file(write(tmp_path / "决定.xlsx", [row])) == 0
    member = Member.objects.get(id_number=number)
    assert (member.household, member.name, member.relation, member.education) == (household, "王小宝", "son", "primary")
    assert (member.birth_date, member.sex, member.status) == (dt.date(2026, 5, 1), "M", "active")
    case = AdjustmentCase.objects.get()
    assert (case.kind, case.member, case.member_id_number) == ("member_add", member, number)
    fields = set(
        ChangeRecord.objects.filter(entity_key=f"{household.household_no}/{number}").values_list("field", flat=True)
    )
    assert {"id_number", "birth_date", "sex", "name", "relation", "education", "status"} <= fields


def test_adding_a_number_the_registry_holds_is_refused(tmp_path, household, users_by_role):
    elsewhere = MemberFactory(household=HouseholdFactory(village=users_by_role.village_a))
    row = decision(household, "增加成员", 证件号码=elsewhere.id_number, 姓名="某某", 与户主关系="之子")
    path = write(tmp_path / "决定.csv", [row])
    assert import_file(path) == 1
    assert "已登记在建档立卡成员中，不能重复增加" in report_errors(path)[(2, "证件号码")]


def test_adding_the_same_number_twice_in_the_file_is_refused(tmp_path, household, users_by_role):
    other = HouseholdFactory(village=users_by_role.village_a, poverty_status="not_exited")
    number = new_id()
    rows = [
        decision(household, "增加成员", 证件号码=number, 姓名="王小宝", 与户主关系="之子"),
        decision(other, "增加成员", 证件号码=number, 姓名="王小宝", 与户主关系="之子"),
    ]
    path = write(tmp_path / "决定.csv", rows)
    assert import_file(path) == 1
    assert "第 2 行已增加同一证件号码的成员" in report_errors(path)[(3, "证件号码")]
    assert Member.objects.get(id_number=number).household == household


def test_an_addition_needs_a_valid_number_a_name_and_a_relation(tmp_path, household):
    path = write(tmp_path / "决定.csv", [decision(household, "增加成员", 证件号码="370125202605010110")])
    assert import_file(path) == 1
    errors = report_errors(path)
    assert errors[(2, "证件号码")].startswith("新成员的证件号码无效")
    assert errors[(2, "姓名")] == "增加成员须填写新成员的姓名"
    assert errors[(2, "与户主关系")] == "增加成员须填写新成员的与户主关系"


def test_a_household_gains_a_member_and_then_exits_in_file_order(tmp_path, household):
    number = new_id()
    rows = [
        decision(household, "增加成员", 证件号码=number, 姓名="王小宝", 与户主关系="之子", 决定文号="一号"),
        decision(household, "脱贫", 决定文号="二号"),
        decision(household, "转为不再享受政策", 决定文号="三号"),
    ]
    assert import_file(write(tmp_path / "决定.csv", rows)) == 0
    household.refresh_from_db()
    assert household.poverty_status == "exited_no_policy"
    assert household.members.filter(id_number=number).exists()
    statuses = list(StatusChange.objects.filter(household=household).values_list("from_status", "to_status"))
    assert statuses == [("not_exited", "exited"), ("exited", "exited_no_policy")]
    assert AdjustmentCase.objects.count() == 3


def test_a_status_decision_counts_the_people_on_the_register_at_its_place_in_the_file(tmp_path, household):
    before = household.members.filter(status="active").count()
    rows = [
        decision(household, "增加成员", 证件号码=new_id(), 姓名="王小宝", 与户主关系="之子", 决定文号="一号"),
        decision(household, "脱贫", 决定文号="二号"),
    ]
    assert import_file(write(tmp_path / "决定.csv", rows)) == 0
    people = dict(AdjustmentCase.objects.values_list("kind", "people"))
    assert people == {"member_add": 1, "exit": before + 1}


def test_rows_out_of_order_are_refused(tmp_path, household):
    rows = [decision(household, "转为不再享受政策", 决定文号="一号"), decision(household, "脱贫", 决定文号="二号")]
    path = write(tmp_path / "决定.csv", rows)
    assert import_file(path) == 1
    assert "该户当前为「未脱贫」" in report_errors(path)[(2, "调整类型")]


def test_one_bad_row_rejects_its_household_and_the_others_are_applied(tmp_path, household, users_by_role):
    other = HouseholdFactory(village=users_by_role.village_a, poverty_status="not_exited")
    rows = [
        decision(household, "脱贫", 决定文号="一号"),
        decision(other, "脱贫"),
        decision(household, "减少成员", 证件号码=new_id(), 成员状态="死亡", 决定文号="二号"),
    ]
    before = _counts()
    path = write(tmp_path / "决定.csv", rows)
    assert import_file(path) == 1
    errors = report_errors(path)
    assert "没有证件号码为" in errors[(4, "证件号码")]
    assert errors[(2, "户编号")] == "同一户第 4 行有错误，该户在本文件中的决定均未导入"
    household.refresh_from_db()
    other.refresh_from_db()
    assert (household.poverty_status, other.poverty_status) == ("not_exited", "exited")
    assert list(AdjustmentCase.objects.values_list("household", flat=True)) == [other.pk]
    assert _counts()[0] == before[0] + 1


def test_a_second_import_of_the_same_file_changes_nothing(tmp_path, household, users_by_role):
    other = HouseholdFactory(village=users_by_role.village_a, poverty_status="exited")
    spouse = household.members.get(relation="spouse")
    rows = [
        decision(household, "增加成员", 证件号码=new_id(), 姓名="王小宝", 与户主关系="之子", 决定文号="一号"),
        decision(household, "减少成员", 证件号码=spouse.id_number, 成员状态="迁出", 决定文号="二号"),
        decision(household, "脱贫", 决定文号="三号"),
        decision(other, "转为不再享受政策"),
    ]
    path = write(tmp_path / "决定.csv", rows)
    assert import_file(path) == 0
    after_first = _counts()
    statuses = list(Household.objects.order_by("pk").values_list("poverty_status", "updated_at"))
    assert import_file(path) == 0
    assert _counts() == after_first
    assert list(Household.objects.order_by("pk").values_list("poverty_status", "updated_at")) == statuses
    second = ImportBatch.objects.filter(kind="adjustments").latest("pk")
    assert second.summary["导入的决定"] == 0
    assert second.summary["已导入过、未变化的决定"] == 4


def test_the_same_decision_twice_in_a_file_is_refused(tmp_path, users_by_role):
    home = HouseholdFactory(village=users_by_role.village_a, poverty_status="exited")
    path = write(tmp_path / "决定.csv", [decision(home, "返贫"), decision(home, "返贫")])
    assert import_file(path) == 1
    assert "与第 2 行是同一项决定" in report_errors(path)[(3, "决定文号")]


@pytest.mark.parametrize(
    ("day", "reason"), [("2099-01-01", "决定日期不能晚于今天"), ("2012-12-31", "决定日期不能早于 2013-01-01")]
)
def test_a_decision_date_outside_the_record_window_is_refused(tmp_path, household, day, reason):
    path = write(tmp_path / "决定.csv", [decision(household, 决定日期=day)])
    assert import_file(path) == 1
    assert report_errors(path)[(2, "决定日期")].startswith(reason)


def test_an_unknown_household_is_refused(tmp_path, db):
    path = write(tmp_path / "决定.csv", [decision("999999999999")])
    assert import_file(path) == 1
    assert report_errors(path)[(2, "户编号")] == "户编号不存在，请先导入台账"


@pytest.mark.parametrize(("column", "value"), [("证件号码", "370125195001010012"), ("成员状态", "死亡")])
def test_a_status_decision_takes_no_member_cells(tmp_path, household, column, value):
    path = write(tmp_path / "决定.csv", [decision(household, **{column: value})])
    assert import_file(path) == 1
    assert "「脱贫」不填写" in report_errors(path)[(2, column)]


@pytest.mark.parametrize("header", ["原因", "决定文号", "决定日期", "调整类型"])
def test_a_required_cell_left_blank_is_refused(tmp_path, household, header):
    path = write(tmp_path / "决定.csv", [decision(household, **{header: ""})])
    assert import_file(path) == 1
    assert report_errors(path)[(2, header)] == "不能为空"


def test_an_unknown_kind_is_refused_with_the_words_allowed(tmp_path, household):
    path = write(tmp_path / "决定.csv", [decision(household, "修正成员信息")])
    assert import_file(path) == 1
    assert "不是可选值" in report_errors(path)[(2, "调整类型")]
