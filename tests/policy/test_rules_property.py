"""Property test: the set-based engine agrees with a plain reading of docs/RULES.md §1–§7 on random households.

The reference below is written straight from the rules, one household at a time, with exact fractions. It
exists only here: the product never loops over households.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingzhun.policy.models import AssessmentRun, HouseholdResult
from jingzhun.policy.packs import pack_get
from jingzhun.policy.services import assessment_run
from jingzhun.registry.models import Household, HouseholdEvent, Income, Member
from tests.factories import AreaFactory, HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db

YEAR = 2020
RULES = pack_get("national").rules_for(YEAR)

money = st.decimals(min_value=0, max_value=40000, places=2, allow_nan=False, allow_infinity=False)
# Amounts that land exactly on a line for households of 1–4 people (4000 line, 6000 threshold, ×2 for the tier).
boundary = st.sampled_from([Decimal(v * k) for v in (4000, 6000, 12000) for k in (1, 2, 3, 4)])
mostly_zero = st.one_of(st.just(Decimal("0")), money)
member_st = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["active", "active", "active", "deceased", "moved_out"]),
        "birth": st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2019, 12, 31)),
        "school_status": st.sampled_from(["", "primary", "junior", "dropped_out", "not_in_school", "home_schooled"]),
        "medical_insurance": st.sampled_from(["resident", "resident", "employee", "none", ""]),
        "labor": st.sampled_from(["skilled", "ordinary", "weak", "lost", "none", ""]),
    }
)
household_st = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["non_poor", "not_exited", "exited", "pre_exit", "relapsed", "exited_no_policy"]),
        "members": st.lists(member_st, min_size=1, max_size=5),
        "food_clothing_ok": st.booleans(),
        "housing_grade": st.sampled_from(["A", "B", "C", "D", ""]),
        "relocation": st.sampled_from(["no", "no", "living", "moved_not_living"]),
        "water_quality_ok": st.sampled_from([True, True, False, None]),
        "water_lpd": st.sampled_from(
            [None, Decimal("19.99"), Decimal("20"), Decimal("34.99"), Decimal("35"), Decimal("80")]
        ),
        "water_piped": st.sampled_from([True, False, None]),
        "water_fetch_minutes": st.sampled_from([None, Decimal("10"), Decimal("20"), Decimal("20.5")]),
        "water_supply_rate": st.sampled_from([None, Decimal("89.99"), Decimal("90"), Decimal("100")]),
        "water_scarce": st.booleans(),
        "wage": st.one_of(boundary, money),
        "business_income": st.one_of(st.just(Decimal("0")), st.decimals(min_value=-20000, max_value=20000, places=2)),
        "business_expense": mostly_zero,
        "dibao": mostly_zero,
        "medical_self_paid": st.one_of(st.sampled_from([Decimal("10000"), Decimal("10000.01")]), mostly_zero),
        "previous_net": st.one_of(st.none(), boundary, money),
        "event_loss": st.one_of(st.none(), money),
    }
)


def _age(birth: dt.date) -> int:
    on = RULES.assessment_date
    return on.year - birth.year - ((birth.month, birth.day) > (on.month, on.day))


def reference(h: dict) -> dict:
    """docs/RULES.md §1–§7 for one household, as written."""
    active = [m for m in h["members"] if m["status"] == "active"]
    n = len(active)
    net = Fraction(h["wage"] + h["business_income"] - h["business_expense"] + h["dibao"])
    pc = net / n
    line, threshold = Fraction(RULES.poverty_line), Fraction(RULES.monitoring_threshold)
    min_lpd = 20 if h["water_scarce"] else 35
    water = (
        h["water_quality_ok"] is True
        and h["water_lpd"] is not None
        and h["water_lpd"] >= min_lpd
        and (h["water_piped"] is True or (h["water_fetch_minutes"] is not None and h["water_fetch_minutes"] <= 20))
        and h["water_supply_rate"] is not None
        and h["water_supply_rate"] >= 90
    )
    indicators = {
        "income_ok": pc > line,
        "food_clothing_ok": h["food_clothing_ok"],
        "education_ok": not any(
            6 <= _age(m["birth"]) <= 15 and m["school_status"] in ("dropped_out", "not_in_school") for m in active
        ),
        "medical_ok": all(m["medical_insurance"] in ("resident", "employee") for m in active),
        "housing_ok": h["housing_grade"] in ("A", "B") or h["relocation"] == "living",
        "water_ok": water,
    }
    meets = all(indicators.values())
    previous = h["previous_net"]
    low_income = pc < threshold
    income_drop = previous is not None and previous > 0 and pc < Fraction(previous) / n * Fraction(7, 10)
    cost = Fraction(h["medical_self_paid"])
    medical = cost > 10000 or (cost > net / 2 if net > 0 else cost > 0)
    sudden = h["event_loss"] is not None
    flag = low_income or income_drop or medical or sudden
    labors = {m["labor"] for m in active}
    full, weak = bool(labors & {"skilled", "ordinary"}), "weak" in labors
    status = h["status"]
    if status not in ("exited", "exited_no_policy"):
        tier = ""
    elif not (full or weak):
        tier = "fragile"
    elif not full or pc < threshold:
        tier = "general"
    elif pc >= 2 * threshold:
        tier = "high_quality"
    else:
        tier = "stable"
    return {
        **indicators,
        "meets_standard": meets,
        "exit_eligible": status in ("not_exited", "relapsed", "pre_exit") and meets,
        "identify_candidate": status == "non_poor" and pc <= line,
        "relapse_candidate": status in ("exited", "exited_no_policy") and not meets,
        "monitoring_flag": flag,
        "low_income": low_income,
        "income_drop": income_drop,
        "medical_burden": medical,
        "sudden_event": sudden,
        "tier": tier,
    }


def _store(h: dict) -> Household:
    village = AreaFactory(water_scarce=h["water_scarce"])
    household = HouseholdFactory(
        village=village,
        poverty_status=h["status"],
        **{k: h[k] for k in ("food_clothing_ok", "housing_grade", "relocation", "water_quality_ok", "water_lpd")},
        **{k: h[k] for k in ("water_piped", "water_fetch_minutes", "water_supply_rate")},
    )
    for m in h["members"]:
        MemberFactory(
            household=household,
            status=m["status"],
            birth_date=m["birth"],
            school_status=m["school_status"],
            medical_insurance=m["medical_insurance"],
            labor=m["labor"],
        )
    Income.objects.create(
        household=household,
        year=YEAR,
        wage=h["wage"],
        business_income=h["business_income"],
        business_expense=h["business_expense"],
        dibao=h["dibao"],
        medical_self_paid=h["medical_self_paid"],
    )
    if h["previous_net"] is not None:
        Income.objects.create(household=household, year=YEAR - 1, wage=h["previous_net"])
    if h["event_loss"] is not None:
        HouseholdEvent.objects.create(
            household=household, kind="disaster", occurred_on=dt.date(YEAR, 7, 1), loss=h["event_loss"]
        )
    return household


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(households=st.lists(household_st, min_size=1, max_size=8))
def test_engine_agrees_with_the_rules_as_written(households):
    stored = []
    for h in households:
        if not any(m["status"] == "active" for m in h["members"]):
            h["members"][0]["status"] = "active"  # households without members are an exclusion, tested apart
        stored.append((_store(h), reference(h)))
    run = assessment_run(year=YEAR)
    try:
        results = {r.household_id: r for r in HouseholdResult.objects.filter(run=run)}
        for household, expected in stored:
            result = results[household.pk]
            actual = {key: getattr(result, key) for key in expected}
            assert actual == expected, household.household_no
    finally:
        AssessmentRun.objects.all().delete()
        Member.objects.all().delete()
        Household.objects.all().delete()
