"""The sample county generator: determinism, realism invariants, the LEDGER layout, and dirty mode."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
import tempfile
import tracemalloc
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from jingzhun.core import idnumber
from jingzhun.core.idnumber import IdNumber, InvalidIdNumber
from jingzhun.registry.vocab import (
    LEDGER_TEXT,
    Attribute,
    Cause,
    DisabilityGrade,
    Education,
    Health,
    HousingGrade,
    Labor,
    MedicalInsurance,
    MemberStatus,
    PovertyStatus,
    Relation,
    Relocation,
    SchoolStatus,
    WorkStatus,
)
from jingzhun.samplecounty import LEDGER_HEADERS, VILLAGE_HEADERS, GenerateError, generate, output_paths
from jingzhun.samplecounty.faults import KINDS
from jingzhun.samplecounty.geography import older_region_codes

COUNTY = "371525"
OLDER = older_region_codes(COUNTY)
YEAR = 2020
HOUSEHOLDS = 2000
SEED = 7


def parse(number: str) -> IdNumber:
    """As the imports parse it: against the office's (Beijing) date."""
    return idnumber.parse(number, today=timezone.localdate())


# docs/LEDGER.md §1, transfer items spread over their six headers.
LEDGER_SECTION_1 = [
    "户编号",
    "村代码",
    "行政村",
    "姓名",
    "证件号码",
    "与户主关系",
    "成员状态",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "残疾等级",
    "劳动技能",
    "务工状况",
    "务工月数",
    "基本医疗保险",
    "基本养老保险",
    "户类型",
    "贫困户状态",
    "识别年度",
    "脱贫年度",
    "主要致贫原因",
    "不愁吃不愁穿",
    "住房安全等级",
    "易地搬迁",
    "饮水水质达标",
    "每人每日水量",
    "自来水入户",
    "取水往返分钟",
    "供水保证率",
    "收入年度",
    "工资性收入",
    "生产经营性收入",
    "生产经营性支出",
    "资产收益分红",
    "其他财产性收入",
    "计划生育金",
    "低保金",
    "特困供养金",
    "养老保险金",
    "生态补偿金",
    "其他转移性收入",
    "自付医疗费用",
    "联系电话",
]
VILLAGE_SECTION_1B = [
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
MEMBER_HEADERS = LEDGER_SECTION_1[3:17]
HOUSEHOLD_HEADERS = [h for h in LEDGER_SECTION_1 if h not in MEMBER_HEADERS]
ENUM_COLUMNS = {
    "与户主关系": Relation,
    "成员状态": MemberStatus,
    "文化程度": Education,
    "在校生状况": SchoolStatus,
    "健康状况": Health,
    "残疾等级": DisabilityGrade,
    "劳动技能": Labor,
    "务工状况": WorkStatus,
    "基本医疗保险": MedicalInsurance,
    "户类型": Attribute,
    "贫困户状态": PovertyStatus,
    "主要致贫原因": Cause,
    "住房安全等级": HousingGrade,
    "易地搬迁": Relocation,
}
MALE = {"之子", "之孙子", "之父", "之女婿"}
FEMALE = {"之女", "之孙女", "之母", "之儿媳"}
TRANSFERS = ("计划生育金", "低保金", "特困供养金", "养老保险金", "生态补偿金", "其他转移性收入")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def by_household(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    households: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        households[row["户编号"]].append(row)
    return households


def age(row: dict[str, str]) -> int:
    return YEAR - parse(row["证件号码"]).birth_date.year


def money(row: dict[str, str], column: str) -> int:
    return int(row[column] or 0)


def per_capita(rows: list[dict[str, str]]) -> float:
    first = rows[0]
    net = (
        money(first, "工资性收入")
        + money(first, "生产经营性收入")
        - money(first, "生产经营性支出")
        + money(first, "资产收益分红")
        + money(first, "其他财产性收入")
        + sum(money(first, c) for c in TRANSFERS)
    )
    return net / sum(1 for r in rows if r["成员状态"] == "在册")


@pytest.fixture
def out_dir(tmp_path):
    # Not tmp_path itself: the shared fixtures put the test's data directory there.
    path = tmp_path / "out"
    path.mkdir()
    return path


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean") / "county.csv"
    summary = generate(households=HOUSEHOLDS, seed=SEED, out=out)
    return summary, read_csv(out)


@pytest.fixture(scope="module")
def households(clean):
    return by_household(clean[1])


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    out = tmp_path_factory.mktemp("dirty") / "county.csv"
    summary = generate(households=HOUSEHOLDS, seed=SEED, out=out, dirty=True, dirty_rate=0.3)
    return summary, read_csv(out), read_csv(output_paths(out).report)


# --- determinism and files ----------------------------------------------------------------------------------


def test_the_same_seed_gives_a_byte_identical_csv(tmp_path):
    generate(households=300, seed=3, out=tmp_path / "a.csv", dirty=True)
    generate(households=300, seed=3, out=tmp_path / "b.csv", dirty=True)
    for name in ("{}.csv", "{}.villages.csv", "{}.dirty-report.csv"):
        assert (tmp_path / name.format("a")).read_bytes() == (tmp_path / name.format("b")).read_bytes()


def test_another_seed_gives_another_county(tmp_path):
    generate(households=50, seed=1, out=tmp_path / "a.csv")
    generate(households=50, seed=2, out=tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "b.csv").read_bytes()


def test_csv_is_utf8_with_bom(tmp_path):
    generate(households=5, seed=1, out=tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_bytes().startswith("\ufeff户编号,".encode())


def test_xlsx_holds_the_same_cells_as_csv(tmp_path):
    generate(households=60, seed=5, out=tmp_path / "a.csv")
    generate(households=60, seed=5, out=tmp_path / "a.xlsx")
    for csv_name, xlsx_name in (("a.csv", "a.xlsx"), ("a.villages.csv", "a.villages.xlsx")):
        with (tmp_path / csv_name).open(encoding="utf-8-sig", newline="") as f:
            expected = list(csv.reader(f))
        workbook = load_workbook(tmp_path / xlsx_name, read_only=True)
        width = len(expected[0])  # read-only rows stop at their last non-empty cell
        cells = [
            ["" if v is None else str(v) for v in row] + [""] * (width - len(row))
            for row in workbook.active.iter_rows(values_only=True)
        ]
        workbook.close()
        assert cells == expected


def test_outputs_are_named_after_the_ledger(tmp_path):
    paths = output_paths(tmp_path / "big.xlsx")
    assert (paths.villages.name, paths.report.name) == ("big.villages.xlsx", "big.dirty-report.csv")


def test_no_report_without_dirty(out_dir):
    generate(households=5, seed=1, out=out_dir / "a.csv")
    assert sorted(p.name for p in out_dir.iterdir()) == ["a.csv", "a.villages.csv"]


def test_an_interrupted_run_leaves_no_files(out_dir):
    def interrupt(done):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate(households=1500, seed=1, out=out_dir / "a.csv", dirty=True, progress=interrupt)
    assert list(out_dir.iterdir()) == []


def test_an_interrupted_xlsx_run_leaves_no_files(out_dir):
    def interrupt(done):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate(households=1500, seed=1, out=out_dir / "a.xlsx", progress=interrupt)
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"households": 0}, "户数须至少为 1"),
        ({"out": Path("x.txt")}, "须以 .csv 或 .xlsx 结尾"),
        ({"year": 2013}, "收入年度须在 2014"),
        ({"year": dt.date.today().year}, "收入年度须在 2014"),  # noqa: DTZ011
        ({"county_code": "371500"}, "县级区划代码"),
        ({"county_code": "37152"}, "县级区划代码"),
    ],
)
def test_bad_arguments_are_refused_in_chinese(out_dir, kwargs, message):
    arguments = {"households": 5, "seed": 1, "out": out_dir / "a.csv", **kwargs}
    with pytest.raises(GenerateError, match=message):
        generate(**arguments)
    assert list(out_dir.iterdir()) == []


