"""Workbooks that would take far more memory to read than their content are refused before calamine reads them
(issue 24): whatever the sheet's shape, declared range or way of writing its cells."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import zipfile

import pytest
from openpyxl import Workbook

from jingzhun.spreadsheets import xlsx_shape
from jingzhun.spreadsheets.reading import UnusableFile, open_table
from jingzhun.spreadsheets.xlsx_shape import check_xlsx_shape

from .workbooks import HEADER, MAIN, sheet, sheet_data, two_cells, value, workbook


def refusal(path) -> str:
    with pytest.raises(UnusableFile) as exc:
        open_table(path)
    return str(exc.value)


def rows_of(path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    with open_table(path) as table:
        return table.headers, list(table.rows)


# -- the hostile shapes -------------------------------------------------------------------------------------


def test_values_at_a1_and_xfd1048576_are_refused_by_the_declared_range(tmp_path):
    path = two_cells(tmp_path / "l.xlsx", "XFD1048576", dimension="A1:XFD1048576")
    assert path.stat().st_size < 2000  # calamine asked for 549 GB for it
    assert refusal(path).startswith("工作表声明的使用范围是 A1:XFD1048576，超过上限（最多 256 列、1048576 行）")


def test_values_at_a1_and_zz200000_are_refused_by_the_declared_range(tmp_path):
    path = two_cells(tmp_path / "l.xlsx", "ZZ200000", dimension="A1:ZZ200000")  # 4.5 GB for calamine
    assert refusal(path).startswith("工作表声明的使用范围是 A1:ZZ200000")


def test_a_sheet_without_a_declared_range_is_judged_by_its_cells(tmp_path):
    path = two_cells(tmp_path / "l.xlsx", "ZZ200000")
    assert refusal(path).startswith("工作表第 ZZ 列（第 702 列）有内容，超过上限 256 列（IV 列）")


def test_a_declared_range_that_lies_is_not_trusted(tmp_path):
    path = two_cells(tmp_path / "l.xlsx", "XFD1048576", dimension="A1:B2")
    assert refusal(path).startswith("工作表第 XFD 列（第 16384 列）有内容，超过上限 256 列")


def test_a_mostly_empty_sheet_within_the_column_limit_is_refused(tmp_path):
    path = two_cells(tmp_path / "l.xlsx", "IV1000000")  # 8 GB for calamine
    assert refusal(path).startswith(
        "工作表中有内容的单元格只有 2 个，却分布在 A1:IV1000000 这么大的范围里（大部分是空白）"
    )


def test_one_value_far_down_the_second_column_is_refused(tmp_path):
    path = two_cells(tmp_path / "l.xlsx", "B900000")
    assert "只有 2 个，却分布在 A1:B900000" in refusal(path)


def test_a_row_beyond_excels_last_is_refused(tmp_path):
    path = two_cells(tmp_path / "l.xlsx", "A1048577")
    assert refusal(path).startswith("工作表第 1048577 行有内容，超过 Excel 的上限 1048576 行")


def test_cells_without_references_are_placed_one_after_the_other(tmp_path):
    # calamine puts a cell without r after the one before it in the row, and a row without r after the last.
    data = "<sheetData><row><c><v>1</v></c></row>" + "<row/>" * 30000 + "<row>" + "<c/>" * 255 + "<c><v>1</v></c></row>"
    path = workbook(tmp_path / "l.xlsx", sheet(data + "</sheetData>"))
    assert "只有 2 个，却分布在 A1:IV30002" in refusal(path)


def test_prefixed_element_names_are_read_as_calamine_reads_them(tmp_path):
    data = (
        f'<x:sheetData xmlns:x="{MAIN}"><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>'
        '<x:row r="200000"><x:c r="IV200000"><x:v>1</x:v></x:c></x:row></x:sheetData>'
    )
    assert "却分布在 A1:IV200000" in refusal(workbook(tmp_path / "l.xlsx", sheet(data)))


def test_a_value_whose_reference_names_another_row_is_placed_by_its_reference(tmp_path):
    data = f'<sheetData><row r="1">{value("A1", HEADER)}{value("IV900000", 1)}</row></sheetData>'
    assert "却分布在 A1:IV900000" in refusal(workbook(tmp_path / "l.xlsx", sheet(data)))


def test_values_in_any_order_are_all_seen(tmp_path):
    data = f'<sheetData><row r="900000">{value("IV900000", 1)}</row><row r="1">{value("A1", HEADER)}</row></sheetData>'
    assert "却分布在 A1:IV900000" in refusal(workbook(tmp_path / "l.xlsx", sheet(data)))


def test_a_cell_with_two_references_is_refused(tmp_path):
    # calamine takes the last r: the cell would be at IV900000 while the first r says A1.
    data = '<sheetData><row r="1"><c r="A1" r="IV900000"><v>1</v></c></row></sheetData>'
    assert refusal(workbook(tmp_path / "l.xlsx", sheet(data))).startswith("工作表不是规范的 XML（duplicate attribute")


def test_a_comment_between_the_rows_does_not_hide_anything(tmp_path):
    data = f'<sheetData><row r="1">{value("A1", HEADER)}</row><!-- x --><row r="900000">{value("IV900000", 1)}</row></sheetData>'
    assert "却分布在 A1:IV900000" in refusal(workbook(tmp_path / "l.xlsx", sheet(data)))


def test_a_sheet_with_a_dtd_is_refused(tmp_path):
    xml = (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY far "x">]>' + sheet(sheet_data(("A1", 1))).split("?>", 1)[1]
    )
    assert refusal(workbook(tmp_path / "l.xlsx", xml)) == "Excel 文件含有 DTD 声明，已拒绝"


def test_a_utf16_sheet_is_read_too(tmp_path):
    xml = sheet(sheet_data(("A1", HEADER), ("IV900000", 1))).replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = workbook(tmp_path / "l.xlsx", xml.encode("utf-16"))
    assert "却分布在 A1:IV900000" in refusal(path)


def test_the_workbook_is_found_where_the_package_says(tmp_path):
    bomb = sheet(sheet_data(("A1", HEADER), ("IV900000", 1)))
    path = workbook(tmp_path / "l.xlsx", bomb, office_dir="data/", extra={"xl/styles.xml": "<styleSheet/>"})
    assert "却分布在 A1:IV900000" in refusal(path)


def test_a_second_workbook_where_older_readers_look_is_checked_too(tmp_path):
    # The package names data/workbook.xml; a reader that looks in xl/ regardless finds the bomb there.
    bomb = sheet(sheet_data(("A1", HEADER), ("IV900000", 1)))
    rels = (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    )
    decoy = f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="x"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>'
    extra = {"xl/workbook.xml": decoy, "xl/_rels/workbook.xml.rels": rels, "xl/worksheets/sheet1.xml": bomb}
    path = workbook(tmp_path / "l.xlsx", sheet(sheet_data(("A1", HEADER))), office_dir="data/", extra=extra)
    assert "却分布在 A1:IV900000" in refusal(path)


def test_two_parts_whose_names_differ_only_in_case_are_refused(tmp_path):
    path = workbook(
        tmp_path / "l.xlsx",
        sheet(sheet_data(("A1", HEADER))),
        extra={"XL/Worksheets/Sheet1.xml": sheet("<sheetData/>")},
    )
    assert refusal(path) == "Excel 文件中有两个同名的部件“XL/Worksheets/Sheet1.xml”，文件不是有效的工作簿"


def test_a_shared_string_table_of_empty_entries_is_refused(tmp_path, monkeypatch):
    # calamine keeps a 24-byte string for each <si/> (5 bytes of XML); the table may not outgrow the cell limit.
    monkeypatch.setattr(xlsx_shape, "MAX_CELLS", 1000)
    strings = f'<sst xmlns="{MAIN}">' + "<si/>" * 1001 + "</sst>"
    path = workbook(tmp_path / "l.xlsx", sheet(sheet_data(("A1", HEADER))), shared_strings=strings)
    assert refusal(path) == "Excel 文件的共享文本表有超过 1000 个条目，超过上限，已拒绝"


def test_a_dense_sheet_over_the_cell_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_shape, "MAX_CELLS", 50)
    cells = [(f"{col}{row}", 1) for row in range(1, 11) for col in "ABCDEFGHIJ"]
    path = workbook(tmp_path / "l.xlsx", sheet(sheet_data(*cells)))
    assert refusal(path) == "工作表的数据区 A1:J10 有 100 个单元格，超过上限 50 个，请分成几个文件导入"


def test_reading_a_memory_bomb_stays_within_a_gigabyte(tmp_path):
    # Before the check calamine asked for 4.5 GB here; under a 1 GiB address-space limit it aborted the process.
    path = two_cells(tmp_path / "l.xlsx", "ZZ200000", dimension="A1:B2")
    script = (
        "import django; django.setup()\n"
        "from jingzhun.spreadsheets.reading import open_table, UnusableFile\n"
        f"try:\n    open_table(__import__('pathlib').Path(r'{path}'))\n"
        "except UnusableFile as exc:\n    print(exc)\n    raise SystemExit(2)\n"
    )

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jingzhun.settings", "JINGZHUN_DATA_DIR": str(tmp_path)}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], preexec_fn=limit, env=env, capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout.split("，")[0]) == (2, "工作表第 ZZ 列（第 702 列）有内容")


def test_a_sheet_whose_compressed_data_is_corrupt_is_refused(tmp_path):
    path = workbook(tmp_path / "l.xlsx", sheet(sheet_data(*((f"A{n}", f"王{n}") for n in range(1, 2000)))))
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[middle : middle + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    assert refusal(path).startswith("Excel 文件已损坏，无法读取")


# -- what is not refused --------------------------------------------------------------------------------------


def test_a_formatted_empty_cell_far_away_is_not_a_value(tmp_path):
    # Excel writes a cell someone formatted and left empty; calamine skips it, so does the check.
    data = sheet_data(("A1", HEADER), ("A2", "H1"))[: -len("</sheetData>")]
    data += '<row r="1048576"><c r="XFD1048576" s="1"/></row></sheetData>'
    assert rows_of(workbook(tmp_path / "l.xlsx", sheet(data))) == ([HEADER], [(2, ["H1"])])


def test_a_formula_without_a_value_far_away_is_not_a_value(tmp_path):
    data = (
        sheet_data(("A1", HEADER))[: -len("</sheetData>")]
        + '<row r="900000"><c r="IV900000"><f>A1</f></c></row></sheetData>'
    )
    assert rows_of(workbook(tmp_path / "l.xlsx", sheet(data))) == ([HEADER], [])


def _ledger_like(path, *, write_only: bool) -> None:
    book = Workbook(write_only=write_only)
    ws = book.create_sheet() if write_only else book.active
    ws.append(["户编号", "姓名", *[f"列{n}" for n in range(40)]])
    for n in range(300):
        ws.append([f"H{n:04d}", "王建国", *[n if k % 3 else "" for k in range(40)], 3.5, None])
    book.save(path)


@pytest.mark.parametrize("write_only", [False, True])
def test_a_workbook_openpyxl_writes_is_read_by_the_fast_reader(tmp_path, write_only):
    path = tmp_path / "l.xlsx"
    _ledger_like(path, write_only=write_only)
    with zipfile.ZipFile(path) as zf, zf.open("xl/worksheets/sheet1.xml") as stream:
        fast = xlsx_shape._FastReader().read(stream)
    with zipfile.ZipFile(path) as zf, zf.open("xl/worksheets/sheet1.xml") as stream:
        exact = xlsx_shape._ExactReader().read(stream)
    assert fast is not None
    assert (fast.rows, fast.values) == (exact.rows, exact.values)
    assert (exact.rows, exact.columns) == (301, 43)
    assert 43 <= fast.columns <= 44  # a bound: openpyxl's declared range counts the None at the end of a row
    assert exact.values >= 42 + 300 * (2 + 26 + 1)
    assert check_xlsx_shape(path) == fast
