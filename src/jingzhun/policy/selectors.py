"""Reads of assessment runs and their results, always through the user's area scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from jingzhun.core.sets import fetch, fetch_iter

from .models import AreaResult, AssessmentRun, HouseholdResult
from .packs import DEFAULT_PACK, PackError, pack_get


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


# --- pre-assessment and transitions: set-based reads that return only their (small) answers ---------------


@dataclass(frozen=True)
class PreAssessment:
    year: int
    through_month: int
    threshold: Decimal
    pack: str
    households: list[dict[str, Any]]
    villages: list[dict[str, Any]]
    excluded: list[dict[str, Any]]


def _dicts(expr: Any) -> list[dict[str, Any]]:
    columns = list(expr.columns)
    return [dict(zip(columns, row, strict=True)) for row in fetch(expr)]


def pre_assessment_for_scope(
    *,
    year: int,
    through_month: int,
    pack: str = DEFAULT_PACK,
    threshold: Decimal | None = None,
    area_prefix: str = "",
) -> PreAssessment:
    """Households whose income projected from months 1..M falls below the threshold, with the gap
    (RULES.md §2, Shandong 2020). The threshold is ``threshold`` or the pack's ``pre_assessment_threshold``."""
    from .preassessment import pre_assessment_queries
    from .services import source_tables

    rules = pack_get(pack).rules_for(year)
    limit = threshold if threshold is not None else rules.pre_assessment_threshold
    if limit is None:
        raise PackError(f"规则包「{rules.pack}」没有 {year} 年的预评估门槛；请指定门槛（例如 --threshold 4500）。")
    if not 1 <= through_month <= 12:
        raise PackError(f"收入记录截至月份应为 1 到 12，而不是 {through_month}。")
    queries = pre_assessment_queries(
        source_tables(), rules, through_month=through_month, threshold=limit, area_prefix=area_prefix
    )
    return PreAssessment(
        year=year,
        through_month=through_month,
        threshold=limit,
        pack=rules.pack,
        households=_dicts(queries.households),
        villages=_dicts(queries.villages),
        excluded=_dicts(queries.excluded),
    )


@dataclass(frozen=True)
class Transitions:
    from_run: AssessmentRun
    to_run: AssessmentRun | None  # None: the registry's current statuses
    counts: list[dict[str, Any]]
    rows: Iterator[tuple[str, str, str]]  # (household_no, from_status, to_status); "" when absent on a side


def transitions_for_scope(
    *, from_run: AssessmentRun, to_run: AssessmentRun | None, area_prefix: str = ""
) -> Transitions:
    """The from × to status table between two runs, or between a run and the current statuses."""
    from .transitions import transition_counts, transition_rows

    rows = transition_rows(from_run=from_run.pk, to_run=to_run.pk if to_run else None, area_prefix=area_prefix)
    return Transitions(
        from_run=from_run,
        to_run=to_run,
        counts=_dicts(transition_counts(rows)),
        rows=fetch_iter(rows.order_by(["from_status", "to_status", "household_no"])),  # type: ignore[arg-type]
    )