def test_memory_does_not_grow_with_the_number_of_households(out_dir):
    def peak(households: int) -> int:
        tracemalloc.start()
        generate(households=households, seed=1, out=out_dir / f"{households}.csv", dirty=True)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(500), peak(5000)
    assert large < small + 200_000  # 4500 more households; keeping even 50 bytes of each would show


# --- layout -------------------------------------------------------------------------------------------------


def test_ledger_headers_are_exactly_those_of_ledger_section_1(clean):
    assert list(LEDGER_HEADERS) == LEDGER_SECTION_1
    assert list(clean[1][0]) == LEDGER_SECTION_1


def test_ledger_headers_match_the_projects_ledger_md():
    ledger_md = Path(__file__).resolve().parents[2] / "docs" / "LEDGER.md"
    section = ledger_md.read_text(encoding="utf-8").split("## 1. ")[1].split("## 1b.")[0]
    headers = []
    for cell in re.findall(r"^\| ([^|]+?) \|", section, flags=re.MULTILINE)[1:]:  # past the table's header
        headers.extend(h.strip() for h in cell.split("·"))
    assert headers == list(LEDGER_HEADERS)


def test_village_headers_are_exactly_those_of_ledger_section_1b(tmp_path):
    generate(households=5, seed=1, out=tmp_path / "a.csv")
    assert list(VILLAGE_HEADERS) == VILLAGE_SECTION_1B
    assert list(read_csv(tmp_path / "a.villages.csv")[0]) == VILLAGE_SECTION_1B


