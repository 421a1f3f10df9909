"""Ledger export: same layout back, round trip exact, formulas neutralised, exports logged."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from jingzhun.accounts.models import AccessLog
from jingzhun.registry.models import ChangeRecord, Member
from jingzhun.registry.services import ledger_export, ledger_import
from tests.spreadsheets.printed import BOM, print_setup, printed_as, row_look

from .ledger_files import HEADERS, family, household_row, write_csv

pytestmark = pytest.mark.django_db


def read_csv(path):
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_export_writes_the_import_layout(tmp_path):
    ledger_import(path=write_csv(tmp_path / "in.csv", family("H001")))

    ledger_export(path=tmp_path / "out.csv")

    assert read_csv(tmp_path / "out.csv")[0] == HEADERS


def test_csv_round_trip_is_byte_identical(tmp_path):
    source = write_csv(tmp_path / "in.csv", family("H001") + family("H002", 生产经营性收入="-250.5"))
    ledger_import(path=source)

    ledger_export(path=tmp_path / "out.csv")

    assert (tmp_path / "out.csv").read_bytes() == source.read_bytes()


def test_xlsx_export_reimports_without_changes(tmp_path):
    ledger_import(path=write_csv(tmp_path / "in.csv", family("H001") + family("H002")))
    ledger_export(path=tmp_path / "out.xlsx")

    outcome = ledger_import(path=tmp_path / "out.xlsx")

    assert (outcome.unchanged, outcome.updated, outcome.exit_code) == (2, 0, 0)
    assert not ChangeRecord.objects.exists()


def test_csv_starts_with_the_bom_excel_needs_for_chinese(tmp_path):
    ledger_import(path=write_csv(tmp_path / "in.csv", family("H001")))

    ledger_export(path=tmp_path / "out.csv")

    assert (tmp_path / "out.csv").read_bytes().startswith(BOM + "户编号,".encode())


def _exported_sheet(tmp_path):
    ledger_import(path=write_csv(tmp_path / "in.csv", family("H001")))
    ledger_export(path=tmp_path / "out.xlsx")
    return load_workbook(tmp_path / "out.xlsx").active


def test_xlsx_prints_landscape_on_the_page_width_with_the_header_frozen_and_repeated(tmp_path):
    sheet = _exported_sheet(tmp_path)

    assert print_setup(sheet) == printed_as(header_row=1, freeze="A2")


def test_xlsx_header_is_bold_and_the_rows_plain(tmp_path):
    sheet = _exported_sheet(tmp_path)

    assert (row_look(sheet, 1), row_look(sheet, 2)) == ([(True, "thin")] * len(HEADERS), [(False, None)] * len(HEADERS))


def test_xlsx_columns_are_wide_enough_for_their_header_and_id_numbers(tmp_path):
    sheet = _exported_sheet(tmp_path)

    widths = {
        header: sheet.column_dimensions[cell.column_letter].width
        for header, cell in zip(HEADERS, sheet[1], strict=True)
    }
    assert (widths["证件号码"], widths["生产经营性收入"], widths["贫困户状态"], widths["务工月数"]) == (20, 16, 22, 10)


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)"])
def test_formula_text_is_neutralised_in_csv_and_restored_on_import(tmp_path, name):
    ledger_import(path=write_csv(tmp_path / "in.csv", [household_row("H001", 姓名=name)]))

    ledger_export(path=tmp_path / "out.csv")
    cell = read_csv(tmp_path / "out.csv")[1][HEADERS.index("姓名")]
    Member.objects.update(name="placeholder")
    ledger_import(path=tmp_path / "out.csv")

    assert cell == "'" + name
    assert Member.objects.get().name == name


def test_formula_text_is_a_quoted_string_cell_in_xlsx(tmp_path):
    ledger_import(path=write_csv(tmp_path / "in.csv", [household_row("H001", 姓名="=1+1")]))
    ledger_export(path=tmp_path / "out.xlsx")

    cell = load_workbook(tmp_path / "out.xlsx").active.cell(row=2, column=HEADERS.index("姓名") + 1)
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=1+1", "s", True)


def test_export_is_limited_to_the_area(tmp_path):
    other = household_row("H002", 村代码="370126101201", 行政村="李家村")
    ledger_import(path=write_csv(tmp_path / "in.csv", [*family("H001"), other]))

    outcome = ledger_export(path=tmp_path / "out.csv", area_prefix="370126")

    assert (outcome.households, outcome.rows) == (1, 1)


def test_export_is_recorded_in_the_access_log(tmp_path):
    ledger_import(path=write_csv(tmp_path / "in.csv", family("H001")))

    ledger_export(path=tmp_path / "out.csv")

    entry = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (entry.action, entry.detail["rows"]) == ("export", 2)
    assert entry.actor.startswith("cli:")


def test_access_log_entries_cannot_be_changed(tmp_path):
    ledger_import(path=write_csv(tmp_path / "in.csv", family("H001")))
    ledger_export(path=tmp_path / "out.csv")
    entry = AccessLog.objects.get(action=AccessLog.Action.EXPORT)

    with pytest.raises(PermissionError):
        entry.save()
