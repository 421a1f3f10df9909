"""The demo's projects: every stage of the lifecycle, beneficiaries of the demo village, assets with income."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.projects.models import (
    ArchiveFile,
    Asset,
    AssetIncome,
    Beneficiary,
    Distribution,
    Evaluation,
    Payment,
    Project,
)
from jingzhun.supervision.models import Finding
from jingzhun.web.demo_projects import demo_projects
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(users_by_role):
    for _ in range(45):
        HouseholdFactory(village=users_by_role.village_a)
    return {role: users_by_role[role].owner for role in (Role.VILLAGE, Role.TOWN, Role.COUNTY)}


def test_the_demo_has_a_project_at_every_stage_once(users_by_role, people):
    areas = {"county": users_by_role.county_a, "town": users_by_role.town_a, "village": users_by_role.village_a}
    today = timezone.localdate()
    first = demo_projects(**areas, people=people, today=today)
    stages = set(Project.objects.values_list("stage", flat=True))
    assert stages == {"declared", "approved", "started", "completed", "accepted", "operating", "terminated"}
    assert Beneficiary.objects.filter(refused_post=True).count() == 1
    assert Asset.objects.exists() and AssetIncome.objects.exists()
    paid = Distribution.objects.get()
    assert (paid.stage, paid.year, paid.households) == ("paid", 2020, 40)
    assert Payment.objects.filter(project__code="XM2019001").count() == 2
    assert ArchiveFile.objects.exists()
    assert Evaluation.objects.count() == 2
    assert Finding.objects.filter(project_problem__isnull=False).count() == 1
    assert demo_projects(**areas, people=people, today=today) == first