def test_household_columns_are_identical_on_every_row_of_a_household(households):
    for rows in households.values():
        for header in HOUSEHOLD_HEADERS:
            assert len({r[header] for r in rows}) == 1, (rows[0]["户编号"], header)


def test_rows_of_a_household_are_consecutive(clean):
    numbers = [r["户编号"] for r in clean[1]]
    changes = sum(1 for a, b in itertools.pairwise(numbers) if a != b)
    assert changes == len(set(numbers)) - 1 == HOUSEHOLDS - 1


def test_every_enumerated_cell_uses_the_ledger_words(clean):
    for header, enum in ENUM_COLUMNS.items():
        allowed = set(LEDGER_TEXT[enum]) | {""}
        assert {r[header] for r in clean[1]} <= allowed, header


def test_household_numbers_are_unique_village_code_prefixed(households):
    for number, rows in households.items():
        assert number.startswith(rows[0]["村代码"]) and number.isdigit()


# --- people -------------------------------------------------------------------------------------------------


def test_every_id_number_is_valid(clean):
    for row in clean[1]:
        assert parse(row["证件号码"]).number == row["证件号码"]


def test_id_numbers_are_unique(clean):
    numbers = [r["证件号码"] for r in clean[1]]
    assert len(set(numbers)) == len(numbers)


def test_id_numbers_carry_the_county_code_or_a_documented_older_one(clean):
    regions = Counter(r["证件号码"][:6] for r in clean[1])
    assert set(regions) <= {COUNTY, *OLDER}
    older_share = sum(regions[c] for c in OLDER) / len(clean[1])
    assert 0.005 < older_share < 0.025


def test_older_region_codes_belong_to_people_aged_50_or_more(clean):
    assert all(age(r) >= 50 for r in clean[1] if r["证件号码"][:6] != COUNTY)


def test_sex_in_the_id_matches_the_relation(households):
    for rows in households.values():
        head_sex = parse(rows[0]["证件号码"]).sex
        for row in rows:
            sex = parse(row["证件号码"]).sex
            if row["与户主关系"] in MALE:
                assert sex == "M", row
            elif row["与户主关系"] in FEMALE:
                assert sex == "F", row
            elif row["与户主关系"] == "配偶":
                assert sex != head_sex, row


def test_every_household_has_one_active_head_on_its_first_row(households):
    for rows in households.values():
        assert [r["与户主关系"] for r in rows].count("户主") == 1
        assert rows[0]["与户主关系"] == "户主" and rows[0]["成员状态"] == "在册"


def test_heads_are_aged_30_to_85(households):
    assert all(30 <= age(rows[0]) <= 85 for rows in households.values())


def test_generations_are_apart(households):
    for rows in households.values():
        head = age(rows[0])
        for row in rows:
            relation = row["与户主关系"]
            if relation in ("之子", "之女"):
                assert age(row) <= head - 15, row
            elif relation in ("之孙子", "之孙女"):
                assert age(row) <= head - 35, row
            elif relation in ("之父", "之母"):
                assert age(row) >= head + 15, row


