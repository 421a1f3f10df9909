from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.core.scope import SYSTEM
from jingzhun.projects import services
from jingzhun.projects.models import Stage
from jingzhun.projects.services import AssetInput, ProjectRefused
from tests.factories import HouseholdFactory, ProjectFactory


def asset_values(**changes):
    base = {
        "code": "ZC001",
        "name": "光伏电站 100kW",
        "kind": "operating",
        "value": Decimal("480000"),
        "formed_on": dt.date(2025, 9, 1),
        "owner": "王家村股份经济合作社",
        "operator": "县光伏运维公司",
        "contract_no": "HT-2025-01",
    }
    return AssetInput(**(base | changes))


@pytest.fixture
def completed(users_by_role):
    return ProjectFactory(area=users_by_role.village_a, stage=Stage.COMPLETED, completed_on=dt.date(2025, 8, 20))


def test_an_asset_of_a_completed_project_keeps_its_four_rights(completed):
    asset = services.asset_create(project=completed, values=asset_values(supervisor="村务监督委员会"), user=SYSTEM)
    assert (asset.owner, asset.operator, asset.supervisor) == (
        "王家村股份经济合作社",
        "县光伏运维公司",
        "村务监督委员会",
    )


def test_an_unfinished_project_forms_no_asset(project):
    with pytest.raises(ProjectRefused, match="完工后"):
        services.asset_create(project=project, values=asset_values(), user=SYSTEM)


def test_an_asset_needs_its_owner(completed):
    with pytest.raises(ProjectRefused, match="所有权"):
        services.asset_create(project=completed, values=asset_values(owner=" "), user=SYSTEM)


def test_income_periods_do_not_overlap(completed):
    asset = services.asset_create(project=completed, values=asset_values(), user=SYSTEM)
    services.asset_income_record(
        asset=asset,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 6, 30),
        amount=Decimal("20000"),
        received_on=dt.date(2025, 7, 5),
        user=SYSTEM,
    )
    with pytest.raises(ProjectRefused, match="不能重叠"):
        services.asset_income_record(
            asset=asset,
            period_start=dt.date(2025, 6, 1),
            period_end=dt.date(2025, 12, 31),
            amount=Decimal("1"),
            received_on=dt.date(2026, 1, 5),
            user=SYSTEM,
        )


def test_a_beneficiary_who_refused_a_post_needs_a_reason(project, users_by_role):
    household = HouseholdFactory(village=users_by_role.village_a)
    with pytest.raises(ProjectRefused, match="拒绝原因"):
        services.beneficiary_set(
            project=project, household=household, ways={"by_dividend"}, user=SYSTEM, refused_post=True
        )


def test_a_household_of_another_area_is_not_added(project, users_by_role):
    household = HouseholdFactory(village=users_by_role.village_b)
    with pytest.raises(PermissionDenied):
        services.beneficiary_set(
            project=project, household=household, ways={"by_work"}, user=users_by_role[Role.TOWN].owner
        )
