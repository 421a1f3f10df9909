"""Rule packs (docs/RULES.md §1–§7 as data): the shipped packs, county packs, and validation in Chinese."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jingzhun.policy.packs import BUILTIN_DIR, PackError, pack_check, pack_get, packs_load

COUNTY_PACK = """
[pack]
name = "jiyang-2020"
title = "济阳区 2020 年标准"
version = "2020.1"
region = "济阳区"
region_code = "370125"
years = [2020]
extends = "national"

[parameters.water_min_lpd]
value = 40
source = "济阳区水务局"
ours = true
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def county_dir() -> Path:
    return Path(settings.DATA_DIR) / "packs"


def pack_text(*, name: str = "test-pack", years: str = "[2020]", extends: str = "national", body: str = "") -> str:
    return f'[pack]\nname = "{name}"\nversion = "1"\nyears = {years}\nextends = "{extends}"\n{body}'


# --- the shipped packs ----------------------------------------------------------------------------------------


def test_the_shipped_packs_load():
    assert {"national", "shandong-2020", "shaanxi-2017"} <= set(packs_load())


@pytest.mark.parametrize(
    ("year", "line"),
    [(2014, "2800"), (2015, "2855"), (2016, "2952"), (2017, "2952"), (2018, "2995"), (2019, "3218"), (2020, "4000")],
)
def test_national_line_of_each_year(year, line):
    assert pack_get("national").rules_for(year).poverty_line == Decimal(line)


def test_the_national_pack_covers_every_year_from_2014_to_2020():
    assert pack_get("national").years == tuple(range(2014, 2021))


@pytest.mark.parametrize(("year", "threshold"), [(2017, "4428.00"), (2018, "4492.50")])
def test_national_monitoring_threshold_of_2017_and_2018_is_derived_from_the_line(year, threshold):
    rules = pack_get("national").rules_for(year)
    assert (rules.monitoring_threshold, rules.monitoring_threshold_derived) == (Decimal(threshold), True)


def test_the_shipped_national_pack_passes_the_validator():
    assert pack_check(BUILTIN_DIR / "national.toml").years == tuple(range(2014, 2021))


@pytest.mark.parametrize("year", [2013, 2021])
def test_a_year_outside_the_pack_is_a_clear_error_naming_the_year(year):
    with pytest.raises(PackError, match=rf"「national」不适用于 {year} 年"):
        pack_get("national").rules_for(year)


def test_national_2020_monitoring_threshold_is_6000():
    rules = pack_get("national").rules_for(2020)
    assert (rules.monitoring_threshold, rules.monitoring_threshold_derived) == (Decimal("6000"), False)


def test_shaanxi_line_is_2500_at_2010_prices_times_the_index():
    rules = pack_get("shaanxi-2017").rules_for(2017)
    assert rules.poverty_line == (Decimal("2500") * Decimal("1.2835")).quantize(Decimal("0.01"))
    assert rules.poverty_line == Decimal("3208.75")


def test_shaanxi_monitoring_threshold_is_derived_as_one_and_a_half_lines_not_rounded():
    rules = pack_get("shaanxi-2017").rules_for(2017)
    assert rules.monitoring_threshold_derived
    assert rules.monitoring_threshold == Decimal("4813.125")  # 1.5 × 3208.75 (docs/RULES.md §7), not 4813.13


def test_shaanxi_household_criteria_leave_out_water():
    rules = pack_get("shaanxi-2017").rules_for(2017)
    assert "water_ok" not in rules.household_criteria
    assert set(rules.village_criteria) == {"collective_economy", "paved_road", "power", "clinic"}


def test_a_line_a_pack_derives_itself_wins_over_the_inherited_national_line(tmp_path):
    body = (
        '[parameters.line_constant_2010]\nvalue = 2400\nsource = "省定"\nours = false\n'
        '[parameters.price_index_2010]\nvalue = { 2018 = 1.3 }\nsource = "省统计局"\nours = false\n'
    )
    pack = pack_check(write(tmp_path / "p.toml", pack_text(years="[2018]", body=body)))
    assert pack.rules_for(2018).poverty_line == Decimal("3120.00")  # not the national 2995


