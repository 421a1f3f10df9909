"""Decisions are the county's: only a county user imports them from the browser, and only for the households of
their county; the command line imports for every household."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.adjustments.services import decisions_import
from tests.factories import HouseholdFactory

from .decision_files import decision, report_errors, write

pytestmark = pytest.mark.django_db


def test_a_county_user_imports_the_households_of_their_county(tmp_path, users_by_role, household):
    outside = HouseholdFactory(village=users_by_role.village_b, poverty_status="not_exited")
    path = write(tmp_path / "决定.csv", [decision(household), decision(outside)])
    outcome = decisions_import(path=path, user=users_by_role[Role.COUNTY].owner)
    assert (outcome.applied, outcome.rejected) == (1, 1)
    assert report_errors(path)[(3, "户编号")] == "户编号不存在或不在您的管辖区域内"
    outside.refresh_from_db()
    assert outside.poverty_status == "not_exited"
    assert household.adjustment_cases.get().opened_by == users_by_role[Role.COUNTY].owner


@pytest.mark.parametrize("role", [Role.TOWN, Role.VILLAGE, Role.INSPECTOR, Role.SYSTEM_ADMIN])
def test_other_roles_may_not_import_decisions(tmp_path, users_by_role, household, role):
    path = write(tmp_path / "决定.csv", [decision(household)])
    with pytest.raises(PermissionDenied):
        decisions_import(path=path, user=users_by_role[role].owner)
    household.refresh_from_db()
    assert household.poverty_status == "not_exited"
