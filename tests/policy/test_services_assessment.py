"""The assessment of one year (docs/RULES.md §1–§7) through ``assessment_run``: each rule at its boundary.

An assessment run compiles its whole plan, which takes a moment; so the households of the rule tests are
built once per module by the ``@scenario`` builders placed just above their tests, assessed together in
one run per year and pack, and rolled back afterwards. Each test reads the result of its own households.
Tests about runs themselves (scope, repeat runs, atomicity, county totals) are in
``test_services_assessment_runs.py``: they need a database of their own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from jingzhun.areas.models import Area
from jingzhun.policy.models import AreaResult, HouseholdResult
from jingzhun.policy.services import assessment_run
from jingzhun.registry.models import Household
from tests.factories import AreaFactory

from .builders import WELL_OFF, event, household, income, member, passing, people

pytestmark = pytest.mark.django_db

# --- scenarios: built once, assessed once per (year, pack) -----------------------------------------------------

Builder = Callable[[], Any]
SCENARIOS: dict[tuple[int, str], list[Builder]] = defaultdict(list)


def scenario(builder: Builder | None = None, *, year: int = 2020, pack: str = "national") -> Any:
    """Register a builder returning a household, a village, or a dict of them; tests get their results."""

    def register(function: Builder) -> Builder:
        SCENARIOS[(year, pack)].append(function)
        return function

    return register(builder) if builder else register


def _result_of(value: Any, households: dict[int, HouseholdResult], areas: dict[str, AreaResult]) -> Any:
    if isinstance(value, dict):
        return {key: _result_of(item, households, areas) for key, item in value.items()}
    if isinstance(value, Area):
        return areas[value.code]
    return households[value.pk]


@pytest.fixture(scope="module")
def results(django_db_setup, django_db_blocker, tmp_path_factory):
    """Build every scenario, assess once per (year, pack), map each builder to its results; roll back after."""
    data_dir = tmp_path_factory.mktemp("data")
    with django_db_blocker.unblock(), override_settings(DATA_DIR=data_dir), transaction.atomic():
        built = {(group, builder): builder() for group, builders in SCENARIOS.items() for builder in builders}
        found: dict[Builder, Any] = {}
        for year, pack in SCENARIOS:
            run = assessment_run(year=year, pack=pack)
            households = {r.household_id: r for r in HouseholdResult.objects.filter(run=run)}
            areas = {r.area_code: r for r in AreaResult.objects.filter(run=run)}
            for (group, builder), value in built.items():
                if group == (year, pack):
                    found[builder] = _result_of(value, households, areas)
        yield found
        transaction.set_rollback(True)


# --- §1 income -------------------------------------------------------------------------------------------------


@scenario
def at_the_line():
    return {"4000": passing(net="4000"), "4000.01": passing(net="4000.01")}


def test_income_exactly_at_the_line_is_not_enough(results):
    result = results[at_the_line]["4000"]
    assert result.income_ok is False
    assert "收入不达标：人均纯收入 4000.00 元，未超过贫困标准 4000 元" in result.reasons


def test_income_a_cent_above_the_line_is_enough(results):
    assert results[at_the_line]["4000.01"].income_ok is True


@scenario
def every_income_item():
    home = household()
    member(home)
    items = {
        "wage": "1000",
        "business_income": "2000",
        "business_expense": "500",
        "dividend": "10",
        "other_property": "20",
        "family_planning": "30",
        "dibao": "40",
        "tekun": "50",
        "pension": "60",
        "eco_compensation": "70",
        "other_transfer": "80.55",
    }
    income(home, "0", **{name: Decimal(amount) for name, amount in items.items()})
    return home


def test_net_income_adds_every_item_and_subtracts_the_business_expense(results):
    assert results[every_income_item].net_income == Decimal("2860.55")


@scenario
def two_active_of_four():
    home = passing(net="8000.02", members=2)
    member(home, status="deceased")
    member(home, status="moved_out")
    return home


def test_household_size_counts_active_members_only(results):
    result = results[two_active_of_four]
    assert (result.size, result.income_per_capita, result.income_ok) == (2, Decimal("4000.01"), True)


@scenario
def three_sharing_a_cent_over():
    return passing(net="12000.01", members=3)  # 4000.0033… per person


def test_income_is_compared_at_full_precision_not_at_the_rounded_display(results):
    result = results[three_sharing_a_cent_over]
    assert (result.income_per_capita, result.income_ok) == (Decimal("4000.00"), True)


# --- §3 indicators -----------------------------------------------------------------------------------------------


@scenario
def hungry():
    return passing(food_clothing_ok=False)


def test_food_and_clothing_answered_no_fails(results):
    result = results[hungry]
    assert result.food_clothing_ok is False
    assert "不愁吃不愁穿：填报为「否」" in result.reasons


@scenario
def children_out_of_school():
    homes = {}
    for code, name in [("dropped_out", "辍学娃"), ("not_in_school", "失学娃"), ("home_schooled", "送教娃")]:
        homes[code] = passing()
        member(homes[code], name=name, birth_date=dt.date(2010, 5, 5), school_status=code)
    return homes


@pytest.mark.parametrize(
    ("code", "name", "text"), [("dropped_out", "辍学娃", "辍学"), ("not_in_school", "失学娃", "非在校生")]
)
def test_education_fails_for_a_child_out_of_school_and_names_the_child(results, code, name, text):
    result = results[children_out_of_school][code]
    assert result.education_ok is False
    assert f"义务教育无保障：{name}（10 岁，在校生状况为{text}）" in result.reasons


def test_education_counts_home_schooling_as_in_school(results):
    assert results[children_out_of_school]["home_schooled"].education_ok is True


AGES = {
    dt.date(2014, 12, 31): False,  # 6 on 31 December 2020
    dt.date(2015, 1, 1): True,  # still 5
    dt.date(2005, 1, 1): False,  # 15
    dt.date(2004, 12, 31): True,  # 16
}


@scenario
def dropouts_by_birth_date():
    homes = {}
    for born in AGES:
        homes[born] = passing()
        member(homes[born], birth_date=born, school_status="dropped_out")
    return homes


@pytest.mark.parametrize(("born", "expected"), AGES.items())
def test_compulsory_age_is_taken_on_31_december_of_the_year(results, born, expected):
    assert results[dropouts_by_birth_date][born].education_ok is expected


@scenario
def dropout_moved_out():
    home = passing()
    member(home, birth_date=dt.date(2010, 5, 5), school_status="dropped_out", status="moved_out")
    return home


def test_education_ignores_a_member_no_longer_active(results):
    assert results[dropout_moved_out].education_ok is True


@scenario
def insurance():
    homes = {}
    for code in ["", "none", "employee"]:
        homes[code] = passing()
        member(homes[code], name="参保人" + code, medical_insurance=code)
    return homes


@pytest.mark.parametrize(("code", "text"), [("", "未填写"), ("none", "未参保")])
def test_medical_fails_for_an_uninsured_member_and_names_them(results, code, text):
    result = results[insurance][code]
    assert result.medical_ok is False
    assert f"基本医疗无保障：参保人{code}（基本医疗保险{text}）" in result.reasons


def test_employee_insurance_counts_as_insured(results):
    assert results[insurance]["employee"].medical_ok is True


@scenario
def five_uninsured():
    home = household()
    for name in ["甲", "乙", "丙", "丁", "戊"]:
        member(home, name=name, medical_insurance="none")
    income(home, WELL_OFF)
    return home


def test_a_long_list_of_failing_members_names_three_and_counts_the_rest(results):
    reasons = results[five_uninsured].reasons
    assert (
        "基本医疗无保障：甲（基本医疗保险未参保）、乙（基本医疗保险未参保）、丙（基本医疗保险未参保）等 5 人" in reasons
    )
    assert "丁" not in reasons


HOUSING = {
    ("B", "no"): True,
    ("C", "living"): True,
    ("D", "living"): True,
    ("C", "no"): False,
    ("C", "moved_not_living"): False,
    ("", "no"): False,
}


@scenario
def housing():
    return {(grade, move): passing(housing_grade=grade, relocation=move) for grade, move in HOUSING}


@pytest.mark.parametrize(("key", "expected"), HOUSING.items())
def test_housing_is_safe_with_grade_a_or_b_or_after_moving_into_relocation_housing(results, key, expected):
    assert results[housing][key].housing_ok is expected


def test_unsafe_housing_reason_names_the_grade(results):
    assert "住房安全无保障：住房安全等级为 C，且未易地搬迁入住" in results[housing][("C", "no")].reasons


def test_blank_housing_grade_is_named_as_blank(results):
    assert "住房安全无保障：住房安全等级未填写，且未易地搬迁入住" in results[housing][("", "no")].reasons


@scenario
def water_blank():
    return passing(water_quality_ok=None, water_lpd=None, water_piped=None, water_supply_rate=None)


def test_water_fields_left_blank_fail_with_each_blank_named(results):
    result = results[water_blank]
    assert result.water_ok is False
    assert (
        "饮水安全无保障：饮水水质未填写，每人每日水量未填写，未通自来水，取水往返时间未填写，供水保证率未填写"
        in result.reasons
    )


@scenario
def water_unsafe():
    return passing(water_quality_ok=False)


def test_water_quality_not_met_fails(results):
    result = results[water_unsafe]
    assert result.water_ok is False
    assert "饮水安全无保障：饮水水质不达标" in result.reasons


LITRES = {"35": True, "34.99": False, "20": False}


@scenario
def water_quantity():
    return {litres: passing(water_lpd=Decimal(litres)) for litres in LITRES}


@pytest.mark.parametrize(("litres", "expected"), LITRES.items())
def test_water_quantity_needs_35_litres(results, litres, expected):
    assert results[water_quantity][litres].water_ok is expected


def test_water_quantity_reason_names_the_amount_and_the_minimum(results):
    assert "饮水安全无保障：每人每日水量 20 升，低于 35 升" in results[water_quantity]["20"].reasons


SCARCE_LITRES = {"20": True, "19.5": False}


@scenario
def water_scarce_village():
    return {
        litres: passing(village=AreaFactory(water_scarce=True), water_lpd=Decimal(litres)) for litres in SCARCE_LITRES
    }


@pytest.mark.parametrize(("litres", "expected"), SCARCE_LITRES.items())
def test_a_water_scarce_village_accepts_20_litres(results, litres, expected):
    assert results[water_scarce_village][litres].water_ok is expected


def test_a_water_scarce_village_names_its_own_minimum(results):
    assert "每人每日水量 19.5 升，低于 20 升" in results[water_scarce_village]["19.5"].reasons


MINUTES = {"20": True, "20.5": False, "25": False}


@scenario
def fetched_by_hand():
    return {m: passing(water_piped=False, water_fetch_minutes=Decimal(m)) for m in MINUTES}


@pytest.mark.parametrize(("minutes", "expected"), MINUTES.items())
def test_water_fetched_by_hand_must_take_at_most_20_minutes(results, minutes, expected):
    assert results[fetched_by_hand][minutes].water_ok is expected


def test_long_fetch_reason_names_the_minutes(results):
    assert "饮水安全无保障：未通自来水，取水往返 25 分钟，超过 20 分钟" in results[fetched_by_hand]["25"].reasons


@scenario
def piped_but_far():
    return passing(water_piped=True, water_fetch_minutes=Decimal("60"))


def test_piped_water_needs_no_fetch_time(results):
    assert results[piped_but_far].water_ok is True


RATES = {"90": True, "89.99": False}


@scenario
def supply_rate():
    return {rate: passing(water_supply_rate=Decimal(rate)) for rate in RATES}


@pytest.mark.parametrize(("rate", "expected"), RATES.items())
def test_water_supply_rate_must_be_at_least_90(results, rate, expected):
    assert results[supply_rate][rate].water_ok is expected


def test_supply_rate_reason_names_the_rate(results):
    assert "供水保证率 89.99%，低于 90%" in results[supply_rate]["89.99"].reasons


@scenario
def meeting_everything():
    return passing()


def test_a_household_meeting_everything_has_no_reasons(results):
    result = results[meeting_everything]
    assert (result.meets_standard, result.monitoring_flag, result.reasons, result.exclusion) == (True, False, "", "")


def test_meets_standard_needs_every_national_indicator(results):
    result = results[water_unsafe]
    assert (result.income_ok, result.housing_ok, result.water_ok, result.meets_standard) == (True, True, False, False)


@scenario
def several_failures():
    home = household(housing_grade="D")
    member(home, medical_insurance="none")
    income(home, "100")
    return home


def test_several_failures_are_joined_in_one_reason_text(results):
    reasons = results[several_failures].reasons.split("；")
    assert [r.split("：")[0] for r in reasons] == ["收入不达标", "基本医疗无保障", "住房安全无保障", "低收入"]


# --- shaanxi-2017: the 2017 line and five household criteria -------------------------------------------------------


@scenario(year=2017, pack="shaanxi-2017")
def shaanxi_households():
    homes = {}
    for net in ["3208.75", "3208.76"]:
        homes[net] = household(water_quality_ok=None, water_lpd=None, water_piped=None, water_supply_rate=None)
        member(homes[net])
        income(homes[net], net, year=2017)
    return homes


def test_shaanxi_meets_standard_ignores_water(results):
    result = results[shaanxi_households]["3208.76"]
    assert (result.water_ok, result.meets_standard, result.exit_eligible) == (False, True, True)


def test_shaanxi_line_is_strict_too(results):
    result = results[shaanxi_households]["3208.75"]
    assert (result.income_ok, result.meets_standard) == (False, False)
    assert "未超过贫困标准 3208.75 元" in result.reasons


@scenario(year=2017, pack="shaanxi-2017")
def shaanxi_village_without_road():
    village = AreaFactory(population=1000, collective_economy=True, paved_road=False, power=True, clinic=True)
    people(village, "not_exited", active=1)  # 0.1 %
    return village


def test_shaanxi_village_needs_its_village_criteria(results):
    row = results[shaanxi_village_without_road]
    assert (row.incidence_bp, row.exit_eligible, row.reasons) == (10, False, "未通硬化路")


# --- §4 outcomes by status ---------------------------------------------------------------------------------------

STATUSES = ["not_exited", "relapsed", "pre_exit", "exited", "exited_no_policy", "non_poor"]


@scenario
def meeting_by_status():
    return {status: passing(status) for status in STATUSES}


@scenario
def failing_by_status():
    return {status: passing(status, housing_grade="D") for status in STATUSES}


@pytest.mark.parametrize(
    ("status", "expected"), list(zip(STATUSES, [True, True, True, False, False, False], strict=True))
)
def test_exit_eligible_for_households_under_assistance_that_meet_the_standard(results, status, expected):
    assert results[meeting_by_status][status].exit_eligible is expected


def test_not_exit_eligible_when_the_standard_is_not_met(results):
    assert results[failing_by_status]["not_exited"].exit_eligible is False


@pytest.mark.parametrize(
    ("status", "expected"), list(zip(STATUSES, [False, False, False, True, True, False], strict=True))
)
def test_relapse_candidate_for_exited_households_below_the_standard(results, status, expected):
    assert results[failing_by_status][status].relapse_candidate is expected


def test_no_relapse_candidate_when_an_exited_household_meets_the_standard(results):
    assert results[meeting_by_status]["exited"].relapse_candidate is False


IDENTIFY = {("non_poor", "4000"): True, ("non_poor", "4000.01"): False, ("not_exited", "1000"): False}


@scenario
def identify():
    return {(status, net): passing(status, net=net) for status, net in IDENTIFY}


@pytest.mark.parametrize(("key", "expected"), IDENTIFY.items())
def test_identify_candidate_for_a_non_poor_household_at_or_below_the_line(results, key, expected):
    assert results[identify][key].identify_candidate is expected


# --- §6 monitoring triggers --------------------------------------------------------------------------------------

LOW = {"5999.99": True, "6000": False}


@scenario
def low_income():
    return {net: passing("non_poor", net=net) for net in LOW}


@pytest.mark.parametrize(("net", "expected"), LOW.items())
def test_low_income_below_the_monitoring_threshold(results, net, expected):
    result = results[low_income][net]
    assert (result.low_income, result.monitoring_flag) == (expected, expected)


def test_low_income_reason_names_the_threshold(results):
    result = results[low_income]["5999.99"]
    assert "低收入：人均纯收入 5999.99 元，低于监测范围 6000 元" in result.reasons
    assert result.triggers == ["low_income"]


DROP = {"70000": False, "69999.99": True}  # against 100000 last year: exactly 30 % is not a drop


@scenario
def income_drop():
    homes = {}
    for now in DROP:
        homes[now] = passing("non_poor", net=now)
        income(homes[now], "100000", year=2019)
    return homes


@pytest.mark.parametrize(("now", "expected"), DROP.items())
def test_income_drop_of_more_than_30_percent_against_last_year(results, now, expected):
    assert results[income_drop][now].income_drop is expected


def test_income_drop_reason_names_both_years(results):
    reasons = results[income_drop]["69999.99"].reasons
    assert "收入骤减：纯收入由上年 100000.00 元降至 69999.99 元，降幅超过 30%" in reasons


@scenario
def drop_from_nothing():
    homes = {}
    for last_year in ["0", "-2000", None]:
        homes[last_year] = passing("non_poor", net="-5000")
        if last_year is not None:
            income(homes[last_year], last_year, year=2019)
    return homes


@pytest.mark.parametrize("last_year", ["0", "-2000", None])
def test_no_income_drop_unless_last_years_net_was_positive(results, last_year):
    assert results[drop_from_nothing][last_year].income_drop is False


BURDEN = {
    ("100000", "10000"): False,
    ("100000", "10000.01"): True,  # over the amount
    ("8000", "4000"): False,  # exactly half the net income
    ("8000", "4000.01"): True,  # more than half
    ("0", "0.01"): True,  # any cost when the net income is not positive
    ("-100", "0.01"): True,
    ("0", "0"): False,
}


@scenario
def medical_costs():
    homes = {}
    for net, cost in BURDEN:
        homes[(net, cost)] = household("non_poor")
        member(homes[(net, cost)])
        income(homes[(net, cost)], net, medical_self_paid=Decimal(cost))
    return homes


@pytest.mark.parametrize(("key", "expected"), BURDEN.items())
def test_medical_burden(results, key, expected):
    assert results[medical_costs][key].medical_burden is expected


def test_medical_burden_reason_names_the_cost_and_the_rule(results):
    reasons = results[medical_costs][("100000", "10000.01")].reasons
    assert "大病负担：自付医疗费用 10000.01 元，超过 10000 元" in reasons
    assert "大病负担：自付医疗费用 4000.01 元，超过纯收入的 50%" in results[medical_costs][("8000", "4000.01")].reasons


@scenario
def events():
    this_year, last_year = passing("non_poor"), passing("non_poor")
    event(this_year, "disaster", dt.date(2020, 7, 1), "3000")
    event(last_year, "accident", dt.date(2019, 12, 31), "3000")
    twice = passing("non_poor")
    event(twice, "laborer_death", dt.date(2020, 2, 1), "8000")
    event(twice, "accident", dt.date(2020, 9, 1), "1500.50")
    return {2020: this_year, 2019: last_year, "twice": twice}


def test_sudden_event_in_the_year(results):
    result = results[events][2020]
    assert (result.sudden_event, result.monitoring_flag) == (True, True)
    assert "突发事件：2020 年记录自然灾害，损失 3000.00 元" in result.reasons


def test_sudden_event_of_another_year_does_not_count(results):
    assert results[events][2019].sudden_event is False


def test_several_events_name_the_first_kind_in_a_fixed_order_count_them_and_add_their_losses(results):
    # The fixed order (disaster, accident, death, disability) does not depend on how the database sorts text.
    assert "突发事件：2020 年记录意外事故等 2 起，损失 9500.50 元" in results[events]["twice"].reasons


@scenario
def poor_and_low():
    return passing("not_exited", net="1000")


def test_the_flag_is_computed_for_households_under_assistance_too(results):
    result = results[poor_and_low]
    assert (result.monitoring_flag, result.suggested_category) == (True, "")


# --- §6 suggested category ---------------------------------------------------------------------------------------


@scenario
def categories():
    homes = {status: passing(status, net="5000") for status in ["exited", "exited_no_policy", "non_poor"]}
    for loss in ["20000.01", "20000"]:
        homes[loss] = passing("non_poor", net="20000")
        event(homes[loss], "accident", dt.date(2020, 3, 1), loss)
    return homes


@pytest.mark.parametrize("status", ["exited", "exited_no_policy"])
def test_a_flagged_exited_household_is_unstable(results, status):
    assert results[categories][status].suggested_category == "unstable"


def test_a_non_poor_household_losing_more_than_its_net_income_is_sudden(results):
    assert results[categories]["20000.01"].suggested_category == "sudden"


def test_a_non_poor_household_losing_its_net_income_exactly_is_marginal(results):
    assert results[categories]["20000"].suggested_category == "marginal"


def test_a_flagged_non_poor_household_without_an_event_is_marginal(results):
    assert results[categories]["non_poor"].suggested_category == "marginal"


def test_an_unflagged_household_gets_no_category(results):
    result = results[meeting_by_status]["exited"]
    assert (result.monitoring_flag, result.suggested_category) == (False, "")


# --- §7 tiers ----------------------------------------------------------------------------------------------------


def tier_household(
    labors: list[str], net: str = WELL_OFF, *, deceased_labor: str = "", status: str = "exited", year: int = 2020
) -> Household:
    home = household(status)
    for labor in labors:
        member(home, labor=labor)
    if deceased_labor:
        member(home, labor=deceased_labor, status="deceased")
    income(home, net, year=year)
    return home


@scenario
def tiers():
    return {
        "no labor": tier_household(["none", "lost", ""]),
        "weak only": tier_household(["weak", "none"]),
        "full, twice the threshold": tier_household(["skilled", "weak"], "24000"),  # 12000 each = 2 × 6000
        "full, a cent short": tier_household(["ordinary", "none"], "23999.99"),
        "full laborer deceased": tier_household(["none"], deceased_labor="skilled"),
        "full, a cent below the threshold": tier_household(["ordinary"], "5999.99"),
        "full, at the threshold": tier_household(["ordinary"], "6000"),
        "full and weak, below the threshold": tier_household(["skilled", "weak"], "11999.98"),
        # 5999.9966… each: shown as 6000.00, yet below the threshold
        "full, below the threshold by a fraction of a cent": tier_household(["ordinary", "none", "none"], "17999.99"),
    }


def test_no_labor_is_fragile(results):
    assert results[tiers]["no labor"].tier == "fragile"


def test_weak_labor_only_is_general(results):
    assert results[tiers]["weak only"].tier == "general"


def test_a_full_laborer_with_twice_the_threshold_is_high_quality(results):
    assert results[tiers]["full, twice the threshold"].tier == "high_quality"


def test_a_full_laborer_a_cent_short_of_twice_the_threshold_is_stable(results):
    assert results[tiers]["full, a cent short"].tier == "stable"


def test_an_inactive_laborer_does_not_count_for_the_tier(results):
    assert results[tiers]["full laborer deceased"].tier == "fragile"


@pytest.mark.parametrize(
    "case", ["full, a cent below the threshold", "full and weak, below the threshold"], ids=lambda c: c
)
def test_a_full_laborer_below_the_monitoring_threshold_is_general(results, case):
    assert results[tiers][case].tier == "general"


def test_a_full_laborer_at_the_monitoring_threshold_is_stable(results):
    assert results[tiers]["full, at the threshold"].tier == "stable"


def test_the_tier_compares_income_at_full_precision(results):
    result = results[tiers]["full, below the threshold by a fraction of a cent"]
    assert (result.income_per_capita, result.tier) == (Decimal("6000.00"), "general")


@scenario
def tiers_by_status():
    statuses = ["not_exited", "relapsed", "pre_exit", "non_poor", "exited", "exited_no_policy"]
    return {status: tier_household(["skilled"], status=status) for status in statuses}


@pytest.mark.parametrize("status", ["not_exited", "relapsed", "pre_exit", "non_poor"])
def test_only_exited_households_get_a_tier(results, status):
    result = results[tiers_by_status][status]
    assert (result.exclusion, result.tier) == ("", "")


@pytest.mark.parametrize("status", ["exited", "exited_no_policy"])
def test_both_kinds_of_exited_household_are_tiered(results, status):
    assert results[tiers_by_status][status].tier == "high_quality"


# The shaanxi pack has no monitoring threshold: it is 1.5 × 3208.75 = 4813.125, not rounded to the cent (§7, §1).
@scenario(year=2017, pack="shaanxi-2017")
def tiers_on_a_derived_threshold():
    return {net: tier_household(["ordinary", "ordinary"], net, year=2017) for net in ["9626.25", "9626.24", "19252.50"]}


def test_a_derived_threshold_is_used_unrounded_by_the_trigger_and_the_tier(results):
    at = results[tiers_on_a_derived_threshold]["9626.25"]  # 4813.125 each
    below = results[tiers_on_a_derived_threshold]["9626.24"]  # 4813.12 each
    assert (at.low_income, at.tier) == (False, "stable")
    assert (below.low_income, below.tier) == (True, "general")
    assert "低于监测范围 4813.125 元" in below.reasons


def test_twice_a_derived_threshold_is_high_quality(results):
    assert results[tiers_on_a_derived_threshold]["19252.50"].tier == "high_quality"  # 9626.25 = 2 × 4813.125


# --- exclusions --------------------------------------------------------------------------------------------------


@scenario
def nobody_left():
    home = household()
    member(home, status="deceased")
    income(home, "1000")
    return home


def test_a_household_without_active_members_is_excluded_not_assessed(results):
    result = results[nobody_left]
    assert (result.size, result.exclusion, result.reasons, result.tier) == (
        0,
        "无在册成员（家庭人口为 0）",
        "无在册成员（家庭人口为 0）",
        "",
    )
    assert [result.income_ok, result.meets_standard, result.monitoring_flag, result.net_income] == [None] * 4


@scenario
def no_income_this_year():
    home = household()
    member(home)
    income(home, "9000", year=2019)
    return home


def test_a_household_without_income_for_the_year_is_excluded(results):
    result = results[no_income_this_year]
    assert (result.size, result.exclusion) == (1, "无 2020 年收入记录")
    assert (result.water_ok, result.exit_eligible, result.income_per_capita) == (None, None, None)


@scenario
def nothing_at_all():
    return household()


def test_a_household_with_neither_members_nor_income_names_both(results):
    assert results[nothing_at_all].exclusion == "无在册成员，且无 2020 年收入记录"


# --- §5 areas ----------------------------------------------------------------------------------------------------


@scenario
def poor_village():
    village = AreaFactory(population=100)
    people(village, "not_exited", active=2, inactive=1)
    people(village, "relapsed", active=1)
    people(village, "pre_exit", active=5)
    people(village, "exited", active=4)
    return village


def test_village_incidence_counts_active_people_of_not_exited_and_relapsed_households(results):
    row = results[poor_village]
    assert (row.level, row.population, row.poor_population, row.incidence_pct, row.exit_eligible) == (
        "village",
        100,
        3,
        Decimal("3.00"),
        False,
    )
    assert row.reasons == "贫困发生率 3.00%，未低于 2%"


VILLAGES = {(100, False, 2): False, (101, False, 2): True, (100, True, 2): True, (100, True, 3): False}


@scenario
def villages():
    found = {}
    for population, west, poor in VILLAGES:
        found[(population, west, poor)] = village = AreaFactory(population=population, west=west)
        people(village, "not_exited", active=poor)
    return found


@pytest.mark.parametrize(("key", "expected"), [(k, v) for k, v in VILLAGES.items() if not k[1]])
def test_village_exits_below_2_percent(results, key, expected):
    assert results[villages][key].exit_eligible is expected


@pytest.mark.parametrize(("key", "expected"), [(k, v) for k, v in VILLAGES.items() if k[1]])
def test_a_western_village_exits_below_3_percent(results, key, expected):
    assert results[villages][key].exit_eligible is expected


@scenario
def village_of_unknown_size():
    village = AreaFactory(population=None)
    people(village, "not_exited", active=1)
    return village


def test_village_with_unknown_population_has_no_incidence_and_cannot_exit(results):
    row = results[village_of_unknown_size]
    assert (row.population, row.poor_population, row.incidence_bp, row.exit_eligible) == (None, 1, None, False)
    assert row.reasons == "户籍人口未知，无法计算贫困发生率"
