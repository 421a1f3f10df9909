"""The demo's registry adjustments: every stage of the procedure and every kind, in a village with households of
every status (the demo county's own village at its default size)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.adjustments.models import AdjustmentCase
from jingzhun.web.demo_adjustments import demo_adjustments
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db
STATUSES = ["not_exited"] * 5 + ["relapsed", "exited", "exited", "non_poor"] + ["exited"] * 3


@pytest.fixture
def people(users_by_role):
    for status in STATUSES:
        home = HouseholdFactory(village=users_by_role.village_a, poverty_status=status)
        MemberFactory(household=home, relation="head")
        MemberFactory(household=home, relation="spouse")
    return {role: users_by_role[role].owner for role in (Role.VILLAGE, Role.TOWN, Role.COUNTY)}


def test_the_demo_takes_adjustments_to_every_stage(users_by_role, people):
    counts = demo_adjustments(village=users_by_role.village_a, people=people, today=timezone.localdate())
    stages = {"applied", "village_reviewed", "noticed", "town_reviewed", "decided", "announced", "not_approved"}
    assert stages <= counts.keys()
    kinds = set(AdjustmentCase.objects.values_list("kind", flat=True))
    assert {"exit", "relapse", "identify", "cancel", "member_add", "member_remove", "member_correct"} <= kinds


def test_the_demo_adjustments_are_made_once(users_by_role, people):
    today = timezone.localdate()
    first = demo_adjustments(village=users_by_role.village_a, people=people, today=today)
    assert demo_adjustments(village=users_by_role.village_a, people=people, today=today) == first