def test_an_explicit_line_wins_over_a_line_the_parent_derives(tmp_path):
    body = '[parameters.poverty_line]\nvalue = { 2017 = 3300 }\nsource = "市定"\nours = false\n'
    pack = pack_check(write(tmp_path / "p.toml", pack_text(years="[2017]", extends="shaanxi-2017", body=body)))
    assert pack.rules_for(2017).poverty_line == Decimal("3300")


def test_a_pack_that_only_extends_keeps_the_parents_derived_line(tmp_path):
    pack = pack_check(write(tmp_path / "p.toml", pack_text(years="[2017]", extends="shaanxi-2017")))
    assert pack.rules_for(2017).poverty_line == Decimal("3208.75")


def test_shandong_pre_assessment_threshold_is_4500():
    assert pack_get("shandong-2020").rules_for(2020).pre_assessment_threshold == Decimal("4500")


def test_shandong_inherits_the_national_line():
    assert pack_get("shandong-2020").rules_for(2020).poverty_line == Decimal("4000")


def test_ours_flag_and_source_are_kept():
    national = pack_get("national")
    drop = national.parameters["income_drop_share"]
    assert drop.ours is True and "30%" in drop.source
    assert national.parameters["poverty_line"].ours is False


def test_inherited_parameters_keep_their_source_and_the_pack_that_set_them():
    sources = pack_get("shaanxi-2017").rules_for(2017).sources
    assert sources["medical_burden_amount"][1:] == (True, "national")
    assert sources["line_constant_2010"][1:] == (False, "shaanxi-2017")
    assert "2500" in sources["line_constant_2010"][0]


def test_the_snapshot_records_sources_and_ours():
    snapshot = pack_get("national").rules_for(2020).snapshot()
    assert snapshot["poverty_line"] == "4000"
    assert snapshot["sources"]["income_drop_share"]["ours"] is True


# --- county packs --------------------------------------------------------------------------------------------


def test_a_county_pack_in_the_data_directory_is_found():
    write(county_dir() / "jiyang.toml", COUNTY_PACK)

    pack = pack_get("jiyang-2020")

    assert pack.region_code == "370125"
    rules = pack.rules_for(2020)
    assert (rules.water_min_lpd, rules.poverty_line) == (Decimal("40"), Decimal("4000"))
    assert rules.sources["water_min_lpd"] == ("济阳区水务局", True, "jiyang-2020")


def test_an_unknown_pack_name_is_a_clear_error():
    with pytest.raises(PackError, match="没有名为「nowhere」的规则包"):
        pack_get("nowhere")


def test_pack_check_validates_a_file_against_the_installed_packs(tmp_path):
    pack = pack_check(write(tmp_path / "jiyang.toml", COUNTY_PACK))
    assert (pack.name, pack.extends) == ("jiyang-2020", "national")


# --- validation ----------------------------------------------------------------------------------------------


def check_fails(tmp_path: Path, text: str) -> str:
    with pytest.raises(PackError) as error:
        pack_check(write(tmp_path / "broken.toml", text))
    message = str(error.value)
    assert message.startswith("规则包 broken.toml：")
    return message


def test_unknown_parameter(tmp_path):
    body = "[parameters.povrty_line]\nvalue = { 2020 = 4000 }\n"
    assert "未知参数 povrty_line" in check_fails(tmp_path, pack_text(body=body))


def test_missing_line_for_a_year(tmp_path):
    message = check_fails(tmp_path, pack_text(years="[2021]"))
    assert "缺少 2021 年的贫困标准" in message


def test_wrong_type(tmp_path):
    body = '[parameters.water_min_lpd]\nvalue = "abc"\n'
    assert "参数 water_min_lpd 应为数字" in check_fails(tmp_path, pack_text(body=body))


