"""The dashboard's registry summary is cached until the registry changes."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Level
from jingzhun.registry.models import ChangeRecord, ImportBatch, StatusChange
from jingzhun.registry.selectors import household_summary_cached_for_user, registry_version
from tests.factories import HouseholdFactory, MemberFactory, UserFactory, sample_area

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_user():
    return UserFactory(role=Role.COUNTY, area=sample_area(Level.COUNTY))


def test_every_writer_of_people_data_moves_the_version():
    versions = {registry_version()}
    batch = ImportBatch.objects.create(kind=ImportBatch.Kind.LEDGER, file_name="a.csv", sha256="0" * 64)
    versions.add(registry_version())
    household = HouseholdFactory()
    StatusChange.objects.create(
        household=household, to_status="exited", changed_at=timezone.now(), reason="测试", batch=batch
    )
    versions.add(registry_version())
    ChangeRecord.objects.create(entity="member", entity_key="x", field="name", changed_at=timezone.now())
    versions.add(registry_version())
    assert len(versions) == 4


def test_summary_is_reused_until_the_registry_changes(county_user, django_assert_num_queries):
    MemberFactory(household=HouseholdFactory())
    first = household_summary_cached_for_user(user=county_user)
    with django_assert_num_queries(3):  # only the version lookups
        assert household_summary_cached_for_user(user=county_user) == first
    MemberFactory(household=HouseholdFactory())
    ImportBatch.objects.create(kind=ImportBatch.Kind.LEDGER, file_name="b.csv", sha256="0" * 64)
    assert household_summary_cached_for_user(user=county_user)["households"] == first["households"] + 1
