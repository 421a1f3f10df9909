"""``jingzhun assess``: the docs/LEDGER.md §3 machine formats, byte for byte, and exit code 2 for an unusable year."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from jingzhun.policy.models import AssessmentRun
from tests.factories import AreaFactory

from .builders import household, income, member

pytestmark = pytest.mark.django_db

HOUSEHOLD_HEADER = (
    "household_no,size,net_income,income_per_capita,income_ok,food_clothing_ok,education_ok,medical_ok,"
    "housing_ok,water_ok,meets_standard,exit_eligible,identify_candidate,relapse_candidate,monitoring_flag,"
    "monitoring_triggers,tier,reasons\n"
)
AREA_HEADER = "area_code,level,population,poor_population,incidence_pct,exit_eligible\n"


@pytest.fixture
def county():
    """Three households to report, one to exclude; a village of 100 people and one of unknown size."""
    village = AreaFactory(population=100)
    unknown = AreaFactory(population=None)
    poor = household("not_exited", village=village, household_no="H001")
    member(poor)
    member(poor)
    income(poor, "10000.50", medical_self_paid=Decimal("6000"))
    exited = household("exited", village=village, household_no="H002")
    member(exited, name="王五", labor="none", medical_insurance="none")
    income(exited, "3000")
    member(household("non_poor", village=village, household_no="H003"))  # no 2020 income: excluded
    below = household("exited", village=village, household_no="H004")
    member(below, labor="ordinary")
    income(below, "5000")
    return village, unknown


def assess(*args: str) -> str:
    out = io.StringIO()
    call_command("assess", *args, stdout=out)
    return out.getvalue()


def test_household_csv_is_exactly_the_ledger_format(county, tmp_path):
    path = tmp_path / "households.csv"

    assess("--year", "2020", "--out", str(path))

    assert path.read_bytes().decode("utf-8") == HOUSEHOLD_HEADER + (
        "H001,2,10000.50,5000.25,true,true,true,true,true,true,true,true,false,false,true,"
        "low_income;medical_burden,,"
        "低收入：人均纯收入 5000.25 元，低于监测范围 6000 元；大病负担：自付医疗费用 6000.00 元，超过纯收入的 50%\n"
        "H002,1,3000.00,3000.00,false,true,true,false,true,true,false,false,false,true,true,"
        "low_income,易返贫户,"
        "收入不达标：人均纯收入 3000.00 元，未超过贫困标准 4000 元；基本医疗无保障：王五（基本医疗保险未参保）；"
        "低收入：人均纯收入 3000.00 元，低于监测范围 6000 元\n"
        "H004,1,5000.00,5000.00,true,true,true,true,true,true,true,false,false,false,true,"
        "low_income,一般户,低收入：人均纯收入 5000.00 元，低于监测范围 6000 元\n"
    )


def test_areas_csv_lists_county_towns_and_villages(county, tmp_path):
    village, unknown = county
    path = tmp_path / "areas.csv"

    assess("--year", "2020", "--areas-out", str(path))

    towns = sorted([f"{village.parent.code},town,100,2,2.00,false\n", f"{unknown.parent.code},town,,0,,false\n"])
    villages = sorted([f"{village.code},village,100,2,2.00,false\n", f"{unknown.code},village,,0,,false\n"])
    assert path.read_bytes().decode("utf-8") == (
        AREA_HEADER + "370125000000,county,,2,,false\n" + "".join(towns) + "".join(villages)
    )


def test_both_files_in_one_run(county, tmp_path):
    households, areas = tmp_path / "h.csv", tmp_path / "a.csv"

    assess("--year", "2020", "--out", str(households), "--areas-out", str(areas))

    assert AssessmentRun.objects.count() == 1
    assert households.read_text(encoding="utf-8").startswith(HOUSEHOLD_HEADER)
    assert areas.read_text(encoding="utf-8").startswith(AREA_HEADER)


def test_summary_names_the_excluded_household(county):
    output = assess("--year", "2020")
    assert "评估 3 户" in output
    assert "未评估 1 户" in output and "H003：无 2020 年收入记录" in output


def test_summary_counts_tiers_of_exited_households_only(county):
    output = assess("--year", "2020")
    assert "已脱贫户分层分类：易返贫户 1，一般户 1，稳定脱贫户 0，高质量脱贫户 0；其他 1 户不分层" in output


def test_a_scoped_run_writes_only_its_area(county, tmp_path):
    village, _unknown = county
    path = tmp_path / "areas.csv"

    assess("--year", "2020", "--area", village.code, "--areas-out", str(path))

    assert path.read_text(encoding="utf-8") == AREA_HEADER + f"{village.code},village,100,2,2.00,false\n"


@pytest.mark.parametrize(("year", "line"), [(2017, "2952"), (2018, "2995")])
def test_2017_and_2018_are_assessed_against_the_national_line_of_the_year(county, tmp_path, year, line):
    village, _unknown = county
    home = household("not_exited", village=village, household_no="H017")
    member(home)
    income(home, "2900", year=year)
    path = tmp_path / "h.csv"

    output = assess("--year", str(year), "--out", str(path))

    run = AssessmentRun.objects.get()
    assert (run.year, run.pack, run.parameters["poverty_line"]) == (year, "national", line)
    assert "评估 1 户" in output
    row = path.read_text(encoding="utf-8").splitlines()[1].split(",")
    ok = Decimal("2900") > Decimal(line)  # 2900 is above the 2017 line, below the 2018 one
    assert (row[0], row[4]) == ("H017", "true" if ok else "false")


def test_an_uncovered_year_exits_with_code_2_and_a_chinese_message(county, tmp_path):
    with pytest.raises(CommandError) as error:
        assess("--year", "2021", "--out", str(tmp_path / "h.csv"))

    assert error.value.returncode == 2
    assert "规则包「national」不适用于 2021 年" in str(error.value)
    assert not (tmp_path / "h.csv").exists()
    assert not AssessmentRun.objects.exists()


def test_an_unknown_pack_exits_with_code_2():
    with pytest.raises(CommandError, match="没有名为「nowhere」的规则包") as error:
        assess("--year", "2020", "--pack", "nowhere")
    assert error.value.returncode == 2


def test_an_unknown_area_exits_with_code_2():
    with pytest.raises(CommandError, match="没有区划代码为 999999999999 的区划") as error:
        assess("--year", "2020", "--area", "999999999999")
    assert error.value.returncode == 2
