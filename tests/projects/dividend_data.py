"""Helpers for the dividend tests: assessment runs with tiers, written directly (the engine is tested elsewhere)."""

from __future__ import annotations

from django.utils import timezone

from jingzhun.policy.models import AssessmentRun, HouseholdResult


def run_with_tiers(year: int, tiers: dict, *, area_prefix: str = "") -> AssessmentRun:
    """A finished run of ``year`` giving each household of ``tiers`` its tier ("" none; None: excluded)."""
    now = timezone.now()
    run = AssessmentRun.objects.create(
        year=year,
        pack="national",
        pack_version="test",
        parameters={},
        area_prefix=area_prefix,
        started_at=now,
        finished_at=now,
    )
    HouseholdResult.objects.bulk_create(
        HouseholdResult(
            run=run,
            household=household,
            household_no=household.household_no,
            village_code=household.village_id,
            poverty_status=household.poverty_status,
            size=3,
            tier=tier or "",
            exclusion="数据不全" if tier is None else "",
        )
        for household, tier in tiers.items()
    )
    return run
