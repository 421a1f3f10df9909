"""Village facts import (docs/LEDGER.md §1b)."""

from __future__ import annotations

import csv

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.areas.models import Area, Level
from jingzhun.areas.services import division_name, village_facts_import
from tests.spreadsheets.workbooks import two_cells

pytestmark = pytest.mark.django_db

HEADERS = [
    "村代码",
    "行政村",
    "乡镇",
    "户籍人口",
    "西部地区",
    "缺水地区",
    "贫困村",
    "通硬化路",
    "通动力电",
    "村卫生室",
    "集体经济",
]


def write(path, rows):
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


ROW = ["371525101201", "张庄村", "烟庄街道", "1850", "否", "是", "是", "是", "是", "是", "否"]


def test_import_creates_the_village_with_its_town_and_county(tmp_path):
    outcome = village_facts_import(path=write(tmp_path / "v.csv", [ROW]))

    village = Area.objects.get(code="371525101201")
    assert (outcome.created, village.population, village.water_scarce, village.collective_economy) == (
        1,
        1850,
        True,
        False,
    )
    assert (village.parent.name, village.parent.level) == ("烟庄街道", Level.TOWN)
    assert Area.objects.get(code="371525000000").name == "冠县"


def test_reimport_changes_nothing(tmp_path):
    path = write(tmp_path / "v.csv", [ROW])
    village_facts_import(path=path)

    outcome = village_facts_import(path=path)

    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 1)


def test_reimport_updates_changed_facts(tmp_path):
    village_facts_import(path=write(tmp_path / "a.csv", [ROW]))

    outcome = village_facts_import(path=write(tmp_path / "b.csv", [[*ROW[:3], "1900", *ROW[4:]]]))

    assert outcome.updated == 1
    assert Area.objects.get(code="371525101201").population == 1900


def test_invalid_row_is_rejected_with_row_and_column(tmp_path):
    bad = ["37152510120", "李家村", "烟庄街道", "x", "否", "是", "是", "是", "是", "是", "否"]

    outcome = village_facts_import(path=write(tmp_path / "v.csv", [ROW, bad]))

    assert outcome.exit_code == 1
    assert [(e[0], e[2]) for e in outcome.errors] == [(3, "村代码"), (3, "户籍人口")]
    assert Area.objects.filter(level=Level.VILLAGE).count() == 1


def test_duplicate_village_code_is_an_error(tmp_path):
    outcome = village_facts_import(path=write(tmp_path / "v.csv", [ROW, ROW]))

    assert outcome.errors[0][4] == "与第 2 行的村代码重复"


def test_division_names_come_from_the_national_table():
    assert (division_name("370000"), division_name("371500"), division_name("371525")) == ("山东省", "聊城市", "冠县")


def test_cells_are_trimmed_and_full_width_digits_normalised(tmp_path):
    row = [" ３７１５２５１０１２０１ ", " 张庄村", "烟庄街道", "１８５０ ", " 否", "是", "是", "是", "是", "是", "否"]

    outcome = village_facts_import(path=write(tmp_path / "v.csv", [row]))

    assert outcome.exit_code == 0
    village = Area.objects.get(code="371525101201")
    assert (village.name, village.population) == ("张庄村", 1850)


def test_a_memory_bomb_workbook_exits_2_and_creates_no_village(tmp_path):
    path = two_cells(tmp_path / "村情.xlsx", "XFD1048576", dimension="A1:XFD1048576")
    areas = Area.objects.count()
    with pytest.raises(CommandError) as exc:
        call_command("import", "villages", str(path), "--no-progress")
    assert exc.value.returncode == 2
    assert str(exc.value).startswith("文件无法导入：工作表声明的使用范围是 A1:XFD1048576，超过上限")
    assert Area.objects.count() == areas
