"""Recording a finding with a household and an area code that is not registered: refused with the reason, not an
error page (the household's area was looked up before the code was checked)."""

from __future__ import annotations

import pytest

from jingzhun.supervision.services import FindingRefused
from tests.factories import HouseholdFactory

from .conftest import record

pytestmark = pytest.mark.django_db


def test_an_unregistered_area_code_with_a_household_is_refused_with_the_reason(users_by_role):
    household = HouseholdFactory(village=users_by_role.village_a)
    with pytest.raises(FindingRefused, match="不是已登记的区划"):
        record(users_by_role, area_code="370125999999", household_no=household.household_no)
