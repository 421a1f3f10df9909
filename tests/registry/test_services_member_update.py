"""Field edits of members and households through services, with field-level history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.core.scope import SYSTEM
from jingzhun.registry.models import ChangeRecord, StatusChange
from jingzhun.registry.services import RegistryRefused, household_update, member_update
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db


def test_member_update_writes_each_changed_field():
    member = MemberFactory(medical_insurance="none", pension_insured=None, health="healthy")
    changed = member_update(
        member=member,
        changes={"medical_insurance": "resident", "pension_insured": False, "health": "healthy"},
        user=SYSTEM,
        reason="比对",
    )
    assert changed == {"medical_insurance": ("none", "resident"), "pension_insured": (None, False)}
    member.refresh_from_db()
    assert (member.medical_insurance, member.pension_insured) == ("resident", False)
    records = {r.field: (r.old_value, r.new_value) for r in ChangeRecord.objects.filter(entity="member")}
    assert records == {"medical_insurance": ("none", "resident"), "pension_insured": (None, "false")}
    assert ChangeRecord.objects.filter(entity_key=f"{member.household.household_no}/{member.id_number}").count() == 2


def test_member_update_without_a_change_writes_nothing():
    member = MemberFactory(status="active")
    assert member_update(member=member, changes={"status": "active"}, user=SYSTEM, reason="") == {}
    assert not ChangeRecord.objects.exists()


def test_member_update_refuses_identity_fields_and_invalid_values():
    member = MemberFactory()
    with pytest.raises(RegistryRefused, match="id_number"):
        member_update(member=member, changes={"id_number": "1"}, user=SYSTEM, reason="")
    with pytest.raises(RegistryRefused, match="无效"):
        member_update(member=member, changes={"status": "flying"}, user=SYSTEM, reason="")
    assert not ChangeRecord.objects.exists()


def test_household_update_writes_status_history():
    home = HouseholdFactory(poverty_status="exited", housing_grade="A")
    changed = household_update(
        household=home, changes={"poverty_status": "relapsed", "housing_grade": "C"}, user=SYSTEM, reason="返贫"
    )
    assert changed == {"poverty_status": ("exited", "relapsed"), "housing_grade": ("A", "C")}
    assert StatusChange.objects.get(household=home).reason == "返贫"
    assert ChangeRecord.objects.filter(entity="household", entity_key=home.household_no).count() == 2


def test_only_editors_of_the_area_may_update(users_by_role):
    member = MemberFactory(household=HouseholdFactory(village=users_by_role.village_a))
    for role in (Role.HELPER, Role.INSPECTOR, Role.DEPARTMENT):
        with pytest.raises(PermissionDenied):
            member_update(member=member, changes={"status": "deceased"}, user=users_by_role[role].owner, reason="")
    with pytest.raises(PermissionDenied):
        member_update(
            member=member, changes={"status": "deceased"}, user=users_by_role[Role.COUNTY].outsider, reason=""
        )
    user = users_by_role[Role.VILLAGE].owner
    member_update(member=member, changes={"status": "deceased"}, user=user, reason="")
    assert ChangeRecord.objects.get().changed_by == user
