"""Two users acting on the same finding at the same moment: one wins, the other is refused, and nothing is
written twice. Real threads and connections on PostgreSQL (SQLite serialises writers anyway)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from jingzhun.accounts.models import Role
from jingzhun.supervision.models import FindingPart, FindingStep
from jingzhun.supervision.services import FindingRefused, finding_assign, part_rectify
from tests.monitoring.test_services_race import _race

from .conftest import FOUND, TODAY, photo

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"),
]


def test_two_assignments_at_once_make_one_set_of_parts(finding, users_by_role):
    inspector, county = users_by_role[Role.INSPECTOR].owner, users_by_role[Role.COUNTY].owner

    def assign(user: Any) -> Any:
        return lambda: finding_assign(finding_id=finding.pk, user=user, on=FOUND, expected_version=1, today=TODAY)

    outcomes = _race(assign(inspector), assign(county))
    assert sum(isinstance(o, FindingRefused) for o in outcomes) == 1, outcomes
    assert FindingPart.objects.filter(finding=finding).count() == 2
    assert FindingStep.objects.filter(finding=finding, action="assign").count() == 1


def test_two_town_users_rectifying_the_same_part_at_once_write_it_once(assigned, users_by_role):
    town = users_by_role[Role.TOWN]

    def rectify(user: Any) -> Any:
        return lambda: part_rectify(
            finding_id=assigned.pk,
            kind="town",
            user=user,
            on=FOUND + dt.timedelta(days=5),
            rectification=f"{user.username} 整改",
            evidence=[photo()],
            expected_version=2,
            today=TODAY,
        )

    outcomes = _race(rectify(town.owner), rectify(town.colleague))
    assert sum(isinstance(o, FindingRefused) for o in outcomes) == 1, outcomes
    assert FindingStep.objects.filter(finding=assigned, action="rectify").count() == 1


def test_the_town_and_the_department_rectifying_at_once_both_land(assigned, town_user, clerk):
    def rectify(user: Any, kind: str) -> Any:
        return lambda: part_rectify(
            finding_id=assigned.pk,
            kind=kind,
            user=user,
            on=FOUND + dt.timedelta(days=5),
            rectification="整改到位",
            evidence=[photo()],
            expected_version=2,
            today=TODAY,
        )

    outcomes = _race(rectify(town_user, "town"), rectify(clerk, "department"))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert not FindingPart.objects.filter(finding=assigned, done_on__isnull=True).exists()
