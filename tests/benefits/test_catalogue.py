from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jingzhun.benefits.catalogue import CatalogueError, catalogue_check, catalogue_get

pytestmark = pytest.mark.django_db


def test_default_catalogue_has_the_eight_benefits_of_rules_12_and_the_county_extras():
    catalogue = catalogue_get()
    assert {f"B{n:02d}" for n in range(1, 9)} <= set(catalogue.benefits)
    names = {b.name for b in catalogue.benefits.values()}
    for wanted in (
        "医疗救助",
        "特困人员救助供养",
        "临时救助",
        "外出务工交通补贴",
        "技能培训补贴",
        "易地扶贫搬迁补助",
        "生态护林员",
        "产业发展奖补",
    ):
        assert wanted in names


def test_by_year_amount_says_which_years_it_has():
    b02 = catalogue_get().get("B02")
    assert b02.amount.for_year(2019) == Decimal(250)
    assert "2017" in b02.amount.problem(2017)


def test_county_catalogue_extends_the_default_and_removes_a_benefit(tmp_path: Path, settings):
    (settings.DATA_DIR / "benefits").mkdir()
    path = settings.DATA_DIR / "benefits" / "guanxian.toml"
    path.write_text(
        '[catalogue]\nname = "guanxian"\nextends = "default"\nremove = ["B17"]\n'
        '[[benefit]]\ncode = "B07"\nname = "防贫保"\ndepartment = "insurance"\nunit = "member"\ncovered = true\n'
        "amount = { fixed = 80 }\n",
        encoding="utf-8",
    )
    catalogue = catalogue_get("guanxian")
    assert "B17" not in catalogue.benefits
    assert catalogue.get("B07").amount.fixed == Decimal(80)


def test_a_broken_catalogue_names_every_problem(tmp_path: Path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[catalogue]\nname = "bad"\n[departments]\nx = "某局"\n'
        '[[benefit]]\ncode = "Z1"\nname = "甲"\ndepartment = "nope"\nunit = "member"\ncovered = true\n'
        'when = { school_status = ["大学"] }\namount = { fixed = 10 }\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as refused:
        catalogue_check(path)
    assert "主管部门「nope」" in str(refused.value)
    assert "「大学」不是台账用词" in str(refused.value)
