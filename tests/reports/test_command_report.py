"""``jingzhun report``: the list of names, the population table's machine format (docs/LEDGER.md §7), the workbook,
and exit code 2 for unusable arguments."""

import csv

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from jingzhun.accounts.models import AccessLog

pytestmark = pytest.mark.django_db

THIS_YEAR = str(timezone.localdate().year)


def test_list_names_every_table(capsys):
    call_command("report", "list")
    assert capsys.readouterr().out.splitlines()[0].startswith("population\t")


def test_population_csv_is_the_machine_format(county, users_by_role, tmp_path):
    out = tmp_path / "population.csv"
    call_command("report", "population", "--year", THIS_YEAR, "--format", "csv", "--out", str(out))
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8").splitlines()))
    assert rows[0] == ["area_code", "level", "status", "households", "people"]
    county_a = users_by_role.county_a.code
    assert rows[1:7] == [
        [county_a, "county", "非贫困户", "1", "4"],
        [county_a, "county", "未脱贫", "1", "3"],
        [county_a, "county", "已脱贫(享受政策)", "3", "9"],
        [county_a, "county", "预脱贫", "1", "2"],
        [county_a, "county", "返贫", "1", "1"],
        [county_a, "county", "已脱贫(不再享受政策)", "1", "3"],
    ]
    assert len(rows) == 1 + 6 * (6 + 3)  # county A's six areas and county B's three, six statuses each


def test_the_area_narrows_the_rows(county, tmp_path):
    out = tmp_path / "town.csv"
    code = county["town_2"].code
    call_command("report", "population", "--year", THIS_YEAR, "--area", code, "--out", str(out))
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))[1:]
    assert {r[0] for r in rows} == {code, county["village_2"].code}


def test_an_area_name_that_looks_like_a_formula_is_written_as_text(county, tmp_path):
    village = county["village_2"]
    village.name = "=HYPERLINK(1)村"
    village.save()
    out = tmp_path / "causes.csv"
    call_command("report", "causes", "--year", THIS_YEAR, "--area", county["town_2"].code, "--out", str(out))
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert [r[2] for r in rows if r[0] == village.code] == ["'=HYPERLINK(1)村"]


def test_the_workbook_has_a_merged_title_a_two_row_header_and_the_total_first(county, users_by_role, tmp_path):
    out = tmp_path / "population.xlsx"
    call_command("report", "population", "--year", THIS_YEAR, "--area", users_by_role.county_a.code, "--out", str(out))
    sheet = load_workbook(out).active
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A3:A4", "B3:B4", "C3:D3"} <= merged
    assert any(r.startswith("A1:") for r in merged)
    assert sheet["A1"].value.endswith("建档立卡人口分布表（按贫困户状态和属性）")
    assert sheet["C2"].value == "单位：户、人"
    assert (sheet["C3"].value, sheet["C4"].value, sheet["D4"].value) == ("合计", "户数", "人数")
    assert sheet["A5"].value.startswith("合计")
    assert (sheet["C5"].value, sheet["D5"].value) == (8, 22)
    assert sheet.print_title_rows == "$3:$4"


def test_an_export_is_logged(county, tmp_path):
    call_command("report", "population", "--year", THIS_YEAR, "--out", str(tmp_path / "p.csv"))
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, target__startswith="report:population").exists()


@pytest.mark.parametrize(
    "arguments",
    [
        ["nope", "--year", THIS_YEAR],
        ["population"],
        ["population", "--year", "1999"],
        ["population", "--year", str(int(THIS_YEAR) + 1)],
        ["population", "--year", THIS_YEAR, "--area", "999999999999"],
        ["population", "--year", THIS_YEAR, "--format", "xlsx", "--out", "p.csv"],
        ["population", "--year", THIS_YEAR, "--out", "p.txt"],
        ["population", "--year", THIS_YEAR, "--format", "xlsx"],
    ],
)
def test_an_unusable_argument_exits_with_2(arguments, tmp_path, monkeypatch):
    here = tmp_path / "out"
    here.mkdir()
    monkeypatch.chdir(here)
    with pytest.raises(CommandError) as raised:
        call_command("report", *arguments)
    assert raised.value.returncode == 2
    assert not list(here.iterdir())  # nothing written
