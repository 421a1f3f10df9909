"""Importing department lists (docs/LEDGER.md §2): one dated batch per file, bad rows reported and left out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from jingzhun.core.idnumber import check_character
from jingzhun.crosscheck import list_import
from jingzhun.crosscheck.list_import import department_list_import
from jingzhun.crosscheck.models import Batch, Department, Row
from jingzhun.spreadsheets.reading import UnusableFile
from jingzhun.spreadsheets.writing import PrintedSheet
from tests.crosscheck.factories_lists import (
    headers_for,
    list_row,
    read_report,
    write_list_csv,
    write_list_xlsx,
)
from tests.registry.ledger_files import make_id
from tests.spreadsheets.printed import excel_time
from tests.spreadsheets.workbooks import BOMBS, two_cells

pytestmark = pytest.mark.django_db

EDU = Department.EDUCATION


def _import(path, department=EDU, **kwargs):
    return department_list_import(department=department, path=path, **kwargs)


@pytest.mark.parametrize("department", list(Department))
@pytest.mark.parametrize("writer", [write_list_csv, write_list_xlsx], ids=["csv", "xlsx"])
def test_each_departments_layout_imports(tmp_path, department, writer):
    suffix = ".csv" if writer is write_list_csv else ".xlsx"
    path = writer(tmp_path / f"list{suffix}", [list_row(department), list_row(department, 姓名="李秀英")])
    outcome = _import(path, department, as_of=dt.date(2026, 1, 5), source="县某局")
    assert outcome.exit_code == 0
    batch = Batch.objects.get()
    assert (batch.department, batch.as_of, batch.source, batch.rows) == (department, dt.date(2026, 1, 5), "县某局", 2)
    assert list(batch.list_rows.order_by("row_no").values_list("row_no", "name")) == [(2, "王建国"), (3, "李秀英")]


@pytest.mark.parametrize("written", [dt.date(2025, 6, 3), excel_time(2025, 6, 3)], ids=["date", "datetime"])
def test_a_real_excel_date_cell_is_read_as_its_date(tmp_path, written):
    workbook = Workbook(write_only=True)  # as the exports write dates: a day number formatted yyyy-mm-dd
    sheet = PrintedSheet(workbook, "名单", widths=[10, 20, 12])
    sheet.header(["姓名", "证件号码", "死亡日期"])
    sheet.append(["王建国", make_id(), written])
    workbook.save(tmp_path / "死亡.xlsx")

    outcome = _import(tmp_path / "死亡.xlsx", Department.DEATHS)

    assert (outcome.exit_code, Row.objects.get().date1) == (0, dt.date(2025, 6, 3))


def test_department_columns_land_in_their_row_fields(tmp_path):
    path = write_list_csv(tmp_path / "医保.csv", [list_row(Department.MEDICAL_INSURANCE)])
    _import(path, Department.MEDICAL_INSURANCE)
    row = Row.objects.get()
    assert (row.kind, row.year, row.number) == ("居民医保", 2025, Decimal("1234.50"))
    assert row.status == "" and row.flag1 is None and row.date1 is None


def test_valid_id_gives_normalised_number_birth_date_and_sex(tmp_path):
    number = make_id("19800101", male=False)
    path = write_list_csv(tmp_path / "l.csv", [list_row(EDU, 证件号码=f" {number[:17]}{number[17].lower()} ")])
    _import(path)
    row = Row.objects.get()
    assert (row.id_number, row.birth_date, row.sex) == (number.upper(), dt.date(1980, 1, 1), "F")


def test_invalid_id_is_kept_as_written_with_empty_number_and_counted(tmp_path):
    path = write_list_csv(tmp_path / "l.csv", [list_row(EDU), list_row(EDU, 证件号码="37012519800101001")])
    outcome = _import(path)
    assert outcome.exit_code == 0 and outcome.invalid_ids == 1
    row = Row.objects.get(id_raw="37012519800101001")
    assert (row.id_number, row.birth_date, row.sex) == ("", None, "")
    assert Batch.objects.get().invalid_ids == 1
    notes = read_report(outcome.report_path)["提示"]
    assert any(r[0] == 3 and "按原样保存" in r[4] for r in notes[1:])


def test_an_id_excel_stored_as_a_number_is_never_matched_by_number_even_when_it_passes_the_check(tmp_path):
    # 370125198001013579 kept as a float reads back with a right check character: someone else's number.
    path = write_list_xlsx(tmp_path / "l.xlsx", [list_row(EDU, 证件号码=float("370125198001013570"))])
    outcome = _import(path)
    assert outcome.invalid_ids == 1 and Row.objects.get().id_number == ""
    notes = read_report(outcome.report_path)["提示"]
    assert any("存成了数字" in r[4] for r in notes[1:])


@pytest.mark.parametrize("writer", [write_list_csv, write_list_xlsx], ids=["csv", "xlsx"])
@pytest.mark.parametrize(("char", "named"), [("\u00b9", "“¹”（U+00B9，上标）"), ("\u200b", "U+200B（零宽空格）")])
def test_an_id_with_a_superscript_or_invisible_character_is_not_matched_by_number(tmp_path, writer, char, named):
    number = make_id("19800101")
    typed = number[:8] + char + number[9:] if char == "\u00b9" else number + char  # ¹ for the 1 of 1980
    path = writer(tmp_path / ("l.csv" if writer is write_list_csv else "l.xlsx"), [list_row(EDU, 证件号码=typed)])

    outcome = _import(path)

    row = Row.objects.get()
    assert (row.id_number, outcome.invalid_ids) == ("", 1)
    assert any(named in r[4] for r in read_report(outcome.report_path)["提示"][1:])


def test_full_width_digits_are_still_read_as_the_number(tmp_path):
    number = make_id()
    typed = "".join(chr(ord(c) + 0xFEE0) for c in number)
    _import(write_list_xlsx(tmp_path / "l.xlsx", [list_row(EDU, 证件号码=typed)]))
    assert Row.objects.get().id_number == number


def test_fifteen_digit_id_is_converted_to_eighteen(tmp_path):
    old = "370125800101123"
    path = write_list_csv(tmp_path / "l.csv", [list_row(EDU, 证件号码=old)])
    outcome = _import(path)
    first17 = "37012519800101123"
    row = Row.objects.get()
    assert (row.id_raw, row.id_number) == (old, first17 + check_character(first17))
    assert outcome.invalid_ids == 0


def test_same_id_number_twice_in_one_list_is_allowed(tmp_path):
    number = make_id()
    rows = [list_row(Department.VEHICLES, 证件号码=number, 号牌号码=plate) for plate in ("鲁A11111", "鲁A22222")]
    outcome = _import(write_list_csv(tmp_path / "车.csv", rows), Department.VEHICLES)
    assert outcome.exit_code == 0
    assert Row.objects.filter(id_number=number).count() == 2


def test_bad_enum_row_is_reported_and_the_valid_rows_kept(tmp_path):
    rows = [list_row(EDU), list_row(EDU, 学籍状态="在学"), list_row(EDU)]
    outcome = _import(write_list_csv(tmp_path / "l.csv", rows))
    assert (outcome.imported, outcome.rejected, outcome.exit_code) == (2, 1, 1)
    assert sorted(Row.objects.values_list("row_no", flat=True)) == [2, 4]
    errors = read_report(outcome.report_path)["错误"]
    assert errors[0] == ("行号", "姓名", "列", "值", "原因")
    assert errors[1][:4] == (3, "王建国", "学籍状态", "在学")
    assert "不是可选值" in errors[1][4]


@pytest.mark.parametrize(
    ("department", "header", "value", "reason"),
    [
        (Department.DEATHS, "死亡日期", "2025-02-30", "不是有效日期"),
        (Department.DEATHS, "死亡日期", "", "不能为空"),
        (Department.DISABILITY, "护理补贴", "有", "应为“是”或“否”"),
        (Department.EDUCATION, "学校", "校" * 201, "不能超过 200 个字"),
        (Department.EDUCATION, "姓名", "", "不能为空"),
    ],
)
def test_bad_cell_rejects_its_row_with_the_reason(tmp_path, department, header, value, reason):
    rows = [list_row(department), list_row(department, **{header: value})]
    outcome = _import(write_list_csv(tmp_path / "l.csv", rows), department)
    assert (outcome.imported, outcome.rejected) == (1, 1)
    error = read_report(outcome.report_path)["错误"][1]
    assert (error[0], error[2]) == (3, header) and reason in error[4]


def test_command_exits_1_when_some_rows_were_rejected(tmp_path):
    path = write_list_csv(tmp_path / "l.csv", [list_row(EDU), list_row(EDU, 学籍状态="在学")])
    with pytest.raises(SystemExit) as exc:
        call_command("import", "department", "education", str(path), "--no-progress", verbosity=0)
    assert exc.value.code == 1
    assert Row.objects.count() == 1


def test_command_exits_0_and_prints_the_summary(tmp_path, capsys):
    path = write_list_xlsx(tmp_path / "l.xlsx", [list_row(EDU)])
    call_command(
        "import", "department", "education", str(path), "--as-of", "2026-01-05", "--source", "县教体局", "--no-progress"
    )
    out = capsys.readouterr().out
    batch = Batch.objects.get()
    assert f"批次号：{batch.pk}" in out and "数据日期：2026-01-05" in out and "部门：教体（education）" in out
    assert "证件号码无效行数：0" in out and "未导入行数（有错误）：0" in out
    assert batch.source == "县教体局"


def test_missing_required_header_is_unusable_and_writes_nothing(tmp_path):
    headers = [h for h in headers_for(EDU) if h != "学籍状态"]
    path = write_list_csv(tmp_path / "l.csv", [list_row(EDU)], headers=headers)
    with pytest.raises(CommandError) as exc:
        call_command("import", "department", "education", str(path), "--no-progress")
    assert exc.value.returncode == 2
    assert "缺少必需的列 学籍状态" in str(exc.value)
    assert not Batch.objects.exists() and not Row.objects.exists()


@pytest.mark.parametrize(("far", "dimension", "reason"), BOMBS.values(), ids=list(BOMBS))
def test_a_memory_bomb_workbook_exits_2_with_the_reason_and_writes_nothing(tmp_path, far, dimension, reason):
    path = two_cells(tmp_path / "教体.xlsx", far, dimension=dimension)
    with pytest.raises(CommandError) as exc:
        call_command("import", "department", "education", str(path), "--no-progress")
    assert exc.value.returncode == 2
    assert str(exc.value).startswith(f"文件无法导入：{reason}")
    assert not Batch.objects.exists() and not Row.objects.exists()


def test_another_departments_list_is_named_when_the_wrong_department_was_chosen(tmp_path):
    path = write_list_csv(tmp_path / "l.csv", [list_row(Department.DEATHS)])
    with pytest.raises(UnusableFile, match="公安/殡葬"):
        _import(path, EDU)


def test_unknown_headers_are_ignored_and_noted(tmp_path):
    path = write_list_csv(tmp_path / "l.csv", [list_row(EDU, 备注="x")])
    outcome = _import(path)
    assert outcome.exit_code == 0 and outcome.unknown_headers == ("备注",)
    notes = read_report(outcome.report_path)["提示"]
    assert notes[1][2] == "备注" and "未知的列" in notes[1][4]


def test_headers_only_is_unusable(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text(",".join(headers_for(EDU)) + "\n", encoding="utf-8")
    with pytest.raises(UnusableFile, match="没有数据行"):
        _import(path)
    assert not Batch.objects.exists()


def test_a_file_whose_every_row_is_rejected_makes_no_batch(tmp_path):
    path = write_list_csv(tmp_path / "l.csv", [list_row(EDU, 学籍状态="在学")])
    outcome = _import(path)
    assert outcome.batch_id is None and outcome.exit_code == 1
    assert not Batch.objects.exists()
    assert outcome.report_path is not None and outcome.report_path.exists()


def test_an_exception_mid_import_leaves_no_batch_and_no_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(list_import, "CHUNK_ROWS", 2)
    rows = [list_row(EDU) for _ in range(5)]
    calls = []

    def fail_on_second_chunk(done, total):
        calls.append(done)
        if len(calls) == 2:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        _import(write_list_csv(tmp_path / "l.csv", rows), progress=fail_on_second_chunk)
    assert not Batch.objects.exists() and not Row.objects.exists()


def test_reimporting_the_same_file_makes_a_new_batch_and_says_so(tmp_path):
    path = write_list_csv(tmp_path / "l.csv", [list_row(EDU)])
    first = _import(path)
    second = _import(path)
    assert second.batch_id != first.batch_id
    assert second.same_as_batch == first.batch_id
    assert Batch.objects.count() == 2 and Row.objects.count() == 2


def test_batch_keeps_the_first_and_last_id_of_its_rows(tmp_path):
    _import(write_list_csv(tmp_path / "a.csv", [list_row(EDU), list_row(EDU, 姓名="李秀英")]))
    path = write_list_csv(tmp_path / "b.csv", [list_row(EDU, 姓名=name) for name in ("张三", "李四", "王五")])
    batch = Batch.objects.get(pk=_import(path).batch_id)
    ids = sorted(batch.list_rows.values_list("id", flat=True))
    assert (batch.first_row, batch.last_row) == (ids[0], ids[-1])


def test_batch_records_file_hash_user_and_scope(tmp_path, users_by_role):
    clerk = users_by_role["department"].owner
    path = write_list_csv(tmp_path / "l.csv", [list_row(EDU)])
    _import(path, user=clerk, area_prefix=clerk.scope_prefix)
    batch = Batch.objects.get()
    assert (batch.file_name, batch.user, batch.area_prefix) == ("l.csv", clerk, clerk.scope_prefix)
    assert len(batch.sha256) == 64


def test_as_of_defaults_to_today(tmp_path):
    _import(write_list_csv(tmp_path / "l.csv", [list_row(EDU)]))
    assert Batch.objects.get().as_of == timezone.localdate()


def test_a_stale_report_is_removed_when_the_file_is_clean(tmp_path):
    path = write_list_csv(tmp_path / "l.csv", [list_row(EDU), list_row(EDU, 学籍状态="在学")])
    report = _import(path).report_path
    write_list_csv(path, [list_row(EDU)])
    assert _import(path).report_path is None
    assert report is not None and not report.exists()


def test_gb18030_csv_is_read(tmp_path):
    path = write_list_csv(tmp_path / "l.csv", [list_row(EDU)], encoding="gb18030")
    _import(path)
    assert Row.objects.get().text1 == "县第一中学"


def test_unknown_department_key_exits_2(tmp_path):
    path = write_list_csv(tmp_path / "l.csv", [list_row(EDU)])
    with pytest.raises(CommandError) as exc:
        call_command("import", "department", "police", str(path), "--no-progress")
    assert exc.value.returncode == 2 and "education" in str(exc.value)


def test_as_of_is_only_for_department_lists(tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command("import", "ledger", str(tmp_path / "l.csv"), "--as-of", "2026-01-05")
    assert exc.value.returncode == 2