def test_negative_line(tmp_path):
    body = "[parameters.poverty_line]\nvalue = { 2020 = -1 }\n"
    assert "参数 poverty_line 2020 年的值应为正数" in check_fails(tmp_path, pack_text(body=body))


def test_unknown_indicator_in_household_criteria(tmp_path):
    body = '[parameters.household_criteria]\nvalue = ["income_ok", "roof_ok"]\n'
    assert "未知名称 roof_ok" in check_fails(tmp_path, pack_text(body=body))


def test_missing_pack_table(tmp_path):
    assert "缺少 [pack] 表" in check_fails(tmp_path, "[parameters.water_min_lpd]\nvalue = 35\n")


def test_bad_toml_syntax(tmp_path):
    assert "不是有效的 TOML 文件" in check_fails(tmp_path, "[pack\nname = ")


def test_extends_an_unknown_pack(tmp_path):
    assert "extends 指向不存在的规则包「nowhere」" in check_fails(tmp_path, pack_text(extends="nowhere"))


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    body = '[parameters.foo]\nvalue = 1\n[parameters.water_min_lpd]\nvalue = "abc"\n'
    message = check_fails(tmp_path, pack_text(body=body))
    assert "未知参数 foo" in message and "参数 water_min_lpd 应为数字" in message


def test_a_pack_without_extends_must_give_every_parameter(tmp_path):
    text = '[pack]\nname = "alone"\nversion = "1"\nyears = [2020]\n[parameters.poverty_line]\nvalue = { 2020 = 4000 }\n'
    assert "缺少参数 assessment_date" in check_fails(tmp_path, text)


def test_duplicate_pack_name(tmp_path):
    write(tmp_path / "a.toml", pack_text(name="twin"))
    write(tmp_path / "b.toml", pack_text(name="twin"))
    with pytest.raises(PackError, match="规则包名称「twin」重复"):
        packs_load([BUILTIN_DIR, tmp_path])


def test_a_county_pack_reusing_a_shipped_name_is_a_duplicate():
    write(county_dir() / "national.toml", pack_text(name="national"))
    with pytest.raises(PackError, match="规则包名称「national」重复"):
        pack_get("national")


def test_a_broken_county_pack_is_reported_by_file_name():
    write(county_dir() / "typo.toml", pack_text(name="typo", body="[parameters.nope]\nvalue = 1\n"))
    with pytest.raises(PackError, match=r"规则包 typo\.toml：未知参数 nope"):
        pack_get("national")


# --- property: a line written to a pack is the line used -------------------------------------------------------


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2))
def test_any_positive_line_round_trips_through_a_pack(line):
    with tempfile.TemporaryDirectory() as directory:
        write(
            Path(directory) / "p.toml",
            pack_text(years="[2030]", body=f"[parameters.poverty_line]\nvalue = {{ 2030 = {line} }}\n"),
        )

        rules = packs_load([BUILTIN_DIR, Path(directory)])["test-pack"].rules_for(2030)

    assert rules.poverty_line == line
    assert rules.monitoring_threshold_derived
    assert rules.monitoring_threshold == line * Decimal("1.5")


def test_an_assessment_date_missing_from_a_covered_year_is_a_clear_error(tmp_path):
    body = '[parameters.assessment_date]\nvalue = "02-29"\n'
    message = check_fails(tmp_path, pack_text(years="[2019, 2020]", body=body))
    assert "评估基准日 02-29 在 2019 年不存在" in message


def test_a_leap_day_assessment_date_is_fine_in_a_leap_year(tmp_path):
    body = '[parameters.assessment_date]\nvalue = "02-29"\n'
    pack = pack_check(write(tmp_path / "leap.toml", pack_text(years="[2020]", body=body)))
    assert pack.rules_for(2020).assessment_date == dt.date(2020, 2, 29)
