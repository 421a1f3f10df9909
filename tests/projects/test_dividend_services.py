"""Approving and paying differentiated dividends: tiers, once only, income written, scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.core.scope import SYSTEM
from jingzhun.projects.dividend_selectors import (
    DividendRefused,
    computation_for,
    household_dividend_shares,
    share_rows,
)
from jingzhun.projects.dividend_services import distribution_approve, distribution_pay
from jingzhun.projects.models import Beneficiary, Distribution, DistributionStage, Share
from jingzhun.registry.models import ChangeRecord, Income
from tests.factories import IncomeFactory, ProjectFactory

from .dividend_data import run_with_tiers

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def county_project(users_by_role):
    """A county-level project of county A, so the county users own it."""
    return ProjectFactory(area=users_by_role.county_a, level="county")


@pytest.fixture
def homes(county_project, users_by_role):
    from tests.factories import HouseholdFactory

    houses = [HouseholdFactory(village=users_by_role.village_a) for _ in range(3)]
    for house in houses:
        Beneficiary.objects.create(project=county_project, household=house, by_dividend=True)
    return houses


def _approve(user, project, income="1000.00", year=2025):
    return distribution_approve(user=user, project=project, year=year, income=Decimal(income), today=TODAY)


def test_tiers_come_from_the_latest_run_of_the_year(county_project, homes):
    a, b, c = homes
    run_with_tiers(2025, {a: "stable", b: "stable", c: "stable"})
    run_with_tiers(2025, {a: "fragile", b: "high_quality"})  # c: no result in the latest run
    run_with_tiers(2026, {a: "high_quality", b: "fragile", c: "general"})  # another year: not used
    computation = computation_for(project=county_project, year=2025, income=Decimal("1000"))
    rows = {r.household_no: r for r in share_rows(computation, user=SYSTEM)}
    assert [(rows[h.household_no].tier, rows[h.household_no].weight) for h in homes] == [
        ("易返贫户", "1.5"),
        ("高质量脱贫户", "0.5"),
        ("", "1.0"),
    ]
    assert rows[c.household_no].reason == "无评估结果"
    assert computation.weight_total == 300


def test_a_refusal_gets_weight_zero_and_its_reason(county_project, homes):
    Beneficiary.objects.filter(household=homes[0]).update(refused_post=True, refusal_reason="不愿到光伏电站上岗")
    run_with_tiers(2025, {h: "general" for h in homes})
    computation = computation_for(project=county_project, year=2025, income=Decimal("1000"))
    first = next(iter(share_rows(computation, user=SYSTEM)))
    assert (first.weight, first.share, first.reason) == ("0", Decimal("0.00"), "拒绝岗位：不愿到光伏电站上岗")


def test_a_result_without_tier_is_said_so(county_project, homes):
    run_with_tiers(2025, {homes[0]: ""})
    computation = computation_for(project=county_project, year=2025, income=Decimal("1000"))
    assert next(iter(share_rows(computation, user=SYSTEM))).reason == "无分层分类"


def test_every_weight_zero_is_refused(county_project, homes):
    Beneficiary.objects.filter(project=county_project).update(refused_post=True, refusal_reason="拒绝")
    with pytest.raises(DividendRefused, match="权重全部为 0"):
        _approve(SYSTEM, county_project)
    assert not Distribution.objects.exists()


def test_approval_stores_shares_and_adds_them_to_the_income_once(county_project, homes, users_by_role):
    county = users_by_role[Role.COUNTY].owner
    IncomeFactory(household=homes[0], year=2025, dividend=Decimal("100.00"))
    distribution, created = _approve(county, county_project)
    again, created_again = _approve(county, county_project)
    assert (created, created_again, again.pk) == (True, False, distribution.pk)
    assert distribution.distributable == Decimal("600.00")
    assert Share.objects.filter(distribution=distribution).count() == 3
    incomes = dict(Income.objects.filter(household__in=homes, year=2025).values_list("household_id", "dividend"))
    assert incomes == {homes[0].pk: Decimal("300.00"), homes[1].pk: Decimal("200.00"), homes[2].pk: Decimal("200.00")}
    history = ChangeRecord.objects.filter(entity="income", field="dividend").order_by("entity_key")
    assert [(r.entity_key, r.old_value, r.new_value) for r in history] == [
        (f"{homes[0].household_no}/2025", "100.00", "300.00"),
        (f"{homes[1].household_no}/2025", None, "200.00"),
        (f"{homes[2].household_no}/2025", None, "200.00"),
    ]
    assert household_dividend_shares(household=homes[0])[0]["share"] == Decimal("200.00")


def test_another_income_for_an_approved_year_is_refused(county_project, homes):
    _approve(SYSTEM, county_project, "1000.00")
    with pytest.raises(DividendRefused, match=r"项目收益 1000\.00 元"):
        _approve(SYSTEM, county_project, "1200.00")
    assert Income.objects.get(household=homes[0], year=2025).dividend == Decimal("200.00")


def test_paid_once(county_project, homes, users_by_role):
    county = users_by_role[Role.COUNTY].owner
    distribution, _ = _approve(county, county_project)
    paid = distribution_pay(user=county, distribution=distribution, on=TODAY, today=TODAY)
    assert (paid.stage, paid.paid_on, paid.paid_by) == (DistributionStage.PAID, TODAY, county)
    with pytest.raises(DividendRefused, match="不能重复登记"):
        distribution_pay(user=county, distribution=distribution, on=TODAY, today=TODAY)


def test_a_county_outside_the_project_may_not_approve(county_project, homes, users_by_role):
    with pytest.raises(PermissionDenied):
        _approve(users_by_role[Role.COUNTY].outsider, county_project)
    assert not Distribution.objects.exists()


def test_a_town_user_may_not_approve(county_project, homes, users_by_role):
    with pytest.raises(PermissionDenied):
        _approve(users_by_role[Role.TOWN].owner, county_project)
