"""The registry read back at a past moment, checked against a plain per-household reading of the history: what
changed since (a status, an attribute, a member's status, a new household or member) is undone, the rest counted
as it is today."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.registry.models import ChangeRecord, Household, Member, StatusChange
from jingzhun.registry.population_selectors import household_counts_by_village
from jingzhun.registry.services import household_update, member_update
from jingzhun.registry.vocab import Attribute, MemberStatus, PovertyStatus
from tests.reports.conftest import household

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(timezone.localdate().year, 1, 1, tzinfo=dt.UTC)


def _first_after(rows, moment):
    later = sorted((r for r in rows if r.changed_at > moment), key=lambda r: (r.changed_at, r.pk))
    return later[0] if later else None


def _by_hand(moment, prefix):
    """Households and active people per (village, status, attribute) at ``moment``, one household at a time."""
    counts = Counter()
    for h in Household.objects.filter(village__code__startswith=prefix):
        if h.created_at > moment:
            continue
        first = _first_after(StatusChange.objects.filter(household=h), moment)
        status = first.from_status if first else h.poverty_status
        if status == "":
            continue
        changes = ChangeRecord.objects.filter(entity="household", entity_key=h.household_no, field="attribute")
        first = _first_after(changes, moment)
        attribute = first.old_value if first else h.attribute
        counts[(h.village_id, status, attribute, "h")] += 1
        for m in Member.objects.filter(household=h, created_at__lte=moment):
            changes = ChangeRecord.objects.filter(entity="member", entity_key=f"{h.household_no}/{m.id_number}")
            first = _first_after(changes.filter(field="status"), moment)
            if (first.old_value if first else m.status) == MemberStatus.ACTIVE:
                counts[(h.village_id, status, attribute, "p")] += 1
    return counts


def test_the_set_based_reading_agrees_with_a_reading_by_hand(users_by_role, county):
    user = users_by_role[Role.COUNTY].owner
    Household.objects.update(created_at=MOMENT - dt.timedelta(days=100))
    Member.objects.update(created_at=MOMENT - dt.timedelta(days=100))
    StatusChange.objects.create(
        household=Household.objects.first(),
        from_status="",
        to_status="exited",
        changed_at=MOMENT - dt.timedelta(days=100),
        reason="建档",
    )
    changed = list(Household.objects.exclude(poverty_status=PovertyStatus.NON_POOR).order_by("id")[:4])
    household_update(household=changed[0], changes={"poverty_status": PovertyStatus.RELAPSED}, user=user, reason="返贫")
    household_update(household=changed[1], changes={"attribute": Attribute.TEKUN}, user=user, reason="改属性")
    household_update(
        household=changed[2],
        changes={"poverty_status": PovertyStatus.NON_POOR, "attribute": Attribute.DIBAO},
        user=user,
        reason="清退",
    )
    member = changed[3].members.filter(status=MemberStatus.ACTIVE).first()
    member_update(member=member, changes={"status": MemberStatus.MOVED_OUT}, user=user, reason="迁出")
    gone = Member.objects.filter(status=MemberStatus.DECEASED).first()  # died before the moment: stays out
    assert gone is not None
    household(users_by_role.village_a, PovertyStatus.NOT_EXITED, people=2)  # registered after the moment
    counted = Counter()
    for row in household_counts_by_village(user=user, as_of=MOMENT, by=("poverty_status", "attribute")):
        counted[(row["village"], row["poverty_status"], row["attribute"], "h")] += row["households"]
        counted[(row["village"], row["poverty_status"], row["attribute"], "p")] += row["people"]
    assert +counted == +_by_hand(MOMENT, users_by_role.county_a.prefix)
