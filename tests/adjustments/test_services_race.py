"""Two users acting at the same moment: one wins, the other is refused, and the registry is written once. Real
threads and connections on PostgreSQL (SQLite serialises writers anyway)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from jingzhun.accounts.models import Role
from jingzhun.adjustments.models import AdjustmentCase, AdjustmentStep
from jingzhun.adjustments.services import AdjustmentRefused, AdjustmentStale, adjustment_step
from jingzhun.registry.models import StatusChange
from tests.monitoring.test_services_race import _race

from .conftest import APPLIED, open_case
from .flow import STATUS_STEPS, step_input, walk

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"),
]


def test_two_county_decisions_at_once_write_the_registry_once(users_by_role, exit_case):
    case = walk(users_by_role, exit_case, STATUS_STEPS[:3], APPLIED)
    on = APPLIED + dt.timedelta(days=12)
    county = users_by_role[Role.COUNTY]

    def decide(user: Any, number: str):
        return lambda: adjustment_step(
            case_id=case.pk,
            action="county_decide",
            user=user,
            expected_version=case.version,
            step=step_input(case, "county_decide", on, decision_no=number),
            today=on,
        )

    outcomes = _race(decide(county.owner, "甲号"), decide(county.colleague, "乙号"))
    won = [o for o in outcomes if isinstance(o, AdjustmentCase)]
    stale = [o for o in outcomes if isinstance(o, AdjustmentStale)]
    assert (len(won), len(stale)) == (1, 1), outcomes
    assert StatusChange.objects.filter(household=case.household).count() == 1
    assert AdjustmentStep.objects.filter(case=case, action="county_decide").count() == 1


def test_two_applications_for_the_same_household_at_once_make_one_case(users_by_role, household):
    outcomes = _race(lambda: open_case(users_by_role, household), lambda: open_case(users_by_role, household, "cancel"))
    assert sum(isinstance(o, AdjustmentCase) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, AdjustmentRefused) for o in outcomes) == 1, outcomes
    assert AdjustmentCase.objects.filter(household=household).count() == 1
