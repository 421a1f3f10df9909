"""The import error report workbook: printable sheets, bold frozen header, times as date cells."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook

from jingzhun.spreadsheets.report import write_report

from .printed import excel_time, print_setup, printed_as, row_look


def _report(tmp_path):
    path = tmp_path / "l.错误报告.xlsx"
    write_report(
        path,
        errors=[(2, "H001", "证件号码", "37012519800101001", "证件号码应为 18 位")],
        warnings=[(3, "H002", "备注", "", "未知的列，已忽略")],
        summary=[("导入时间", excel_time(2026, 1, 5, 9, 30)), ("数据日期", dt.date(2026, 1, 4)), ("数据行数", 2)],
    )
    return load_workbook(path)


def test_errors_and_warnings_print_with_their_header_on_every_page(tmp_path):
    workbook = _report(tmp_path)

    assert [print_setup(workbook[name]) for name in ("错误", "提示")] == [printed_as(header_row=1, freeze="A2")] * 2


def test_the_header_is_bold_and_the_rows_bordered(tmp_path):
    sheet = _report(tmp_path)["错误"]

    assert (row_look(sheet, 1), row_look(sheet, 2)) == ([(True, "thin")] * 5, [(False, "thin")] * 5)


def test_the_summary_writes_times_and_dates_as_date_cells(tmp_path):
    sheet = _report(tmp_path)["汇总"]

    cells = [(row[1].value, row[1].number_format) for row in sheet.iter_rows()]
    assert cells == [
        (excel_time(2026, 1, 5, 9, 30), "yyyy-mm-dd hh:mm:ss"),
        (excel_time(2026, 1, 4), "yyyy-mm-dd"),
        (2, "General"),
    ]


def test_the_value_a_user_typed_stays_text(tmp_path):
    cell = _report(tmp_path)["错误"]["D2"]

    assert (cell.value, cell.data_type) == ("37012519800101001", "s")
