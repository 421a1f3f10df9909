"""Scoped reads of the registry. Every read of people data starts from :func:`households_for_user`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q, QuerySet

from jingzhun.core.sets import model_table

from .models import Household, HouseholdEvent, Income, Member
from .vocab import MemberStatus, PovertyStatus

POOR_STATUSES = (PovertyStatus.NOT_EXITED, PovertyStatus.RELAPSED)


def registry_tables() -> dict[str, Any]:
    """The registry's tables as unbound Ibis tables, for set-based work in other apps (assessment, comparison).

    Callers apply the area scope themselves with a prefix filter on ``households.village_id``.
    """
    return {
        "households": model_table(Household),
        "members": model_table(Member),
        "incomes": model_table(Income),
        "events": model_table(HouseholdEvent),
    }


def households_for_user(*, user: Any) -> QuerySet[Household]:
    """Households inside the user's area scope; none for a user without a scope."""
    prefix = getattr(user, "scope_prefix", None)
    if not prefix:
        return Household.objects.none()
    return Household.objects.filter(village__code__startswith=prefix)


def members_for_user(*, user: Any) -> QuerySet[Member]:
    prefix = getattr(user, "scope_prefix", None)
    if not prefix:
        return Member.objects.none()
    return Member.objects.filter(household__village__code__startswith=prefix)


def household_summary_for_user(*, user: Any) -> dict[str, Any]:
    """Households and active people by poverty status, and per village, in the user's scope."""
    households = households_for_user(user=user)
    active = Q(members__status=MemberStatus.ACTIVE)
    by_status_rows: dict[str, Mapping[str, Any]] = {
        row["poverty_status"]: row
        for row in households.values("poverty_status").annotate(
            households=Count("id", distinct=True), people=Count("members", filter=active)
        )
    }
    by_status = [
        {
            "status": status,
            "label": status.label,
            "households": by_status_rows.get(status, {}).get("households", 0),
            "people": by_status_rows.get(status, {}).get("people", 0),
        }
        for status in PovertyStatus
    ]
    by_village = list(
        households.values("village_id", "village__name", "village__population")
        .annotate(
            households=Count("id", distinct=True),
            people=Count("members", filter=active),
            poor_people=Count("members", filter=active & Q(poverty_status__in=POOR_STATUSES)),
        )
        .order_by("village_id")
    )
    return {
        "area": getattr(user, "area", None),
        "households": sum(r["households"] for r in by_status),
        "people": sum(r["people"] for r in by_status),
        "by_status": by_status,
        "by_village": by_village,
    }
