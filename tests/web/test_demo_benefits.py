"""The demo's benefits center: most entitlements paid, some left unpaid on purpose (应享未享), a few payments without
an entitlement (不应享而享), posts, loans, students and applications at the window; made once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.benefits.gap_selectors import entitlement_run_latest, gaps_for_user, unentitled_for_user
from jingzhun.benefits.models import Application, Payment
from jingzhun.registry.vocab import PovertyStatus, SchoolStatus
from jingzhun.web.demo_benefits import DEMO_BENEFIT_YEAR, demo_benefits
from jingzhun.web.demo_supervision import DEMO_DEPARTMENT
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(users_by_role):
    """A village of 30 covered households (a working head, a vocational student each) and 5 others."""
    for n in range(35):
        covered = n < 30
        home = HouseholdFactory(
            village=users_by_role.village_a,
            poverty_status=PovertyStatus.NOT_EXITED if covered else PovertyStatus.NON_POOR,
        )
        MemberFactory(household=home, relation="head", birth_date=dt.date(1975, 3, 1))
        if covered:
            MemberFactory(
                household=home, relation="child", birth_date=dt.date(2003, 5, 1), school_status=SchoolStatus.VOCATIONAL
            )
        IncomeFactory(household=home, year=DEMO_BENEFIT_YEAR)
    clerk = users_by_role[Role.DEPARTMENT].owner
    clerk.department = DEMO_DEPARTMENT
    clerk.save(update_fields=["department"])
    return {
        "county": users_by_role[Role.COUNTY].owner,
        "town": users_by_role[Role.TOWN].owner,
        "department": clerk,
    }


@pytest.fixture
def areas(users_by_role):
    return {"county": users_by_role.county_a, "town": users_by_role.town_a, "village": users_by_role.village_a}


def test_the_demo_pays_most_entitlements_and_leaves_some_gaps(areas, people):
    counts = demo_benefits(**areas, people=people, today=timezone.localdate())
    run = entitlement_run_latest(user=people["county"], year=DEMO_BENEFIT_YEAR)
    assert run is not None
    gaps = gaps_for_user(user=people["county"], run=run).count()
    assert 0 < gaps < counts["entitlements"] // 3
    assert counts["payments"] == Payment.objects.count() > counts["entitlements"] // 2


def test_the_demo_has_a_few_payments_without_an_entitlement(areas, people):
    demo_benefits(**areas, people=people, today=timezone.localdate())
    run = entitlement_run_latest(user=people["county"], year=DEMO_BENEFIT_YEAR)
    unentitled = unentitled_for_user(user=people["county"], run=run)
    assert 1 <= unentitled.count() <= 5
    assert set(unentitled.values_list("benefit", flat=True)) == {"B07"}


def test_the_demo_has_posts_loans_students_and_applications_at_several_stages(areas, people):
    counts = demo_benefits(**areas, people=people, today=timezone.localdate())
    assert counts["posts"] == 4 and counts["loans"] == 5 and counts["students"] > 0
    assert len(set(Application.objects.values_list("stage", flat=True))) >= 3


def test_running_the_demo_benefits_again_changes_nothing(areas, people):
    today = timezone.localdate()
    first = demo_benefits(**areas, people=people, today=today)
    assert demo_benefits(**areas, people=people, today=today) == first