def test_schooling_matches_age(clean):
    for row in clean[1]:
        years, school = age(row), row["在校生状况"]
        if years < 6:
            assert (school, row["文化程度"]) == ("学龄前", "学龄前儿童"), row
        elif years <= 15:
            assert school in ("小学", "初中", "高中", "辍学", "送教上门"), row
        elif years >= 23:
            assert school == "非在校生", row


def test_only_disabled_children_are_taught_at_home(clean):
    assert all(r["健康状况"] == "残疾" for r in clean[1] if r["在校生状况"] == "送教上门")


def test_disability_grade_is_given_exactly_for_the_disabled(clean):
    assert all((r["健康状况"] == "残疾") == (r["残疾等级"] != "") for r in clean[1])


def test_children_and_pupils_have_no_labor_and_no_work(clean):
    for row in clean[1]:
        if age(row) < 16 or row["在校生状况"] != "非在校生":
            assert (row["劳动技能"], row["务工状况"], row["务工月数"]) == ("无劳动力", "未务工", "0"), row


def test_work_months_are_set_exactly_for_those_working(clean):
    for row in clean[1]:
        months = int(row["务工月数"])
        assert 0 <= months <= 12
        assert (months > 0) == (row["务工状况"] != "未务工"), row


def test_those_without_labor_do_not_work(clean):
    assert all(r["务工状况"] == "未务工" for r in clean[1] if r["劳动技能"] in ("丧失劳动力", "无劳动力"))


def test_most_adults_have_a_pension_and_children_none(clean):
    adults = [r for r in clean[1] if age(r) >= 16 and r["在校生状况"] == "非在校生"]
    assert sum(r["基本养老保险"] == "是" for r in adults) / len(adults) > 0.85
    assert all(r["基本养老保险"] == "否" for r in clean[1] if age(r) < 16)


# --- households ---------------------------------------------------------------------------------------------


def test_household_sizes_are_1_to_8_averaging_about_2_7(households):
    sizes = [len(rows) for rows in households.values()]
    assert min(sizes) >= 1 and max(sizes) <= 8
    assert 2.4 < sum(sizes) / len(sizes) < 3.0


def test_attribute_and_status_shares_are_realistic(households):
    firsts = [rows[0] for rows in households.values()]
    share = Counter(r["户类型"] for r in firsts)
    status = Counter(r["贫困户状态"] for r in firsts)
    n = len(firsts)
    assert 0.10 < share["低保户"] / n < 0.20
    assert 0.015 < (share["特困供养户"] + share["低保特困户"]) / n < 0.05
    assert 0.15 < status["非贫困户"] / n < 0.25
    assert 0.02 < (status["未脱贫"] + status["返贫"] + status["预脱贫"]) / n < 0.08


def test_transfers_follow_the_household_attribute(households):
    for rows in households.values():
        first = rows[0]
        assert (money(first, "低保金") > 0) == ("低保" in first["户类型"]), first
        assert (money(first, "特困供养金") > 0) == ("特困" in first["户类型"]), first


def test_years_follow_the_poverty_status(households):
    for rows in households.values():
        first = rows[0]
        status, registered, exited = first["贫困户状态"], first["识别年度"], first["脱贫年度"]
        if status == "非贫困户":
            assert (registered, exited, first["主要致贫原因"]) == ("", "", "")
            continue
        assert 2014 <= int(registered) <= min(2019, YEAR) and first["主要致贫原因"]
        if status in ("未脱贫", "预脱贫"):
            assert exited == ""
        else:
            assert int(registered) <= int(exited) <= YEAR


def test_illness_is_the_most_common_cause(households):
    causes = Counter(rows[0]["主要致贫原因"] for rows in households.values() if rows[0]["主要致贫原因"])
    assert causes.most_common(1)[0][0] == "因病"


def test_fetch_minutes_are_blank_exactly_when_water_is_piped(households):
    for rows in households.values():
        first = rows[0]
        if first["自来水入户"] == "是":
            assert first["取水往返分钟"] == ""
        else:
            assert 5 <= int(first["取水往返分钟"]) <= 40


