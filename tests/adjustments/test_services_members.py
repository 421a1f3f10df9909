"""Member changes: added with a valid unused ID number, removed by death or moving out, corrected with history."""

from __future__ import annotations

import pytest

from jingzhun.adjustments.services import AdjustmentRefused
from jingzhun.registry.models import ChangeRecord, Member
from tests.factories import MemberFactory

from .conftest import APPLIED, open_case
from .flow import MEMBER_STEPS, walk

pytestmark = pytest.mark.django_db
NEWBORN = "370125202511300016"[:17] + "6"  # valid check character, born 2025-11-30


def test_a_newborn_is_added_with_birth_date_and_sex_from_the_number(users_by_role, household):
    values = {"id_number": NEWBORN, "name": "王小宝", "relation": "grandson"}
    case = open_case(users_by_role, household, "member_add", member_values=values, reason="出生")
    case = walk(users_by_role, case, MEMBER_STEPS, APPLIED)
    member = Member.objects.get(id_number=NEWBORN)
    assert (member.household_id, member.name, member.birth_date.isoformat(), member.sex) == (
        household.pk,
        "王小宝",
        "2025-11-30",
        "M",
    )
    assert case.member_id == member.pk
    assert ChangeRecord.objects.filter(entity="member", entity_key=f"{household.household_no}/{NEWBORN}").exists()


def test_a_number_already_in_the_registry_cannot_be_added(users_by_role, household):
    other = MemberFactory()
    values = {"id_number": other.id_number, "name": "某", "relation": "son"}
    with pytest.raises(AdjustmentRefused, match="已登记在建档立卡成员中"):
        open_case(users_by_role, household, "member_add", member_values=values)


def test_an_invalid_number_cannot_be_added(users_by_role, household):
    values = {"id_number": NEWBORN[:-1] + "9", "name": "某", "relation": "son"}
    with pytest.raises(AdjustmentRefused, match="校验位错误"):
        open_case(users_by_role, household, "member_add", member_values=values)


def test_a_member_who_died_is_removed_and_no_longer_counted(users_by_role, household):
    spouse = household.members.get(relation="spouse")
    case = open_case(
        users_by_role, household, "member_remove", member_id_number=spouse.id_number, member_status="deceased"
    )
    walk(users_by_role, case, MEMBER_STEPS, APPLIED)
    spouse.refresh_from_db()
    assert spouse.status == "deceased"
    assert household.members.filter(status="active").count() == 1


def test_removal_needs_death_or_moving_out(users_by_role, household):
    spouse = household.members.get(relation="spouse")
    with pytest.raises(AdjustmentRefused, match="死亡或迁出"):
        open_case(users_by_role, household, "member_remove", member_id_number=spouse.id_number, member_status="active")


def test_removal_needs_a_member_of_that_household(users_by_role, household):
    stranger = MemberFactory()
    with pytest.raises(AdjustmentRefused, match="没有证件号码为"):
        open_case(
            users_by_role, household, "member_remove", member_id_number=stranger.id_number, member_status="deceased"
        )


def test_a_corrected_id_number_brings_its_birth_date_and_history(users_by_role, household):
    spouse = household.members.get(relation="spouse")
    old = spouse.id_number
    values = {"id_number": NEWBORN.replace("2025113000", "1980020300")[:17], "name": "李梅"}
    values["id_number"] = _valid(values["id_number"])
    case = open_case(users_by_role, household, "member_correct", member_id_number=old, member_values=values)
    walk(users_by_role, case, MEMBER_STEPS, APPLIED)
    spouse.refresh_from_db()
    assert (spouse.id_number, spouse.name, spouse.birth_date.isoformat()) == (values["id_number"], "李梅", "1980-02-03")
    fields = set(ChangeRecord.objects.filter(entity="member").values_list("field", flat=True))
    assert {"id_number", "birth_date", "name"} <= fields


def test_a_correction_that_changes_nothing_is_refused(users_by_role, household):
    spouse = household.members.get(relation="spouse")
    with pytest.raises(AdjustmentRefused, match="至少改动一项"):
        open_case(
            users_by_role,
            household,
            "member_correct",
            member_id_number=spouse.id_number,
            member_values={"name": spouse.name},
        )


def _valid(first17: str) -> str:
    from jingzhun.core.idnumber import check_character

    return first17 + check_character(first17)
