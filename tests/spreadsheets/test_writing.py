"""The shared export writing: printable streamed sheets, date cells, formula text kept as text, whole CSV files."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from jingzhun.spreadsheets.writing import (
    DATE_FORMAT,
    SHEET_MAX_ROWS,
    PrintedSheet,
    SheetFull,
    Shown,
    csv_file,
    display_width,
    sheet_rows_check,
)

from .printed import BOM, excel_time, print_setup, printed_as, row_look

BEIJING = dt.timezone(dt.timedelta(hours=8))


def _written(tmp_path, fill, **kwargs):
    workbook = Workbook(write_only=True)
    sheet = PrintedSheet(workbook, "表", widths=[12, 14, 20], **kwargs)
    fill(sheet)
    workbook.save(tmp_path / "t.xlsx")
    return load_workbook(tmp_path / "t.xlsx").active


def _table(sheet):
    sheet.header(["户编号", "日期", "时间"])
    sheet.append(["H1", dt.date(2026, 1, 5), dt.datetime(2026, 1, 5, 8, 30, 15, 999, tzinfo=BEIJING)])
    sheet.append(["H2", None, None])


def test_the_page_setup_lands_in_the_file(tmp_path):
    sheet = _written(tmp_path, _table)

    assert print_setup(sheet) == printed_as(header_row=1, freeze="A2")


def test_a_header_under_a_title_is_the_printed_title_row(tmp_path):
    def fill(sheet):
        sheet.title("标题")
        sheet.note(["导出日期", dt.date(2026, 1, 5)])
        _table(sheet)

    sheet = _written(tmp_path, fill, header_row=3, freeze="B4")

    assert print_setup(sheet) == printed_as(header_row=3, freeze="B4")


def test_a_header_on_another_row_than_declared_is_refused(tmp_path):
    sheet = PrintedSheet(Workbook(write_only=True), "表", widths=[10], header_row=2)

    with pytest.raises(ValueError, match="row 2"):
        sheet.header(["户编号"])


def test_column_widths(tmp_path):
    sheet = _written(tmp_path, _table)

    assert [sheet.column_dimensions[c].width for c in "ABC"] == [12, 14, 20]


def test_the_header_is_bold_and_every_table_cell_bordered(tmp_path):
    sheet = _written(tmp_path, _table)

    assert (row_look(sheet, 1), row_look(sheet, 3)) == ([(True, "thin")] * 3, [(False, "thin")] * 3)


def test_dates_are_date_cells_with_a_date_format(tmp_path):
    cell = _written(tmp_path, _table)["B2"]

    assert (cell.data_type, cell.number_format, cell.value) == ("d", DATE_FORMAT, excel_time(2026, 1, 5))


def test_a_time_is_written_as_its_wall_clock_time_to_the_second(tmp_path):
    cell = _written(tmp_path, _table)["C2"]

    assert (cell.data_type, cell.number_format, cell.value) == (
        "d",
        "yyyy-mm-dd hh:mm:ss",
        excel_time(2026, 1, 5, 8, 30, 15),
    )


def test_a_date_outside_the_table_is_a_date_cell_too(tmp_path):
    def fill(sheet):
        sheet.note(["导出日期", dt.date(2026, 1, 5)])

    cell = _written(tmp_path, fill, header_row=0)["B1"]

    assert (cell.is_date, cell.value) == (True, excel_time(2026, 1, 5))


def test_a_date_with_a_remark_stays_a_date(tmp_path):
    def fill(sheet):
        sheet.header(["期限"])
        sheet.append([Shown(dt.date(2026, 2, 1), f'{DATE_FORMAT}"（估算）"')])

    cell = _written(tmp_path, fill)["A2"]

    assert (cell.is_date, cell.number_format) == (True, 'yyyy-mm-dd"（估算）"')


@pytest.mark.parametrize("text", ["=1+1", "+86 138", "-2", "@SUM(A1)"])
def test_formula_text_is_a_quoted_string_cell(tmp_path, text):
    def fill(sheet):
        sheet.header(["姓名"])
        sheet.append([text])

    cell = _written(tmp_path, fill)["A2"]

    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)


@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.text(alphabet="张三abc1", max_size=4), st.integers(-9, 9)),
            st.one_of(st.none(), st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 1, 1))),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_every_row_reads_back_as_written_although_cells_are_reused(rows):
    workbook = Workbook(write_only=True)
    sheet = PrintedSheet(workbook, "表", widths=[10, 12])
    sheet.header(["值", "日期"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)

    back = list(load_workbook(buffer).active.iter_rows(min_row=2, values_only=True))
    expected = [
        (None if value == "" else value, None if day is None else dt.datetime.combine(day, dt.time()))
        for value, day in rows
    ]
    assert back == expected


def test_an_unbordered_sheet_still_writes_dates_as_dates_and_formula_text_as_text(tmp_path):
    def fill(sheet):
        sheet.header(["户编号", "日期", "时间"])
        sheet.append(["=1+1", dt.date(2026, 1, 5), excel_time(2026, 1, 5, 8, 30)])

    sheet = _written(tmp_path, fill, bordered=False)

    assert [(c.value, c.data_type, c.number_format, c.quotePrefix) for c in sheet[2]] == [
        ("=1+1", "s", "General", True),
        (excel_time(2026, 1, 5), "d", DATE_FORMAT, False),
        (excel_time(2026, 1, 5, 8, 30), "d", "yyyy-mm-dd hh:mm:ss", False),
    ]
    assert row_look(sheet, 2) == [(False, None)] * 3


def test_display_width_counts_chinese_as_two():
    assert (display_width("证件号码"), display_width("ID 1"), display_width("（估算）")) == (8, 4, 8)


@pytest.mark.parametrize(("bom", "start"), [(True, BOM + "户编号".encode()), (False, "户编号".encode())])
def test_csv_file_starts_with_the_bom_when_asked(tmp_path, bom, start):
    with csv_file(tmp_path / "a.csv", bom=bom) as stream:
        stream.write("户编号\n")

    assert (tmp_path / "a.csv").read_bytes().startswith(start)


def test_a_failed_csv_leaves_the_old_file_and_no_temporary_one(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a.csv").write_text("旧文件", encoding="utf-8")

    with pytest.raises(RuntimeError), csv_file(folder / "a.csv", bom=True) as stream:
        stream.write("半截")
        raise RuntimeError

    assert [(p.name, p.read_text(encoding="utf-8")) for p in folder.iterdir()] == [("a.csv", "旧文件")]


def test_a_sheet_refuses_the_row_past_excels_last(monkeypatch):
    monkeypatch.setattr("jingzhun.spreadsheets.writing.SHEET_MAX_ROWS", 3)
    workbook = Workbook(write_only=True)
    sheet = PrintedSheet(workbook, "表", widths=[12])
    sheet.header(["户编号"])
    sheet.append(["H1"])
    sheet.append(["H2"])
    with pytest.raises(SheetFull, match="最多 3 行"):
        sheet.append(["H3"])
    sheet.sheet.close()


def test_a_table_too_long_for_a_sheet_is_refused_before_it_is_written():
    sheet_rows_check(SHEET_MAX_ROWS)
    with pytest.raises(SheetFull, match="共 1,048,577 行"):
        sheet_rows_check(SHEET_MAX_ROWS + 1)
