"""Income pre-assessment (收入预评估): projection from part of a year, threshold, gap per household and village."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from jingzhun.policy.packs import PackError
from jingzhun.policy.selectors import pre_assessment_for_scope
from jingzhun.policy.windows import MonthWindow
from tests.factories import AreaFactory, HouseholdFactory, IncomeFactory, MemberFactory
from tests.spreadsheets.printed import BOM

pytestmark = pytest.mark.django_db

ZERO = Decimal("0")
JUNE_2020 = MonthWindow.of_year(2020, 6)
LIAOCHENG = MonthWindow((2019, 10), (2020, 6))  # October 2019 to June 2020: 9 months


def _amounts(**income):
    return {
        "wage": ZERO,
        "business_income": ZERO,
        "business_expense": ZERO,
        "pension": ZERO,
        **{k: Decimal(str(v)) for k, v in income.items()},
    }


def _household(*, people: int = 2, village=None, year: int = 2020, **income):
    household = HouseholdFactory(village=village) if village else HouseholdFactory()
    for _ in range(people):
        MemberFactory(household=household)
    IncomeFactory(household=household, year=year, **_amounts(**income))
    return household


def test_monthly_income_is_projected_to_twelve_months():
    # 6000 recorded through June → 12000 a year for 2 people = 6000 each: above 4500.
    _household(wage=6000)
    result = pre_assessment_for_scope(window=JUNE_2020, pack="shandong-2020")
    assert result.households == []


def test_household_projected_below_threshold_is_listed_with_its_gap():
    # 3000 through June → 6000 a year, 3000 each: 1500 short per person, 3000 for the household.
    household = _household(wage=3000)
    result = pre_assessment_for_scope(window=JUNE_2020, pack="shandong-2020")
    [row] = result.households
    assert row["household_no"] == household.household_no
    assert row["projected_net_cents"] == 600000
    assert row["projected_pc_cents"] == 300000
    assert row["gap_per_person_cents"] == 150000
    assert row["gap_household_cents"] == 300000


def test_lump_sum_items_are_not_scaled():
    # Dividends are paid once a year: 4000 wage through June → 8000, plus 2000 dividend as recorded = 10000,
    # 5000 each: not below 4500. Scaled, the dividend would have counted twice.
    _household(wage=4000, dividend=2000)
    assert pre_assessment_for_scope(window=JUNE_2020, pack="shandong-2020").households == []


def test_projection_exactly_at_threshold_is_not_below():
    _household(people=1, wage=2250)  # → 4500 exactly
    assert pre_assessment_for_scope(window=JUNE_2020, pack="shandong-2020").households == []


def test_villages_sum_households_people_and_gap():
    village = AreaFactory()
    _household(village=village, wage=3000)  # gap 3000
    _household(village=village, people=1, wage=1000)  # 2000 a year → gap 2500
    result = pre_assessment_for_scope(window=JUNE_2020, pack="shandong-2020")
    assert result.villages == [{"village_code": village.code, "households": 2, "people": 3, "gap_cents": 550000}]


def test_explicit_threshold_overrides_the_pack():
    _household(wage=3000)  # 3000 each projected
    assert pre_assessment_for_scope(window=JUNE_2020, threshold=Decimal("2000")).households == []


def test_pack_without_a_threshold_is_a_clear_error():
    with pytest.raises(PackError, match="预评估门槛"):
        pre_assessment_for_scope(window=JUNE_2020, pack="national")


def test_household_without_income_is_reported_not_projected_as_zero():
    household = HouseholdFactory()
    MemberFactory(household=household)
    result = pre_assessment_for_scope(window=JUNE_2020, pack="shandong-2020")
    assert result.households == []
    assert result.excluded == [{"household_no": household.household_no, "reason": "无 2020 年收入记录"}]


def test_command_writes_households_and_villages(tmp_path):
    household = _household(wage=3000)
    out, villages = tmp_path / "pre.csv", tmp_path / "villages.csv"
    call_command(
        "preassess", "--year", "2020", "--through-month", "6", "--pack", "shandong-2020",
        "--out", str(out), "--villages-out", str(villages),
    )  # fmt: skip
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("household_no,village_code,poverty_status,size")
    assert (
        lines[1]
        == f"{household.household_no},{household.village_id},已脱贫(享受政策),2,3000.00,6000.00,3000.00,4500.00,1500.00,3000.00"
    )
    assert villages.read_text(encoding="utf-8").splitlines()[1] == f"{household.village_id},1,2,3000.00"


def test_command_writes_the_household_list_with_the_bom_and_the_village_digits_without(tmp_path):
    _household(wage=3000)
    out, villages = tmp_path / "pre.csv", tmp_path / "villages.csv"
    call_command(
        "preassess", "--year", "2020", "--through-month", "6", "--pack", "shandong-2020",
        "--out", str(out), "--villages-out", str(villages),
    )  # fmt: skip
    assert (out.read_bytes()[:15], villages.read_bytes()[:13]) == (BOM + b"household_no", b"village_code,")


def test_command_refuses_a_month_outside_the_year():
    with pytest.raises(CommandError) as error:
        call_command("preassess", "--year", "2020", "--through-month", "13", "--pack", "shandong-2020")
    assert error.value.returncode == 2


# --- a window of months across years (Liaocheng: October 2019 to June 2020) ---------------------------------------


def test_window_across_a_year_takes_the_earlier_years_months_at_its_monthly_rate():
    # 2019 (complete): 12000 wage → 1000 a month, 3 months in the window = 3000; 2020 through June: 3600.
    # 6600 over 9 months → 8800 a year for 2 people = 4400 each: 100 short of 4500.
    household = _household(wage=3600)
    IncomeFactory(household=household, year=2019, **_amounts(wage=12000))
    [row] = pre_assessment_for_scope(window=LIAOCHENG, pack="shandong-2020").households
    assert (row["projected_net_cents"], row["projected_pc_cents"]) == (880000, 440000)
    assert (row["gap_per_person_cents"], row["gap_household_cents"]) == (10000, 20000)
    assert row["recorded_net_cents"] == 660000  # what the window's nine months recorded


def test_window_across_a_year_lifts_a_household_whose_earlier_months_were_better():
    # The same 2020 through June alone projects 7200 (3600 each, listed); with late 2019 at 2000 a month it is
    # (6000 + 3600) × 12 / 9 = 12800, 6400 each: not listed.
    household = _household(wage=3600)
    IncomeFactory(household=household, year=2019, **_amounts(wage=24000))
    assert len(pre_assessment_for_scope(window=JUNE_2020, pack="shandong-2020").households) == 1
    assert pre_assessment_for_scope(window=LIAOCHENG, pack="shandong-2020").households == []


def test_window_counts_the_projected_years_lump_sums_once_and_not_the_earlier_years():
    # 2019's dividend (paid last year) is not 2020's income; 2020's is taken as recorded, not scaled.
    household = _household(wage=2700, dividend=1000)  # 2020: 2700 + 1000 dividend
    IncomeFactory(household=household, year=2019, **_amounts(wage=12000, dividend=50000))
    [row] = pre_assessment_for_scope(window=LIAOCHENG, pack="shandong-2020").households
    # (3000 + 2700) × 12 / 9 = 7600, + 1000 = 8600
    assert row["projected_net_cents"] == 860000


def test_window_without_the_earlier_years_income_is_listed_apart():
    household = _household(wage=100)  # no 2019 row
    result = pre_assessment_for_scope(window=LIAOCHENG, pack="shandong-2020")
    assert result.households == []
    assert result.excluded == [{"household_no": household.household_no, "reason": "无 2019 年收入记录"}]


def test_window_of_january_to_june_is_the_projection_through_june():
    _household(wage=3000)
    a = pre_assessment_for_scope(window=JUNE_2020, pack="shandong-2020")
    b = pre_assessment_for_scope(window=MonthWindow((2020, 1), (2020, 6)), pack="shandong-2020")
    assert a.households == b.households != []


@pytest.mark.parametrize(
    ("window", "reason"),
    [
        (MonthWindow((2020, 6), (2019, 10)), "晚于截止月份"),
        (MonthWindow((2018, 1), (2020, 6)), "最长 24 个月"),
        (MonthWindow((2012, 10), (2013, 6)), "不能早于 2013-01"),
        (MonthWindow((2020, 1), (2020, 13)), "月份应为 1 到 12"),
        (MonthWindow((2099, 1), (2099, 6)), "不能晚于本月"),
    ],
)
def test_bad_windows_are_refused_in_chinese(window, reason):
    with pytest.raises(PackError, match=reason):
        pre_assessment_for_scope(window=window, pack="shandong-2020")


def test_a_window_of_24_months_is_allowed():
    _household(wage=3000)
    result = pre_assessment_for_scope(window=MonthWindow((2018, 7), (2020, 6)), pack="shandong-2020")
    assert result.window.months == 24


def test_command_takes_a_window_across_years(tmp_path):
    household = _household(wage=3600)
    IncomeFactory(household=household, year=2019, **_amounts(wage=12000))
    out = tmp_path / "pre.csv"
    call_command(
        "preassess", "--from", "2019-10", "--to", "2020-06", "--pack", "shandong-2020", "--out", str(out)
    )  # fmt: skip
    assert out.read_text(encoding="utf-8-sig").splitlines()[1].endswith(",8800.00,4400.00,4500.00,100.00,200.00")


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--from", "2019/10", "--to", "2020-06"], "年-月"),
        (["--from", "2019-10"], "同时给出"),
        (["--from", "2020-06", "--to", "2019-10"], "晚于截止月份"),
        (["--from", "2017-01", "--to", "2020-06"], "最长 24 个月"),
    ],
)
def test_command_refuses_a_bad_window_in_chinese(args, reason):
    with pytest.raises(CommandError, match=reason) as error:
        call_command("preassess", *args, "--pack", "shandong-2020")
    assert error.value.returncode == 2