def test_a_few_households_are_below_the_line_and_a_band_below_the_monitoring_threshold(households):
    incomes = [per_capita(rows) for rows in households.values()]
    below_line = sum(pc <= 4000 for pc in incomes) / len(incomes)
    below_threshold = sum(pc < 6000 for pc in incomes) / len(incomes)
    assert 0.005 < below_line < 0.06
    assert below_line + 0.05 < below_threshold < 0.25


def test_serious_illness_costs_more_out_of_pocket(households):
    def mean_cost(rows_list):
        return sum(money(rows[0], "自付医疗费用") for rows in rows_list) / len(rows_list)

    ill = [rows for rows in households.values() if any(r["健康状况"] == "患有大病" for r in rows)]
    well = [rows for rows in households.values() if all(r["健康状况"] == "健康" for r in rows)]
    assert mean_cost(ill) > 5 * mean_cost(well)


def test_amounts_are_not_negative_except_business_income(clean):
    for row in clean[1]:
        for header in ("工资性收入", "生产经营性支出", "资产收益分红", "其他财产性收入", *TRANSFERS, "自付医疗费用"):
            assert int(row[header]) >= 0


# --- villages -----------------------------------------------------------------------------------------------


def test_villages_hold_every_ledger_village_under_the_county(clean, tmp_path):
    villages = read_csv(clean[0].outputs.villages)
    known = {v["村代码"]: v["行政村"] for v in villages}
    assert len(known) == len(villages) == clean[0].villages
    assert {(r["村代码"], r["行政村"]) for r in clean[1]} <= set(known.items())
    assert all(re.fullmatch(rf"{COUNTY}[12]\d\d2\d\d", code) for code in known)
    assert 10 <= len({v["乡镇"] for v in villages}) <= 20


def test_village_population_is_larger_than_its_registered_members(clean):
    active = Counter(r["村代码"] for r in clean[1] if r["成员状态"] == "在册")
    for village in read_csv(clean[0].outputs.villages):
        assert int(village["户籍人口"]) >= 5 * active[village["村代码"]]


def test_about_a_third_of_villages_are_poor_and_none_western_in_shandong(clean):
    villages = read_csv(clean[0].outputs.villages)
    poor = sum(v["贫困村"] == "是" for v in villages) / len(villages)
    assert 0.15 < poor < 0.45
    assert {v["西部地区"] for v in villages} == {"否"}


def test_a_western_county_is_flagged_west(tmp_path):
    generate(households=5, seed=1, out=tmp_path / "a.csv", county_code="620521")
    assert {v["西部地区"] for v in read_csv(tmp_path / "a.villages.csv")} == {"是"}


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_any_seed_gives_valid_unique_ids_and_one_head_per_household(seed):
    with tempfile.TemporaryDirectory() as tmp:
        generate(households=40, seed=seed, out=Path(tmp) / "a.csv")
        rows = read_csv(Path(tmp) / "a.csv")
    assert len({parse(r["证件号码"]).number for r in rows}) == len(rows)
    assert all([r["与户主关系"] for r in rs].count("户主") == 1 for rs in by_household(rows).values())


# --- dirty mode ---------------------------------------------------------------------------------------------


def test_dirty_report_lists_every_kind_of_fault(dirty):
    summary, _, report = dirty
    assert {r["问题类型"] for r in report} == set(KINDS)
    assert sum(summary.faults.values()) == len(report)


def test_default_dirty_rate_touches_about_2_percent_of_households(tmp_path):
    generate(households=3000, seed=1, out=tmp_path / "a.csv", dirty=True)
    faulty = {r["户编号"] for r in read_csv(tmp_path / "a.dirty-report.csv")}
    assert 0.01 < len(faulty) / 3000 < 0.03


def test_the_dirty_file_differs_from_the_clean_one_exactly_in_the_reported_cells(clean, dirty):
    _, clean_rows = clean
    _, dirty_rows, report = dirty
    assert len(dirty_rows) == len(clean_rows)
    changed = {
        (i + 2, header)
        for i, (a, b) in enumerate(zip(clean_rows, dirty_rows, strict=True))
        for header in LEDGER_HEADERS
        if a[header] != b[header]
    }
    assert changed == {(int(r["行号"]), r["列"]) for r in report}


