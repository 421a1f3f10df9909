"""Income pre-assessment (收入预评估): projection from part of a year, threshold, gap per household and village."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from jingzhun.policy.packs import PackError
from jingzhun.policy.selectors import pre_assessment_for_scope
from tests.factories import AreaFactory, HouseholdFactory, IncomeFactory, MemberFactory
from tests.spreadsheets.printed import BOM

pytestmark = pytest.mark.django_db

ZERO = Decimal("0")


def _household(*, people: int = 2, village=None, **income):
    household = HouseholdFactory(village=village) if village else HouseholdFactory()
    for _ in range(people):
        MemberFactory(household=household)
    amounts = {
        "wage": ZERO,
        "business_income": ZERO,
        "business_expense": ZERO,
        "pension": ZERO,
        **{k: Decimal(str(v)) for k, v in income.items()},
    }
    IncomeFactory(household=household, year=2020, **amounts)
    return household


def test_monthly_income_is_projected_to_twelve_months():
    # 6000 recorded through June → 12000 a year for 2 people = 6000 each: above 4500.
    _household(wage=6000)
    result = pre_assessment_for_scope(year=2020, through_month=6, pack="shandong-2020")
    assert result.households == []


def test_household_projected_below_threshold_is_listed_with_its_gap():
    # 3000 through June → 6000 a year, 3000 each: 1500 short per person, 3000 for the household.
    household = _household(wage=3000)
    result = pre_assessment_for_scope(year=2020, through_month=6, pack="shandong-2020")
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
    assert pre_assessment_for_scope(year=2020, through_month=6, pack="shandong-2020").households == []


def test_projection_exactly_at_threshold_is_not_below():
    _household(people=1, wage=2250)  # → 4500 exactly
    assert pre_assessment_for_scope(year=2020, through_month=6, pack="shandong-2020").households == []


def test_villages_sum_households_people_and_gap():
    village = AreaFactory()
    _household(village=village, wage=3000)  # gap 3000
    _household(village=village, people=1, wage=1000)  # 2000 a year → gap 2500
    result = pre_assessment_for_scope(year=2020, through_month=6, pack="shandong-2020")
    assert result.villages == [{"village_code": village.code, "households": 2, "people": 3, "gap_cents": 550000}]


def test_explicit_threshold_overrides_the_pack():
    _household(wage=3000)  # 3000 each projected
    assert pre_assessment_for_scope(year=2020, through_month=6, threshold=Decimal("2000")).households == []


def test_pack_without_a_threshold_is_a_clear_error():
    with pytest.raises(PackError, match="预评估门槛"):
        pre_assessment_for_scope(year=2020, through_month=6, pack="national")


def test_household_without_income_is_reported_not_projected_as_zero():
    household = HouseholdFactory()
    MemberFactory(household=household)
    result = pre_assessment_for_scope(year=2020, through_month=6, pack="shandong-2020")
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
