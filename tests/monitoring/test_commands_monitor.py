from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import load_workbook

from jingzhun.accounts.models import AccessLog
from jingzhun.monitoring.models import MonitoringCase
from jingzhun.policy.services import assessment_run
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory
from tests.spreadsheets.printed import BOM, excel_time, print_setup, printed_as, row_look

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(users_by_role):
    home = HouseholdFactory(village=users_by_role.village_a, poverty_status="exited", household_no="H0001")
    MemberFactory(household=home, labor="ordinary", name="张三")
    IncomeFactory(household=home, year=2020, wage=Decimal("3000"), business_income=0, business_expense=0, pension=0)
    assessment_run(year=2020)
    return home


def test_monitor_open_reports_what_it_did(flagged, capsys):
    call_command("monitor", "open", "--year", "2020")
    out = capsys.readouterr().out
    assert "可纳入监测的预警户 1 户；新开监测记录 1 户，并入已有监测记录 0 户" in out


def test_monitor_open_twice_opens_nothing_the_second_time(flagged, capsys):
    call_command("monitor", "open", "--year", "2020")
    call_command("monitor", "open", "--year", "2020")
    assert "新开监测记录 0 户" in capsys.readouterr().out
    assert MonitoringCase.objects.count() == 1


def test_monitor_open_without_a_run_exits_2(db):
    with pytest.raises(CommandError, match="没有 2020 年已完成的评估批次") as error:
        call_command("monitor", "open", "--year", "2020")
    assert error.value.returncode == 2


def test_export_monitoring_csv_has_one_row_per_case(flagged, tmp_path):
    call_command("monitor", "open", "--year", "2020")
    out = tmp_path / "monitoring.csv"
    call_command("export", "monitoring", str(out))
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["household_no", "category", "risk_types", "channel", "stage", "opened", "deadline", "tier"]
    case = MonitoringCase.objects.get()
    assert rows[1:] == [
        [
            "H0001",
            "脱贫不稳定户",
            ";".join(case.risk_types),
            "部门筛查预警",
            "已发现",
            case.opened_on.isoformat(),
            case.decision_due.isoformat(),
            "C",
        ]
    ]
    assert case.opened_on == timezone.localdate()


def test_export_monitoring_xlsx_is_the_office_layout_and_is_logged(flagged, tmp_path):
    call_command("monitor", "open", "--year", "2020")
    out = tmp_path / "monitoring.xlsx"
    call_command("export", "monitoring", str(out))
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].endswith("防止返贫监测对象台账")
    assert rows[2][:4] == ("户编号", "行政区划代码", "村名称", "户主姓名")
    assert rows[3][0] == "H0001" and rows[3][3] == "张三"
    assert rows[-1][0] == "合计：1 户"
    assert AccessLog.objects.filter(action="export", target="monitoring:*").exists()


def test_export_instant_help_lists_tiered_cases(flagged, tmp_path):
    call_command("monitor", "open", "--year", "2020")
    out = tmp_path / "help.csv"
    call_command("export", "instant-help", str(out))
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:3] == ["household_no", "category", "tier"]
    assert rows[1][:3] == ["H0001", "脱贫不稳定户", "C"]
    assert rows[1][7] == "待响应"


@pytest.mark.parametrize(
    ("kind", "header"), [("monitoring", b"household_no,category,"), ("instant-help", b"household_no,")]
)
def test_export_csv_starts_with_the_bom_excel_needs_for_chinese(flagged, tmp_path, kind, header):
    call_command("monitor", "open", "--year", "2020")
    out = tmp_path / "ledger.csv"
    call_command("export", kind, str(out))
    assert out.read_bytes().startswith(BOM + header)


def _office_sheet(kind, tmp_path):
    call_command("monitor", "open", "--year", "2020")
    out = tmp_path / "ledger.xlsx"
    call_command("export", kind, str(out))
    return load_workbook(out).active


@pytest.mark.parametrize("kind", ["monitoring", "instant-help"])
def test_export_xlsx_prints_landscape_with_the_header_row_on_every_page(flagged, tmp_path, kind):
    sheet = _office_sheet(kind, tmp_path)
    assert print_setup(sheet) == printed_as(header_row=3, freeze="B4")


def test_export_xlsx_header_is_bold_and_the_rows_bordered(flagged, tmp_path):
    sheet = _office_sheet("monitoring", tmp_path)
    width = sheet.max_column
    assert (row_look(sheet, 3), row_look(sheet, 4)[:width]) == ([(True, "thin")] * width, [(False, "thin")] * width)


def test_export_xlsx_writes_dates_as_date_cells(flagged, tmp_path):
    sheet = _office_sheet("monitoring", tmp_path)
    case = MonitoringCase.objects.get()
    headers = [cell.value for cell in sheet[3]]
    opened = sheet.cell(row=4, column=headers.index("发现日期") + 1)
    exported = sheet["B2"]
    assert (opened.value.date(), opened.number_format) == (case.opened_on, "yyyy-mm-dd")
    assert (sheet["A2"].value, exported.value.date(), exported.number_format) == (
        "导出日期",
        timezone.localdate(),
        "yyyy-mm-dd",
    )


def test_export_xlsx_an_estimated_deadline_is_a_date_marked_as_estimated(flagged, tmp_path):
    call_command("monitor", "open", "--year", "2020")
    MonitoringCase.objects.update(decision_due=dt.date(2027, 1, 4), decision_due_estimated=True)
    out = tmp_path / "ledger.xlsx"
    call_command("export", "monitoring", str(out))
    sheet = load_workbook(out).active
    headers = [cell.value for cell in sheet[3]]
    cell = sheet.cell(row=4, column=headers.index("认定期限") + 1)
    assert (cell.value, cell.number_format) == (excel_time(2027, 1, 4), 'yyyy-mm-dd"（估算）"')


def test_export_instant_help_xlsx_writes_its_dates_as_date_cells(flagged, tmp_path):
    sheet = _office_sheet("instant-help", tmp_path)
    case = MonitoringCase.objects.get()
    headers = [cell.value for cell in sheet[3]]
    due = sheet.cell(row=4, column=headers.index("响应期限") + 1)
    assert (due.value.date(), due.number_format) == (case.help_due, "yyyy-mm-dd")


def test_monitor_overdue_lists_late_decisions(flagged, capsys):
    call_command("monitor", "open", "--year", "2020")
    MonitoringCase.objects.update(decision_due=timezone.localdate() - dt.timedelta(days=3))
    call_command("monitor", "overdue")
    out = capsys.readouterr().out
    assert "逾期未办的监测记录：1 户" in out
    assert "逾期 3 天" in out