def test_reported_values_are_the_clean_and_the_dirty_cells(clean, dirty):
    _, clean_rows = clean
    _, dirty_rows, report = dirty
    for fault in report:
        i, header = int(fault["行号"]) - 2, fault["列"]
        assert clean_rows[i]["户编号"] == fault["户编号"]
        assert (clean_rows[i][header], dirty_rows[i][header]) == (fault["原值"], fault["注入值"])


def _faults(report, kind):
    found = [r for r in report if r["问题类型"] == kind]
    assert found
    return found


@pytest.mark.parametrize("kind", ["check_char", "impossible_date"])
def test_id_errors_do_not_parse(dirty, kind):
    for fault in _faults(dirty[2], kind):
        with pytest.raises(InvalidIdNumber, match="校验位错误" if kind == "check_char" else "不是有效日期"):
            parse(fault["注入值"])


@pytest.mark.parametrize("kind", ["full_width", "lower_x", "old_15_digit", "trailing_space"])
def test_format_faults_in_id_numbers_parse_to_the_original(dirty, kind):
    for fault in _faults(dirty[2], kind):
        if fault["列"] == "证件号码":
            assert parse(fault["注入值"]).number == fault["原值"]


@pytest.mark.parametrize("kind", ["trailing_space", "full_width_brackets", "full_width", "lower_x"])
def test_format_faults_are_the_original_after_trimming_and_nfkc(dirty, kind):
    for fault in _faults(dirty[2], kind):
        normalised = unicodedata.normalize("NFKC", fault["注入值"]).strip()
        assert normalised.upper() == fault["原值"].upper()
        assert fault["类别"] == "format"


def test_error_and_format_categories_follow_the_kinds(dirty):
    assert all(r["类别"] == KINDS[r["问题类型"]][0] for r in dirty[2])


def test_unknown_words_are_outside_the_vocabulary(dirty):
    for fault in _faults(dirty[2], "unknown_enum"):
        assert fault["注入值"] not in LEDGER_TEXT[ENUM_COLUMNS[fault["列"]]]


def test_negative_amounts_are_negative_and_never_business_income(dirty):
    for fault in _faults(dirty[2], "negative_amount"):
        assert int(fault["注入值"]) < 0 and fault["列"] != "生产经营性收入"


def test_disagreeing_rows_differ_from_their_households_first_row(dirty):
    _, rows, report = dirty
    for fault in _faults(report, "household_disagree"):
        row = rows[int(fault["行号"]) - 2]
        first = next(r for r in rows if r["户编号"] == row["户编号"])
        assert row[fault["列"]] != first[fault["列"]]


def test_duplicated_ids_belong_to_another_household(dirty):
    _, rows, report = dirty
    for fault in _faults(report, "duplicate_id"):
        holders = {r["户编号"] for r in rows if r["证件号码"] == fault["注入值"]}
        assert len(holders) == 2 and fault["户编号"] in holders


@pytest.mark.parametrize(("kind", "value"), [("blank_name", ""), ("blank_id", ""), ("months_13", "13")])
def test_simple_faults_inject_their_value(dirty, kind, value):
    assert {f["注入值"] for f in _faults(dirty[2], kind)} == {value}


def test_a_household_without_head_has_no_head_row(dirty):
    _, rows, report = dirty
    for fault in _faults(report, "no_head"):
        assert all(r["与户主关系"] != "户主" for r in rows if r["户编号"] == fault["户编号"])


# --- the command --------------------------------------------------------------------------------------------


def test_the_command_writes_the_files_and_a_chinese_summary(out_dir, capsys):
    call_command("generate", households=30, seed=2, out=out_dir / "g.csv", dirty=True, dirty_rate=0.5)
    out = capsys.readouterr().out
    assert "已生成 30 户" in out and "注入问题" in out
    assert sorted(p.name for p in out_dir.iterdir()) == ["g.csv", "g.dirty-report.csv", "g.villages.csv"]


def test_the_command_refuses_a_bad_extension_in_chinese(out_dir):
    with pytest.raises(CommandError, match=r"输出文件须以 \.csv 或 \.xlsx 结尾"):
        call_command("generate", households=3, out=out_dir / "g.ods")
    assert list(out_dir.iterdir()) == []
