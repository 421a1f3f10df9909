"""Files that cannot be imported at all: exit code 2, a Chinese reason, nothing written."""

from __future__ import annotations

import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.registry.models import Household, ImportBatch
from jingzhun.registry.services import ledger_import
from jingzhun.spreadsheets.reading import OLE2_MAGIC, UnusableFile
from tests.spreadsheets.workbooks import BOMBS, two_cells

from .ledger_files import HEADERS, family, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def refusal(path) -> str:
    with pytest.raises(UnusableFile) as exc:
        ledger_import(path=path)
    assert not Household.objects.exists()
    assert not ImportBatch.objects.exists()
    return str(exc.value)


def test_wrong_file_kind(tmp_path):
    path = tmp_path / "ledger.txt"
    path.write_text("户编号\n")
    assert "只能导入 .xlsx 或 .csv" in refusal(path)


def test_old_xls_format(tmp_path):
    path = tmp_path / "ledger.xls"
    path.write_bytes(OLE2_MAGIC + b"\0" * 512)
    assert "不支持旧版 .xls" in refusal(path)


def test_password_protected_workbook(tmp_path):
    # Excel saves a workbook with an opening password as an OLE2 container, not a zip.
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(OLE2_MAGIC + b"\0" * 512)
    assert "文件已加密" in refusal(path)


def test_corrupt_xlsx(tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"garbage" * 50)
    assert "已损坏" in refusal(path)


def test_xlsx_that_is_not_a_zip(tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_text("户编号,姓名\n")
    assert "不是 Excel 工作簿" in refusal(path)


def test_zip_bomb_is_refused_by_ratio(tmp_path):
    path = tmp_path / "ledger.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", "0" * 20_000_000)
    assert "压缩比异常" in refusal(path)


def test_zip_of_many_empty_members_is_refused_before_its_directory_is_read(tmp_path):
    path = tmp_path / "ledger.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        for n in range(100_000):  # 5.5 MB of directory (a zip64 one: more than 65,535 members)
            zf.writestr(f"xl/{n:06d}", b"")
    assert refusal(path) == "Excel 文件的目录有 5 MB（成千上万个部件），超过上限 4 MB，不是台账工作簿，已拒绝"


def test_a_file_over_the_browsers_upload_cap_is_read_from_the_command_line(tmp_path, settings):
    settings.JINGZHUN_MAX_UPLOAD_BYTES = 100  # the cap is the browser's (core.uploads), not the reader's
    path = write_csv(tmp_path / "l.csv", family("H001"))
    assert path.stat().st_size > 100
    call_command("import", "ledger", str(path))
    assert Household.objects.filter(household_no="H001").exists()


def test_missing_required_headers_are_named(tmp_path):
    path = write_csv(
        tmp_path / "l.csv", family("H001"), headers=[h for h in HEADERS if h not in ("证件号码", "村代码")]
    )
    assert refusal(path) == "不是贫困人口台账：缺少必需的列 村代码、证件号码"


def test_duplicate_header(tmp_path):
    path = write_csv(tmp_path / "l.csv", family("H001"), headers=[*HEADERS, "姓名"])
    assert "表头“姓名”出现了两次" in refusal(path)


def test_empty_file(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes(b"")
    assert "没有表头" in refusal(path)


def test_undecodable_text(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes(b"\xff\xfe\xfa\xfb" * 100)
    assert "编码" in refusal(path)


def test_a_late_encoding_fault_rolls_back_everything(tmp_path):
    path = write_csv(tmp_path / "l.csv", family("H001") * 1)
    # Valid UTF-8 for the first megabyte, then bytes that are not.
    with path.open("ab") as f:
        f.write(("H002," * 10 + "\n").encode() * 70_000)
        f.write(b"H003,\xff\xfe\n")
    assert "编码" in refusal(path)


def test_a_cell_longer_than_the_csv_field_limit_names_its_row(tmp_path):
    rows = family("H001") + family("H002")
    rows[2]["行政村"] = "村" * 200_000
    path = write_csv(tmp_path / "l.csv", rows)

    assert refusal(path) == "CSV 文件第 4 行有单元格超过 131072 个字符，不是台账的内容"


def test_command_exits_2_with_the_reason(tmp_path):
    path = tmp_path / "ledger.txt"
    path.write_text("x")
    with pytest.raises(CommandError) as exc:
        call_command("import", "ledger", str(path))
    assert exc.value.returncode == 2
    assert "文件无法导入" in str(exc.value)


@pytest.mark.parametrize(("far", "dimension", "reason"), BOMBS.values(), ids=list(BOMBS))
def test_a_memory_bomb_workbook_exits_2_with_the_reason_and_writes_nothing(tmp_path, far, dimension, reason):
    (tmp_path / "in").mkdir()
    path = two_cells(tmp_path / "in" / "台账.xlsx", far, dimension=dimension)
    with pytest.raises(CommandError) as exc:
        call_command("import", "ledger", str(path), "--no-progress")
    assert exc.value.returncode == 2
    assert str(exc.value).startswith(f"文件无法导入：{reason}")
    assert not Household.objects.exists() and not ImportBatch.objects.exists()
    assert list(path.parent.iterdir()) == [path]  # no error report either


def test_csv_line_of_commas_is_refused_without_reading_it_whole(tmp_path):
    path = write_csv(tmp_path / "l.csv", family("H001"))
    with path.open("a") as f:
        f.write("," * 3_000_000)  # 3 million cells in one line: a list of 24 MB, 8 bytes a cell
    assert refusal(path) == "CSV 文件第 4 行超过 1048576 个字符，不是台账的内容（文件损坏或类型不符）"


def test_csv_row_with_too_many_columns_is_refused(tmp_path):
    path = write_csv(tmp_path / "l.csv", family("H001"))
    with path.open("a") as f:
        f.write("H002" + "," * 300 + "\n")
    assert refusal(path) == "CSV 文件第 4 行有 301 列，超过上限 256 列；台账只有几十列，请删除多余的列后再导入"


def test_csv_header_with_too_many_columns_is_refused(tmp_path):
    path = write_csv(tmp_path / "l.csv", family("H001"), headers=[*HEADERS, *(f"列{n}" for n in range(250))])
    assert refusal(path).startswith("CSV 文件第 1 行有 294 列，超过上限 256 列")


def test_csv_record_spanning_many_lines_is_refused(tmp_path):
    # A quoted cell may hold line breaks: a record's lines are counted together (600,000 short cells here).
    path = write_csv(tmp_path / "l.csv", family("H001"))
    with path.open("a") as f:
        f.write("H002," + '"x\n",' * 600_000 + "\n")
    assert refusal(path).startswith("CSV 文件第 4 行超过 1048576 个字符")


def test_command_exits_1_when_some_households_were_rejected(tmp_path):
    rows = family("H001") + family("H002", 务工月数="13")
    with pytest.raises(SystemExit) as exc:
        call_command("import", "ledger", str(write_csv(tmp_path / "l.csv", rows)), "--no-progress")
    assert exc.value.code == 1
    assert Household.objects.count() == 1


def test_command_exits_0_when_everything_was_imported(tmp_path):
    call_command("import", "ledger", str(write_xlsx(tmp_path / "l.xlsx", family("H001"))), "--no-progress")
    assert Household.objects.count() == 1
