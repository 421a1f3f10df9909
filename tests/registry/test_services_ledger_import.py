"""The household ledger import (docs/LEDGER.md §1): whole households, upserts, history, reports."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from decimal import Decimal

import pytest
from django.db import connection

from jingzhun.areas.models import Area
from jingzhun.core.sqlite import SORT_RUN_MB
from jingzhun.registry import ledger_import as ledger_import_module
from jingzhun.registry.models import ChangeRecord, Household, ImportBatch, Income, Member, StatusChange
from jingzhun.registry.services import ledger_import
from jingzhun.registry.vocab import MemberStatus, PovertyStatus
from jingzhun.spreadsheets.report import report_path_for

from .ledger_files import family, household_row, make_id, member_row, read_report, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def errors_of(outcome):
    return read_report(outcome.report_path)["错误"]


def test_import_creates_households_members_and_income(tmp_path):
    path = write_csv(tmp_path / "ledger.csv", family("H001") + family("H002"))

    outcome = ledger_import(path=path)

    assert (outcome.created, outcome.rejected, outcome.exit_code) == (2, 0, 0)
    assert Member.objects.count() == 4
    income = Income.objects.get(household__household_no="H001")
    assert (income.year, income.wage, income.net) == (2020, Decimal("18000"), Decimal("20420"))


def test_the_batch_records_the_files_sha256(tmp_path):
    path = write_csv(tmp_path / "ledger.csv", family("H001"))

    outcome = ledger_import(path=path)

    assert ImportBatch.objects.get(pk=outcome.batch_id).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_member_birth_date_and_sex_come_from_the_id_number(tmp_path):
    head = household_row("H001", 证件号码=make_id("19750612", male=False))
    ledger_import(path=write_csv(tmp_path / "l.csv", [head]))

    member = Member.objects.get()
    assert (member.birth_date, member.sex) == (dt.date(1975, 6, 12), "F")


def test_xlsx_file_imports_like_csv(tmp_path):
    outcome = ledger_import(path=write_xlsx(tmp_path / "ledger.xlsx", family("H001")))

    assert (outcome.created, outcome.exit_code) == (1, 0)
    assert Member.objects.count() == 2


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    path = write_csv(tmp_path / "ledger.csv", family("H001") + family("H002"))
    ledger_import(path=path)
    stamps = list(Member.objects.order_by("id").values_list("updated_at", flat=True))

    second = ledger_import(path=path)

    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert ChangeRecord.objects.count() == 0
    assert list(Member.objects.order_by("id").values_list("updated_at", flat=True)) == stamps


def test_reimport_updates_in_place_and_keeps_history(tmp_path):
    rows = family("H001")
    ledger_import(path=write_csv(tmp_path / "a.csv", rows))
    for row in rows:
        row["贫困户状态"] = "返贫"
    rows[1]["健康状况"] = "患有大病"

    outcome = ledger_import(path=write_csv(tmp_path / "b.csv", rows))

    assert (outcome.created, outcome.updated) == (0, 1)
    assert Household.objects.get().poverty_status == PovertyStatus.RELAPSED
    change = StatusChange.objects.order_by("id").last()
    assert (change.from_status, change.to_status) == (PovertyStatus.EXITED, PovertyStatus.RELAPSED)
    assert set(ChangeRecord.objects.values_list("field", "old_value", "new_value")) == {
        ("poverty_status", "exited", "relapsed"),
        ("health", "healthy", "serious"),
    }


def test_new_household_gets_its_initial_status_in_history(tmp_path):
    ledger_import(path=write_csv(tmp_path / "a.csv", family("H001")))

    change = StatusChange.objects.get()
    assert (change.from_status, change.to_status) == ("", PovertyStatus.EXITED)


def test_member_missing_from_reimport_is_kept_and_reported(tmp_path):
    rows = family("H001")
    ledger_import(path=write_csv(tmp_path / "a.csv", rows))

    outcome = ledger_import(path=write_csv(tmp_path / "b.csv", rows[:1]))

    assert Member.objects.count() == 2
    assert outcome.members_missing == 1
    assert any("本次文件中没有，未删除" in w[4] for w in read_report(outcome.report_path)["提示"])


def test_an_invalid_cell_rejects_its_whole_household_only(tmp_path):
    bad = family("H002")
    bad[1]["健康状况"] = "良好"
    path = write_csv(tmp_path / "ledger.csv", family("H001") + bad)

    outcome = ledger_import(path=path)

    assert (outcome.created, outcome.rejected, outcome.exit_code) == (1, 1, 1)
    assert not Household.objects.filter(household_no="H002").exists()
    assert errors_of(outcome) == [
        [5.0, "H002", "健康状况", "良好", "“良好”不是可选值，应为：健康、长期慢性病、患有大病、残疾"]
    ]


def test_error_report_is_written_beside_the_input(tmp_path):
    bad = family("H002", 务工月数="13")
    outcome = ledger_import(path=write_csv(tmp_path / "ledger.csv", bad))

    assert outcome.report_path == report_path_for(tmp_path / "ledger.csv") == tmp_path / "ledger.错误报告.xlsx"
    assert errors_of(outcome)[0][2:] == ["务工月数", "13", "13 超出范围，应在 0–12 之间"]


def test_an_id_number_in_two_households_rejects_both(tmp_path):
    first, second = family("H001"), family("H002")
    second[1]["证件号码"] = first[1]["证件号码"]

    outcome = ledger_import(path=write_csv(tmp_path / "l.csv", first + second + family("H003")))

    assert outcome.rejected == 2
    assert list(Household.objects.values_list("household_no", flat=True)) == ["H003"]
    assert all("不同的户" in e[4] for e in errors_of(outcome))


def test_rows_disagreeing_on_a_household_column_name_the_column(tmp_path):
    rows = family("H001")
    rows[1]["住房安全等级"] = "C"

    outcome = ledger_import(path=write_csv(tmp_path / "l.csv", rows))

    assert errors_of(outcome) == [
        [3.0, "H001", "住房安全等级", "C", "与本户第 2 行的“A”不一致（户内各行的户信息须相同），本户未导入"]
    ]


def test_household_without_a_head_is_rejected(tmp_path):
    rows = family("H001")
    rows[0]["与户主关系"] = "之子"

    outcome = ledger_import(path=write_csv(tmp_path / "l.csv", rows))

    assert outcome.rejected == 1
    assert errors_of(outcome)[0][4] == "本户没有户主，本户未导入"


def test_household_with_two_heads_is_rejected(tmp_path):
    rows = family("H001")
    rows[1]["与户主关系"] = "户主"

    outcome = ledger_import(path=write_csv(tmp_path / "l.csv", rows))

    assert errors_of(outcome)[0][4] == "本户有 2 个户主（应为 1 个），本户未导入"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("370125198001010011", "校验位错误"),
        ("370125198002300013", "不是有效日期"),
        ("37012519800101", "应为 18 位"),
    ],
)
def test_invalid_id_numbers_are_rejected_with_the_reason(tmp_path, raw, reason):
    outcome = ledger_import(path=write_csv(tmp_path / "l.csv", [household_row("H001", 证件号码=raw)]))

    assert reason in errors_of(outcome)[0][4]


def test_fifteen_digit_id_is_converted_with_a_warning(tmp_path):
    eighteen = make_id("19650304")
    fifteen = eighteen[:6] + eighteen[8:17]

    outcome = ledger_import(path=write_csv(tmp_path / "l.csv", [household_row("H001", 证件号码=fifteen)]))

    assert Member.objects.get().id_number == eighteen
    assert "15 位旧证件号码已转换为 18 位" in [w[4] for w in read_report(outcome.report_path)["提示"]]


def test_full_width_and_lower_case_id_are_normalised(tmp_path):
    number = make_id()
    while not number.endswith("X"):
        number = make_id()
    typed = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number[:17]) + "x"

    ledger_import(path=write_csv(tmp_path / "l.csv", [household_row("H001", 证件号码=typed)]))

    assert Member.objects.get().id_number == number


def test_id_number_that_excel_stored_as_a_number_is_refused(tmp_path):
    path = tmp_path / "l.xlsx"
    row = household_row("H001")
    row["证件号码"] = float(make_id()[:17] + "0")
    write_xlsx(path, [row])

    outcome = ledger_import(path=path)

    assert "被 Excel 存成了数字" in errors_of(outcome)[0][4]


def test_id_number_excel_stored_as_a_number_is_refused_even_when_what_is_left_passes_the_check(tmp_path):
    # 370125198001013579 kept as a float reads back as a number whose check character happens to be right:
    # still refused, the digits Excel lost are someone else's.
    path = tmp_path / "l.xlsx"
    row = household_row("H001")
    row["证件号码"] = float("370125198001013570")
    write_xlsx(path, [row])

    outcome = ledger_import(path=path)

    assert "被 Excel 存成了数字" in errors_of(outcome)[0][4]


def test_unknown_region_code_is_only_a_warning(tmp_path):
    outcome = ledger_import(
        path=write_csv(tmp_path / "l.csv", [household_row("H001", 证件号码=make_id(region="379901"))])
    )

    assert (outcome.created, outcome.exit_code) == (1, 0)
    assert any("地区码 379901" in w[4] for w in read_report(outcome.report_path)["提示"])


@pytest.mark.parametrize("region", ["000000", "999901"])
def test_a_region_code_never_issued_is_an_error(tmp_path, region):
    outcome = ledger_import(
        path=write_csv(tmp_path / "l.csv", [household_row("H001", 证件号码=make_id(region=region))])
    )

    assert (outcome.created, outcome.rejected) == (0, 1)
    assert f"地区码 {region} 不存在" in errors_of(outcome)[0][4]


@pytest.mark.parametrize("write", [write_csv, write_xlsx])
def test_an_id_with_a_circled_digit_is_refused_naming_it(tmp_path, write):
    number = make_id()
    typed = number[:10] + "\u2460" + number[11:] if number[10] == "1" else number[:10] + "\u24ea" + number[11:]
    path = write(tmp_path / ("l.csv" if write is write_csv else "l.xlsx"), [household_row("H001", 证件号码=typed)])

    outcome = ledger_import(path=path)

    error = errors_of(outcome)[0]
    assert outcome.created == 0
    assert (error[3], error[4]) == (
        typed,
        f"证件号码含 “{typed[10]}”（U+{ord(typed[10]):04X}，带圈字符），不是普通数字或 X，请改为数字重新填写",
    )


def test_an_id_with_a_zero_width_space_names_it_instead_of_a_length(tmp_path):
    typed = make_id() + "\u200b"

    outcome = ledger_import(path=write_csv(tmp_path / "l.csv", [household_row("H001", 证件号码=typed)]))

    assert errors_of(outcome)[0][4] == "证件号码含不可见字符 U+200B（零宽空格），请删除后重新填写"


def test_unknown_village_is_created_with_its_parents_and_a_warning(tmp_path):
    outcome = ledger_import(path=write_csv(tmp_path / "l.csv", family("H001")))

    village = Area.objects.get(code="370125105201")
    assert (village.name, village.parent.code, village.parent.parent.code) == ("王家村", "370125105000", "370125000000")
    assert outcome.new_villages == ["370125105201"]


def test_blank_amounts_are_zero_and_business_income_may_be_negative(tmp_path):
    row = household_row("H001", 工资性收入="", 生产经营性收入="-500")
    ledger_import(path=write_csv(tmp_path / "l.csv", [row]))

    income = Income.objects.get()
    assert (income.wage, income.business_income) == (Decimal("0"), Decimal("-500"))


def test_negative_wage_is_an_error(tmp_path):
    outcome = ledger_import(path=write_csv(tmp_path / "l.csv", [household_row("H001", 工资性收入="-1")]))

    assert errors_of(outcome)[0][2:] == ["工资性收入", "-1", "不能为负数（-1）"]


def test_amounts_without_an_income_year_are_an_error(tmp_path):
    outcome = ledger_import(path=write_csv(tmp_path / "l.csv", [household_row("H001", 收入年度="")]))

    assert errors_of(outcome)[0][2:] == ["收入年度", "", "填写了收入金额，但没有填写收入年度"]


def test_blank_member_status_means_active(tmp_path):
    ledger_import(path=write_csv(tmp_path / "l.csv", [household_row("H001", 成员状态="")]))

    assert Member.objects.get().status == MemberStatus.ACTIVE


def test_a_file_without_income_columns_leaves_incomes_alone(tmp_path):
    ledger_import(path=write_csv(tmp_path / "a.csv", family("H001")))
    headers = ["户编号", "村代码", "行政村", "姓名", "证件号码", "与户主关系", "贫困户状态"]

    outcome = ledger_import(path=write_csv(tmp_path / "b.csv", family("H001"), headers=headers))

    assert outcome.exit_code == 0
    assert Income.objects.get().wage == Decimal("18000")


def test_unknown_columns_are_ignored_with_a_warning(tmp_path):
    rows = [dict(household_row("H001"), 备注="x")]
    headers = [*rows[0].keys()]

    outcome = ledger_import(path=write_csv(tmp_path / "l.csv", rows, headers=headers))

    assert outcome.exit_code == 0
    assert read_report(outcome.report_path)["提示"][0][2:] == ["备注", "", "未知的列（第 AS 列），已忽略"]


def test_headers_match_ignoring_spaces_and_full_width_forms(tmp_path):
    row = household_row("H001")
    headers = [f" {h} " for h in row]
    path = tmp_path / "l.csv"
    write_csv(path, [{f" {k} ": v for k, v in row.items()}], headers=headers)

    assert ledger_import(path=path).created == 1


def test_gb18030_csv_is_accepted(tmp_path):
    path = write_csv(tmp_path / "l.csv", family("H001"), encoding="gb18030")

    ledger_import(path=path)

    assert Member.objects.filter(name="王建国").exists()


def test_formula_neutraliser_apostrophe_is_taken_off(tmp_path):
    ledger_import(path=write_csv(tmp_path / "l.csv", [household_row("H001", 姓名="'=王")]))

    assert Member.objects.get().name == "=王"


def test_stale_report_is_removed_after_a_clean_import(tmp_path):
    ledger_import(path=write_csv(tmp_path / "village.csv", family("H000")))  # the village exists: no warning
    path = tmp_path / "l.csv"
    write_csv(path, [household_row("H001", 务工月数="13")])
    assert ledger_import(path=path).report_path.exists()

    write_csv(path, [household_row("H001")])
    ledger_import(path=path)

    assert not report_path_for(path).exists()


def test_member_count_not_duplicated_across_households_with_same_id_in_registry(tmp_path):
    shared = make_id()
    ledger_import(path=write_csv(tmp_path / "a.csv", [household_row("H001", 证件号码=shared)]))

    outcome = ledger_import(path=write_csv(tmp_path / "b.csv", [household_row("H009", 证件号码=shared)]))

    # The same person active in two households is the X12 clue of data comparison, not an import error.
    assert outcome.exit_code == 0
    assert Member.objects.filter(id_number=shared).count() == 2


def test_member_rows_follow_the_head_row(tmp_path):
    head = household_row("H001")
    outcome = ledger_import(path=write_csv(tmp_path / "l.csv", [head, member_row(head), member_row(head)]))

    assert (outcome.rows, Member.objects.count()) == (3, 3)


def test_mistyped_id_of_a_registered_member_suggests_the_registered_number(tmp_path):
    rows = family("H001")
    ledger_import(path=write_csv(tmp_path / "a.csv", rows))
    registered = rows[1]["证件号码"]
    typo = registered[:14] + str((int(registered[14]) + 1) % 10) + registered[15:]
    rows[1]["证件号码"] = typo

    outcome = ledger_import(path=write_csv(tmp_path / "b.csv", rows))

    masked = registered[:6] + "********" + registered[-4:]
    assert errors_of(outcome)[0][4].endswith(f"；本户已登记相近的号码：{masked}（李秀英）")


def test_member_counts_distinguish_created_updated_and_unchanged(tmp_path):
    rows = family("H001") + family("H002")
    first = ledger_import(path=write_csv(tmp_path / "a.csv", rows))
    rows[1]["健康状况"] = "残疾"
    rows.append(member_row(rows[0], 姓名="王小明", 证件号码=make_id("20100101"), 与户主关系="之子"))

    second = ledger_import(path=write_csv(tmp_path / "b.csv", rows))

    assert (first.members_created, first.members_updated) == (4, 0)
    assert (second.members_created, second.members_updated) == (1, 1)


def test_progress_is_reported_up_to_the_file_size(tmp_path):
    path = write_csv(tmp_path / "l.csv", family("H001"))
    seen = []

    ledger_import(path=path, on_progress=lambda done, total: seen.append((done, total)))

    assert seen[-1] == (path.stat().st_size, path.stat().st_size)


sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's sorter settings")


def _pragma(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return int(cursor.fetchone()[0])


@sqlite_only
def test_the_import_sorts_in_small_runs_on_several_threads(tmp_path, monkeypatch):
    seen = {}
    check = ledger_import_module._LedgerImport.check

    def check_and_look(job):
        seen.update(cache_size=_pragma("main.cache_size"), threads=_pragma("threads"))
        check(job)

    monkeypatch.setattr(ledger_import_module._LedgerImport, "check", check_and_look)

    ledger_import(path=write_csv(tmp_path / "l.csv", family("H001")))

    assert seen == {"cache_size": -1024 * SORT_RUN_MB, "threads": min(os.cpu_count() or 1, 4)}


@sqlite_only
def test_the_connections_cache_size_and_threads_are_restored_after_the_import(tmp_path):
    before = (_pragma("main.cache_size"), _pragma("threads"))

    ledger_import(path=write_csv(tmp_path / "l.csv", family("H001")))

    assert (_pragma("main.cache_size"), _pragma("threads")) == before
    assert before[0] != -1024 * SORT_RUN_MB


def test_an_import_from_the_command_line_is_in_the_access_log(tmp_path):
    from jingzhun.accounts.models import AccessLog

    ledger_import(path=write_csv(tmp_path / "台账.csv", family("H001")))
    entry = AccessLog.objects.get(action=AccessLog.Action.IMPORT)
    assert entry.user is None and entry.actor.startswith("cli:")
    assert entry.detail["batch"] == ImportBatch.objects.get().pk


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite builds the member indexes again after a bulk insert")
def test_a_first_import_builds_the_name_search_indexes_again_after_its_insert(tmp_path):
    from jingzhun.registry.models import MEMBER_SEARCH_INDEXES

    ledger_import(path=write_csv(tmp_path / "ledger.csv", family("H001") + family("H002")))
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'registry_member'")
        indexes = dict(cursor.fetchall())
    for name, columns in MEMBER_SEARCH_INDEXES.items():
        assert columns in indexes[name]
