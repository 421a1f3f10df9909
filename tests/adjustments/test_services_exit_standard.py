"""An exit only when the latest assessment says the household meets the standard, or with an override reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.adjustments.services import AdjustmentRefused
from jingzhun.policy.selectors import household_result_latest
from jingzhun.policy.services import assessment_run
from tests.factories import IncomeFactory

from .conftest import APPLIED
from .flow import STATUS_STEPS, take, walk

pytestmark = pytest.mark.django_db
DECIDED = APPLIED + dt.timedelta(days=12)


def _low_income(household):
    IncomeFactory(
        household=household, year=2020, wage=Decimal("1000"), business_income=0, business_expense=0, pension=0
    )


def _at_decision(users_by_role, exit_case):
    return walk(users_by_role, exit_case, STATUS_STEPS[:3], APPLIED)


def test_an_exit_is_refused_when_the_assessment_says_the_standard_is_not_met(users_by_role, exit_case):
    _low_income(exit_case.household)
    assessment_run(year=2020)
    case = _at_decision(users_by_role, exit_case)
    with pytest.raises(AdjustmentRefused, match=r"未达到脱贫标准.*须填写覆盖理由"):
        take(users_by_role, case, "county_decide", DECIDED)
    case.household.refresh_from_db()
    assert case.household.poverty_status == "not_exited"


def test_an_exit_is_accepted_with_an_override_reason_and_keeps_it(users_by_role, exit_case):
    _low_income(exit_case.household)
    assessment_run(year=2020)
    case = _at_decision(users_by_role, exit_case)
    case = take(users_by_role, case, "county_decide", DECIDED, override_reason="2026 年务工收入已到账，经入户核实达标")
    case.household.refresh_from_db()
    assert case.household.poverty_status == "exited"
    assert case.override_reason == "2026 年务工收入已到账，经入户核实达标"
    step = case.steps.get(action="county_decide")
    assert step.data["override_reason"] == case.override_reason
    assert "未达到脱贫标准" in step.data["assessment"]


def test_an_exit_needs_no_override_when_the_assessment_says_the_standard_is_met(users_by_role, exit_case):
    household = exit_case.household
    household.water_quality_ok, household.water_lpd, household.water_piped = True, Decimal("60"), True
    household.water_supply_rate = Decimal("95")
    household.save()
    household.members.update(medical_insurance="resident", school_status="")
    IncomeFactory(household=household, year=2020, wage=Decimal("40000"), business_income=0, business_expense=0)
    assessment_run(year=2020)
    assert household_result_latest(household=household).meets_standard is True
    case = take(users_by_role, _at_decision(users_by_role, exit_case), "county_decide", DECIDED)
    assert case.override_reason == ""
    assert case.stage == "decided"
