"""``jingzhun crosscheck``: the run, the CSV of its clues, the Chinese summary, the exit status."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.crosscheck.models import Run
from tests.crosscheck.factories_clues import AS_OF, BatchFactory, listed, member_aged
from tests.factories import HouseholdFactory
from tests.spreadsheets.printed import BOM

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("crosscheck", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_no_department_list_exits_2_in_chinese():
    with pytest.raises(CommandError, match="尚未导入任何部门数据") as raised:
        run("--as-of", AS_OF.isoformat())
    assert raised.value.returncode == 2
    assert not Run.objects.exists()


def test_a_bad_date_or_area_exits_2():
    BatchFactory(department="payroll")
    for args in (("--as-of", "2026-13-01"), ("--area", "999999999999")):
        with pytest.raises(CommandError) as raised:
            run(*args)
        assert raised.value.returncode == 2


def test_csv_rows_of_this_run(tmp_path):
    home = HouseholdFactory(household_no="H0001", housing_grade="A")
    child = member_aged(12, household=home, school_status="junior", name="王小明")
    driver = member_aged(40, household=home, relation="spouse", name="李大山")
    listed(child, BatchFactory(department="education"), status="辍学")
    listed(driver, BatchFactory(department="vehicles"), kind="小型轿车", text1="鲁A12345")
    listed(driver, BatchFactory(department="housing"), grade="D")
    path = tmp_path / "clues.csv"
    out, _ = run("--out", str(path), "--as-of", AS_OF.isoformat())
    text = path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "rule,department,household_no,id_number,detail"
    assert list(csv.reader(io.StringIO(text)))[1:] == [
        [
            "X01",
            "education",
            "H0001",
            child.id_number,
            "王小明（12 岁）台账在校生状况为初中，教体学籍名单中无在读或休学记录",
        ],
        [
            "X06",
            "vehicles",
            "H0001",
            driver.id_number,
            "李大山（40 岁）为在册成员，公安交管名单中登记机动车：小型轿车 鲁A12345",
        ],
        ["X10", "housing", "H0001", "", "户 H0001 台账住房安全等级为 A 级，住建最新鉴定等级为 D 级"],
    ]
    assert "X06 公安交管：拥有机动车：发现 1 条，新增 1 条" in out
    assert "X02 医保：参保状况不一致：医保尚未导入名单，本规则未比对" in out
    assert "本次待核实线索共 3 条" in out


def test_csv_to_standard_output_and_the_summary_to_standard_error():
    driver = member_aged(40, name="李大山")
    listed(driver, BatchFactory(department="vehicles"), kind="小型轿车")
    out, err = run("--out", "-", "--as-of", AS_OF.isoformat())
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["rule", "department", "household_no", "id_number", "detail"]
    assert [r[0] for r in rows[1:]] == ["X06"]
    assert "比对批次" in err and "比对批次" not in out


def test_the_second_run_writes_still_open_clues_and_x12_as_internal():
    one = member_aged(30)
    from tests.factories import MemberFactory

    MemberFactory(id_number=one.id_number, birth_date=one.birth_date, sex=one.sex)
    BatchFactory(department="payroll")
    run("--as-of", AS_OF.isoformat())
    out, _ = run("--out", "-", "--as-of", AS_OF.isoformat())
    rows = list(csv.reader(io.StringIO(out)))[1:]
    assert [(r[0], r[1], r[3]) for r in rows] == [("X12", "internal", one.id_number)] * 2


def test_area_limits_the_run():
    inside, outside = member_aged(40), member_aged(40)
    batch = BatchFactory(department="vehicles")
    listed(inside, batch, kind="小型轿车")
    listed(outside, batch, kind="小型轿车")
    out, _ = run("--out", "-", "--area", inside.household.village_id)
    rows = list(csv.reader(io.StringIO(out)))[1:]
    assert [r[2] for r in rows] == [inside.household.household_no]


def _one_clue():
    child = member_aged(12, school_status="junior", name="王小明")
    listed(child, BatchFactory(department="education"), status="辍学")


def test_the_csv_file_starts_with_the_bom_excel_needs_for_chinese(tmp_path):
    _one_clue()
    path = tmp_path / "clues.csv"
    run("--out", str(path), "--as-of", AS_OF.isoformat())
    assert path.read_bytes().startswith(BOM + b"rule,department,household_no,id_number,detail\n")


def test_standard_output_has_no_bom_for_the_program_reading_it():
    _one_clue()
    out, _ = run("--out", "-", "--as-of", AS_OF.isoformat())
    assert out.startswith("rule,department,household_no,id_number,detail\n")
