"""Reads of assessment runs and their results, always through the user's area scope."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from .models import AreaResult, AssessmentRun, HouseholdResult


def run_latest(*, year: int | None = None) -> AssessmentRun | None:
    runs = AssessmentRun.objects.filter(finished_at__isnull=False)
    if year is not None:
        runs = runs.filter(year=year)
    return runs.order_by("-id").first()


def run_get(*, run_id: int) -> AssessmentRun:
    """A finished run (``LookupError`` with a Chinese message when there is none with that number)."""
    try:
        return AssessmentRun.objects.get(pk=run_id, finished_at__isnull=False)
    except AssessmentRun.DoesNotExist:
        raise LookupError(f"没有编号为 {run_id} 的评估批次") from None


def household_results_for_scope(*, run: AssessmentRun, area_prefix: str = "") -> QuerySet[HouseholdResult]:
    results = HouseholdResult.objects.filter(run=run)
    if area_prefix:
        results = results.filter(village_code__startswith=area_prefix)
    return results


def household_results_for_user(*, user: Any, run: AssessmentRun) -> QuerySet[HouseholdResult]:
    prefix = getattr(user, "scope_prefix", None)
    if not prefix:
        return HouseholdResult.objects.none()
    return household_results_for_scope(run=run, area_prefix=prefix)


def area_results_for_scope(*, run: AssessmentRun, area_prefix: str = "") -> QuerySet[AreaResult]:
    results = AreaResult.objects.filter(run=run)
    if area_prefix:
        # An area is in scope when its code lies under the prefix: villages and towns below a county, and
        # the county row itself.
        results = results.filter(area_code__startswith=area_prefix)
    return results


def household_results_rows(*, run: AssessmentRun, area_prefix: str = "") -> Iterator[HouseholdResult]:
    """Assessed households in household-number order, streamed (the CSV of LEDGER.md §3)."""
    return (
        household_results_for_scope(run=run, area_prefix=area_prefix)
        .filter(exclusion="")
        .order_by("household_no")
        .iterator(chunk_size=5000)
    )


def exclusions(*, run: AssessmentRun) -> QuerySet[HouseholdResult]:
    return HouseholdResult.objects.filter(run=run).exclude(exclusion="").order_by("household_no")


def run_summary(*, run: AssessmentRun) -> dict[str, int]:
    """Counts of the outcomes of a run (for the command line and the dashboard)."""
    from django.db.models import Count, Q

    results = HouseholdResult.objects.filter(run=run, exclusion="")
    counts = results.aggregate(
        households=Count("id"),
        meets_standard=Count("id", filter=Q(meets_standard=True)),
        exit_eligible=Count("id", filter=Q(exit_eligible=True)),
        identify_candidate=Count("id", filter=Q(identify_candidate=True)),
        relapse_candidate=Count("id", filter=Q(relapse_candidate=True)),
        monitoring_flag=Count("id", filter=Q(monitoring_flag=True)),
        fragile=Count("id", filter=Q(tier="fragile")),
        general=Count("id", filter=Q(tier="general")),
        stable=Count("id", filter=Q(tier="stable")),
        high_quality=Count("id", filter=Q(tier="high_quality")),
    )
    return {key: int(value or 0) for key, value in counts.items()}
