"""Reads of the household benefit card (明白卡) for many households at once: a village prints all its cards in one
file, so its entitlements are read with two queries for a batch of households, not one per household. A single
household's card reads :func:`jingzhun.benefits.gap_selectors.household_entitlements`; both read the year's
latest finished entitlement run covering the village, so a card looks the same printed alone or with its
village (the tests hold them to it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from decimal import Decimal

from django.db.models import Sum

from .gap_selectors import EntitlementLine
from .models import Entitlement, EntitlementRun, Payment
from .selectors import catalogue_in_force


def entitlement_run_for(*, village_code: str, year: int) -> EntitlementRun | None:
    """The latest finished run of ``year`` whose area covers the village (the county's, or a narrower one)."""
    runs = EntitlementRun.objects.filter(year=year, finished_at__isnull=False).order_by("-finished_at", "-pk")
    return next((run for run in runs if village_code.startswith(run.area_prefix)), None)


def entitlements_of_households(
    *, household_ids: Collection[int], village_code: str, year: int
) -> dict[int, list[EntitlementLine]]:
    """Each household's entitlements of ``year`` (by household id) with what was paid of each: a payment of that
    benefit to that member (a household benefit: to the household) dated in the year (RULES §12)."""
    run = entitlement_run_for(village_code=village_code, year=year)
    if run is None or not household_ids:
        return {}
    catalogue = catalogue_in_force()
    paid = {
        (row["benefit"], row["household_id"], row["member_id"]): row["total"]
        for row in Payment.objects.filter(year=year, household_id__in=household_ids)
        .values("benefit", "household_id", "member_id")
        .annotate(total=Sum("amount"))
    }
    lines: dict[int, list[EntitlementLine]] = defaultdict(list)
    rows = (
        Entitlement.objects.filter(run=run, household_id__in=household_ids)
        .select_related("member")
        .order_by("household_id", "benefit", "member__birth_date", "member_id")
    )
    for row in rows:
        benefit = catalogue.benefits.get(row.benefit)
        if benefit is None:
            continue
        total = paid.get((row.benefit, row.household_id, row.member_id), Decimal(0))
        lines[row.household_id].append(
            EntitlementLine(benefit=benefit, member=row.member, amount=row.amount, paid=total, received=total > 0)
        )
    return dict(lines)
