"""Reads of assessment runs and their results, always through the user's area scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, FilteredRelation, Max, Q, QuerySet, Sum
from django.utils import timezone

from jingzhun.core.scope import SYSTEM, household_limited, in_scope, scope_prefix, scoped
from jingzhun.core.sets import fetch, fetch_iter
from jingzhun.registry.vocab import PovertyStatus

from .models import (
    ABSENT,
    FLAG_LABELS,
    INDICATORS,
    OUTCOMES,
    TRIGGERS,
    AreaExit,
    AreaExitDocument,
    AreaResult,
    AssessmentRun,
    HouseholdResult,
    Tier,
    VillageTally,
)
from .packs import DEFAULT_PACK, PackError, pack_get
from .windows import MonthWindow, month_window_problem


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
    return scoped(HouseholdResult.objects.filter(run=run), user, "village_code", household="household")


def area_results_for_scope(*, run: AssessmentRun, area_prefix: str = "") -> QuerySet[AreaResult]:
    results = AreaResult.objects.filter(run=run)
    if area_prefix:
        # An area is in scope when its code lies under the prefix: villages and towns below a county, and
        # the county row itself.
        results = results.filter(area_code__startswith=area_prefix)
    return results


def household_results_rows(*, run: AssessmentRun, area_prefix: str = "") -> Iterator[HouseholdResult]:
    """Assessed households in household-number order, streamed (the CSV of docs/LEDGER.md §3)."""
    return (
        household_results_for_scope(run=run, area_prefix=area_prefix)
        .filter(exclusion="")
        .order_by("household_no")
        .iterator(chunk_size=5000)
    )


def exclusions(*, run: AssessmentRun) -> QuerySet[HouseholdResult]:
    return HouseholdResult.objects.filter(run=run).exclude(exclusion="").order_by("household_no")


def run_summary(*, run: AssessmentRun, area_prefix: str = "") -> dict[str, int]:
    """Counts of the outcomes of a run (the run page, the command line, the dashboard), inside ``area_prefix``:
    sums of the run's :class:`VillageTally` rows, counted when the run was stored (a run stored without them,
    such as one written by hand, is counted from its results)."""
    tallies = VillageTally.objects.filter(run=run)
    if not tallies.exists():
        return _outcome_counts(household_results_for_scope(run=run, area_prefix=area_prefix).filter(exclusion=""))
    if area_prefix:
        tallies = tallies.filter(village_code__startswith=area_prefix)
    tiers = [str(tier.value) for tier in Tier]
    sums = tallies.aggregate(
        households=Sum("assessed"), **{name: Sum(name) for name in OUTCOMES}, **{tier: Sum(tier) for tier in tiers}
    )
    summary = {key: int(value or 0) for key, value in sums.items()}
    summary["untiered"] = summary["households"] - sum(summary[tier] for tier in tiers)
    return summary


def run_summary_for_user(*, user: Any, run: AssessmentRun) -> dict[str, int]:
    """:func:`run_summary` over the households of ``run`` the user sees: for a user limited to some households
    (a helper), theirs only."""
    return _outcome_counts(household_results_for_user(user=user, run=run).filter(exclusion=""))


def run_latest_for_households_of(*, user: Any) -> AssessmentRun | None:
    """For a user limited to some households (a helper): the newest finished run that assessed one of them. The
    run's own pages stay closed to the user (:func:`runs_for_user`); its figures for these households do not."""
    results = scoped(
        HouseholdResult.objects.filter(run__finished_at__isnull=False), user, "village_code", household="household"
    )
    run_id = results.order_by("-run_id").values_list("run_id", flat=True).first()
    return AssessmentRun.objects.filter(pk=run_id).first() if run_id else None


def _outcome_counts(results: QuerySet[HouseholdResult]) -> dict[str, int]:
    counts = results.aggregate(
        households=Count("id"),
        meets_standard=Count("id", filter=Q(meets_standard=True)),
        exit_eligible=Count("id", filter=Q(exit_eligible=True)),
        identify_candidate=Count("id", filter=Q(identify_candidate=True)),
        relapse_candidate=Count("id", filter=Q(relapse_candidate=True)),
        monitoring_flag=Count("id", filter=Q(monitoring_flag=True)),
        **{tier.value: Count("id", filter=Q(tier=tier.value)) for tier in Tier},
        untiered=Count("id", filter=Q(tier="")),  # assessed, but not exited (docs/RULES.md §7)
    )
    return {key: int(value or 0) for key, value in counts.items()}


def tier_counts(*, summary: dict[str, int]) -> list[dict[str, Any]]:
    """The tiers of docs/RULES.md §7 in order, each with its households in a :func:`run_summary`."""
    return [{"tier": str(t.value), "label": str(t.label), "households": summary[t.value]} for t in Tier]


# --- results of one run as the API filters them -----------------------------------------------------------


def _result_filter(*, tier: str = "", flag: str = "", failed: str = "") -> Q:
    """``tier``: a :class:`Tier`; ``flag``: an outcome or trigger that is true; ``failed``: an indicator that is
    false (an excluded household, whose indicators are unknown, fails none)."""
    condition = Q()
    if tier:
        condition &= Q(tier=tier)
    if flag:
        if flag not in LIST_FLAGS:
            raise ValueError(f"unknown flag {flag!r}")
        condition &= Q(**{flag: True})
    if failed:
        if failed not in INDICATORS:
            raise ValueError(f"unknown indicator {failed!r}")
        condition &= Q(**{failed: False})
    return condition


def household_results_search_for_user(
    *,
    user: Any,
    run: AssessmentRun,
    q: str = "",
    village: str = "",
    town: str = "",
    status: str = "",
    tier: str = "",
    flag: str = "",
    failed: str = "",
    excluded: bool | None = None,
) -> QuerySet[HouseholdResult]:
    """Results of ``run`` in the user's scope, filtered, in household-number order. ``q`` is a 户编号 prefix;
    ``status`` the poverty status at the time of the run."""
    results = household_results_for_user(user=user, run=run).filter(_result_filter(tier=tier, flag=flag, failed=failed))
    if q.strip():
        results = results.filter(household_no__startswith=q.strip())
    if village:
        results = results.filter(village_code=village)
    if town:
        results = results.filter(village_code__startswith=town[:9])
    if status:
        results = results.filter(poverty_status=status)
    if excluded is not None:
        results = results.exclude(exclusion="") if excluded else results.filter(exclusion="")
    return results.order_by("household_no")


def area_results_for_user(*, user: Any, run: AssessmentRun, level: str = "") -> QuerySet[AreaResult]:
    """Area results of ``run`` inside the user's scope, in area-code order; none for a user who sees only some
    households of its area (a helper)."""
    prefix = scope_prefix(user)
    if not prefix or household_limited(user):
        return AreaResult.objects.none()
    results = area_results_for_scope(run=run, area_prefix=prefix)
    if level:
        results = results.filter(level=level)
    return results.order_by("area_code")


@dataclass(frozen=True)
class PreAssessment:
    window: MonthWindow
    threshold: Decimal
    pack: str
    households: list[dict[str, Any]]
    villages: list[dict[str, Any]]
    excluded: list[dict[str, Any]]

    @property
    def year(self) -> int:
        return self.window.year


def _dicts(expr: Any) -> list[dict[str, Any]]:
    columns = list(expr.columns)
    return [dict(zip(columns, row, strict=True)) for row in fetch(expr)]


def pre_assessment_for_scope(
    *,
    window: MonthWindow,
    pack: str = DEFAULT_PACK,
    threshold: Decimal | None = None,
    area_prefix: str = "",
    today: dt.date | None = None,
) -> PreAssessment:
    """Households whose income projected from the months of ``window`` falls below the threshold, with the gap
    (docs/RULES.md §2, Shandong 2020; :mod:`jingzhun.policy.preassessment`). The threshold is ``threshold`` or
    the pack's ``pre_assessment_threshold`` of the window's last year. A window that cannot be pre-assessed (see
    :func:`~jingzhun.policy.preassessment.month_window_problem`) is a :class:`PackError` with the reason."""
    from .preassessment import pre_assessment_queries
    from .services import source_tables

    problem = month_window_problem(window, today=today or timezone.localdate())
    if problem:
        raise PackError(problem)
    rules = pack_get(pack).rules_for(window.year)
    limit = threshold if threshold is not None else rules.pre_assessment_threshold
    if limit is None:
        raise PackError(
            f"规则包「{rules.pack}」没有 {window.year} 年的预评估门槛；请指定门槛（例如 --threshold 4500）。"
        )
    queries = pre_assessment_queries(source_tables(), rules, window=window, threshold=limit, area_prefix=area_prefix)
    return PreAssessment(
        window=window,
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
    # (household_no, from_status, to_status, people); "" when absent on a side; people: active members now
    rows: Iterator[tuple[str, str, str, int]]


def transitions_for_scope(
    *, from_run: AssessmentRun, to_run: AssessmentRun | None, area_prefix: str = ""
) -> Transitions:
    """The from × to status table between two runs, or between a run and the current statuses: households and
    people (active members now) per cell."""
    from .transitions import transition_counts, transition_rows

    rows = transition_rows(from_run=from_run.pk, to_run=to_run.pk if to_run else None, area_prefix=area_prefix)
    return Transitions(
        from_run=from_run,
        to_run=to_run,
        counts=_dicts(transition_counts(rows)),
        rows=fetch_iter(rows.order_by(["from_status", "to_status", "household_no"])),  # type: ignore[arg-type]
    )


TRANSITIONS_KEPT = 3600  # seconds; the key holds the registry's version, so a change is never shown stale


def _transitions_key(*parts: Any) -> str:
    from jingzhun.registry.selectors import registry_version

    return ":".join(["jingzhun:transitions", *(str(part) for part in parts), registry_version()])


def transition_counts_cached(
    *, from_run: AssessmentRun, to_run: AssessmentRun | None, area_prefix: str = ""
) -> list[dict[str, Any]]:
    """The counts of :func:`transitions_for_scope`, kept until the registry changes (the current statuses and
    people are the registry's; runs never change). Against the current statuses they are the run's tallies
    corrected for the households changed since the run (:func:`_changes_since_run`); otherwise, or when too many
    changed, one pass over every household of the scope."""
    key = _transitions_key(from_run.pk, to_run.pk if to_run else "now", area_prefix or "*")

    def counts() -> list[dict[str, Any]]:
        changes = _changes_since_run(run=from_run, area_prefix=area_prefix) if to_run is None else None
        if changes is not None:
            return changes.counts
        return transitions_for_scope(from_run=from_run, to_run=to_run, area_prefix=area_prefix).counts

    kept: list[dict[str, Any]] = cache.get_or_set(key, counts, timeout=TRANSITIONS_KEPT)  # type: ignore[assignment]
    return kept


# More households changed since a run than this, and its table against the current statuses is counted afresh.
CHANGED_MOST = 20_000


@dataclass(frozen=True)
class _SinceRun:
    counts: list[dict[str, Any]]  # as transitions_for_scope's
    moved: dict[int, tuple[str, str, str]]  # household id → (household_no, from, to) of the changed ones in a cell


def _changes_since_run(*, run: AssessmentRun, area_prefix: str) -> _SinceRun | None:
    """The run-to-now table without reading every household: the run's tallies put each household on the diagonal
    with its people as the run counted them, which stays true of every household not changed since
    (``run.registry_marks``, :func:`~jingzhun.registry.selectors.households_changed_since`); the changed ones are
    taken off their tally's cell and put where they stand now. None when the run kept no marks or tallies, does not
    cover the whole scope, or too many households changed: then the registry is read whole."""
    from jingzhun.registry.selectors import household_states, households_changed_since

    covered = area_prefix.startswith(run.area_prefix)
    if run.registry_marks is None or not covered or not VillageTally.objects.filter(run=run).exists():
        return None
    changed = households_changed_since(marks=run.registry_marks, limit=CHANGED_MOST)
    if changed is None:
        return None
    tallies = VillageTally.objects.filter(run=run)
    if area_prefix:
        tallies = tallies.filter(village_code__startswith=area_prefix)
    cells: dict[tuple[str, str], list[int]] = {}
    for status, households, people in tallies.values_list("poverty_status", "households", "people"):
        cell = cells.setdefault((status, status), [0, 0])
        cell[0] += households
        cell[1] += people
    results = {
        row[0]: row[1:]
        for start in range(0, len(changed), LATEST_CHUNK)
        for row in HouseholdResult.objects.filter(
            run=run, household_id__in=sorted(changed)[start : start + LATEST_CHUNK]
        ).values_list("household_id", "poverty_status", "size", "village_code")
    }
    moved: dict[int, tuple[str, str, str]] = {}
    for household_id, now in household_states(household_ids=changed).items():
        before = results.get(household_id)
        from_status = ABSENT
        if before is not None and before[2].startswith(area_prefix):
            from_status, counted = before[0], before[1]
            cell = cells[(from_status, from_status)]
            cell[0] -= 1
            cell[1] -= counted
        to_status = now.poverty_status if now.village_code.startswith(area_prefix) else ABSENT
        if from_status == ABSENT and to_status == ABSENT:
            continue
        cell = cells.setdefault((from_status, to_status), [0, 0])
        cell[0] += 1
        cell[1] += now.people
        if from_status != to_status:
            moved[household_id] = (now.household_no, from_status, to_status)
    counts = [
        {"from_status": f, "to_status": t, "households": n, "people": p}
        for (f, t), (n, p) in sorted(cells.items())
        if n
    ]
    return _SinceRun(counts=counts, moved=moved)


# --- the pages: runs and results as a user of an area sees them -----------------------------------------------


def status_label(code: str) -> str:
    """A poverty status's label; "" for 「absent」 (a household on one side of a transition only)."""
    return str(PovertyStatus(code).label) if code else ""


def transition_matrix(*, counts: list[dict[str, Any]]) -> dict[str, Any]:
    """The from × to counts of :func:`transitions_for_scope` (households and people) as a full matrix over every
    status plus 「absent」, with totals: what the run page and the 托底清零 page show."""
    statuses = [*PovertyStatus.values, ABSENT]
    cells = {
        (row["from_status"], row["to_status"]): (int(row["households"]), int(row["people"] or 0)) for row in counts
    }
    none = (0, 0)
    rows = []
    for from_status in statuses:
        pairs = [cells.get((from_status, to_status), none) for to_status in statuses]
        values = [{"to": to_status, "n": n, "people": p} for to_status, (n, p) in zip(statuses, pairs, strict=True)]
        total, people = sum(n for n, _p in pairs), sum(p for _n, p in pairs)
        if total or from_status != ABSENT:
            rows.append(
                {
                    "from": from_status,
                    "label": status_label(from_status),
                    "cells": values,
                    "total": total,
                    "people": people,
                }
            )
    columns = [
        {
            "to": s,
            "label": status_label(s),
            "total": sum(cells.get((f, s), none)[0] for f in statuses),
            "people": sum(cells.get((f, s), none)[1] for f in statuses),
        }
        for s in statuses
    ]
    return {
        "rows": rows,
        "columns": columns,
        "total": sum(n for n, _p in cells.values()),
        "people": sum(p for _n, p in cells.values()),
    }


def runs_for_user(*, user: Any) -> QuerySet[AssessmentRun]:
    """Finished runs that cover some of the user's scope (a run of the whole database covers everyone's).

    A run's pages and figures are about whole areas: none for a user who sees only some households of its area
    (a helper sees its households' assessments on their records)."""
    prefix = scope_prefix(user)
    if not prefix or household_limited(user):
        return AssessmentRun.objects.none()
    # The run's own scope and the user's overlap when one is a prefix of the other.
    covering = [prefix[:n] for n in range(len(prefix) + 1)]
    return AssessmentRun.objects.filter(finished_at__isnull=False).filter(
        Q(area_prefix__in=covering) | Q(area_prefix__startswith=prefix)
    )


def run_latest_for_user(*, user: Any, year: int | None = None) -> AssessmentRun | None:
    """The newest finished run (of ``year``, if given) covering some of the user's scope; for :data:`SYSTEM`
    the newest of the whole database."""
    runs = runs_for_user(user=user) if user is not SYSTEM else AssessmentRun.objects.filter(finished_at__isnull=False)
    if year is not None:
        runs = runs.filter(year=year)
    return runs.order_by("-id").first()


def run_for_user(*, user: Any, run_id: int) -> AssessmentRun:
    """A finished run the user may look at (``LookupError`` otherwise, also for a run of another area)."""
    run = runs_for_user(user=user).filter(pk=run_id).first()
    if run is None:
        raise LookupError(f"没有编号为 {run_id} 的评估批次")
    return run


def household_result_latest(*, household: Any) -> HouseholdResult | None:
    """The household's result in the most recent finished run that assessed it (or excluded it)."""
    return (
        HouseholdResult.objects.filter(household=household, run__finished_at__isnull=False)
        .select_related("run")
        .order_by("-run_id")
        .first()
    )


@dataclass(frozen=True)
class LatestResult:
    """What the latest finished run said of one household (see :func:`household_results_latest`)."""

    household_id: int
    run_id: int
    year: int
    meets_standard: bool | None
    exclusion: str
    reasons: str


LATEST_CHUNK = 2000


def household_results_latest(*, household_ids: list[int]) -> dict[int, LatestResult]:
    """For each of ``household_ids``, its result in the most recent finished run that assessed (or excluded) it,
    as :func:`household_result_latest` says for one household; households never assessed are absent. One
    query per :data:`LATEST_CHUNK` households (every run's row of each, newest kept: a county has a few runs)."""
    latest: dict[int, LatestResult] = {}
    ids = sorted(set(household_ids))
    for start in range(0, len(ids), LATEST_CHUNK):
        rows = (
            HouseholdResult.objects.filter(
                household_id__in=ids[start : start + LATEST_CHUNK], run__finished_at__isnull=False
            )
            .order_by("household_id", "-run_id")
            .values_list("household_id", "run_id", "run__year", "meets_standard", "exclusion", "reasons")
        )
        for household_id, run_id, year, meets, exclusion, reasons in rows:
            if household_id not in latest:
                latest[household_id] = LatestResult(household_id, run_id, year, meets, exclusion, reasons)
    return latest


@dataclass(frozen=True)
class Explained:
    key: str
    label: str
    ok: bool | None  # None: not assessed
    reason: str


def result_explained(*, result: HouseholdResult) -> dict[str, list[Explained]]:
    """The six indicators and the four monitoring triggers of one result, each with its own reason.

    The engine writes one reason per failed indicator and per raised trigger, in the order of
    ``INDICATORS`` then ``TRIGGERS``, joined by 「；」 (the reasons themselves never contain it).
    """
    failing = [name for name in INDICATORS if getattr(result, name) is False]
    failing += [name for name in TRIGGERS if getattr(result, name)]
    pieces = [piece for piece in result.reasons.split("；") if piece] if not result.exclusion else []
    reasons = dict(zip(failing, pieces, strict=False)) if len(pieces) == len(failing) else {}
    return {
        "indicators": [
            Explained(name, str(FLAG_LABELS[name]), getattr(result, name), reasons.get(name, "")) for name in INDICATORS
        ],
        "triggers": [
            Explained(name, str(FLAG_LABELS[name]), getattr(result, name), reasons.get(name, "")) for name in TRIGGERS
        ],
    }


# Outcomes and triggers a household list can be narrowed to.
LIST_FLAGS = ("exit_eligible", "identify_candidate", "relapse_candidate", "monitoring_flag", *TRIGGERS)


def households_with_results(
    *, households: QuerySet[Any], run: AssessmentRun | None, tier: str = "", failed: str = "", flag: str = ""
) -> QuerySet[Any]:
    """Households (an already scoped queryset) with their result in ``run`` as ``result_*`` annotations,
    narrowed to a tier, a failed indicator or a raised flag of that run. Without a run, any of these
    filters leaves nothing, since no household has a tier yet."""
    if run is None:
        return households.none() if (tier or failed or flag) else households
    if failed and failed not in INDICATORS:
        raise ValueError(f"unknown indicator {failed}")
    if flag and flag not in LIST_FLAGS:
        raise ValueError(f"unknown flag {flag}")
    households = households.annotate(
        result=FilteredRelation("assessments", condition=Q(assessments__run=run)),
        result_tier=F("result__tier"),
        result_pc_cents=F("result__income_per_capita_cents"),
        result_meets_standard=F("result__meets_standard"),
        result_exclusion=F("result__exclusion"),
        **{f"result_{name}": F(f"result__{name}") for name in (*INDICATORS, *LIST_FLAGS)},
    )
    # Filtering on the annotations reuses the one LEFT JOIN; ``result__x=`` would join the results again.
    if tier:
        households = households.filter(result_tier=tier)
    if failed:
        households = households.filter(**{f"result_{failed}": False})
    if flag:
        households = households.filter(**{f"result_{flag}": True})
    return households


def village_incidence_for_scope(*, run: AssessmentRun, area_prefix: str) -> list[dict[str, Any]]:
    """Villages of the scope with their incidence (%) and exit eligibility in ``run``, highest incidence first."""
    from jingzhun.areas.selectors import area_names

    rows: list[dict[str, Any]] = [
        dict(row)
        for row in area_results_for_scope(run=run, area_prefix=area_prefix)
        .filter(level="village")
        .values("area_code", "population", "poor_population", "incidence_bp", "exit_eligible", "reasons")
    ]
    names = area_names(codes=[row["area_code"] for row in rows])
    for row in rows:
        row["name"] = names.get(row["area_code"], row["area_code"])
        row["incidence_pct"] = None if row["incidence_bp"] is None else Decimal(row["incidence_bp"]).scaleb(-2)
    rows.sort(key=lambda r: (-(r["incidence_bp"] if r["incidence_bp"] is not None else -1), r["area_code"]))
    return rows


def area_result_for_code(*, run: AssessmentRun, area_code: str) -> AreaResult | None:
    return AreaResult.objects.filter(run=run, area_code=area_code).first()


def transition_cell_for_scope(
    *,
    from_run: AssessmentRun,
    to_run: AssessmentRun | None,
    from_status: str,
    to_status: str,
    area_prefix: str = "",
    limit: int = 200,
) -> list[str]:
    """Household numbers behind one cell of the transition table (at most ``limit``, in number order), kept as
    :func:`transition_counts_cached` is. Against the current statuses, from the households changed since the run
    (:func:`_changes_since_run`): a cell off the diagonal holds only such households; a cell on it, the run's
    households of that status in number order less those that moved off it."""
    from .transitions import transition_rows

    def numbers() -> list[str]:
        changes = _changes_since_run(run=from_run, area_prefix=area_prefix) if to_run is None else None
        if changes is not None:
            cell = (from_status, to_status)
            return _cell_since_run(changes, run=from_run, cell=cell, area_prefix=area_prefix, limit=limit)
        rows = transition_rows(from_run=from_run.pk, to_run=to_run.pk if to_run else None, area_prefix=area_prefix)
        cell = rows.filter((rows.from_status == from_status) & (rows.to_status == to_status))
        return [row[0] for row in fetch(cell.select("household_no").order_by("household_no").limit(limit))]

    key = _transitions_key(
        "cell", from_run.pk, to_run.pk if to_run else "now", area_prefix or "*", from_status or "-", to_status or "-"
    )
    kept: list[str] = cache.get_or_set(f"{key}:{limit}", numbers, timeout=TRANSITIONS_KEPT)  # type: ignore[assignment]
    return kept


def _cell_since_run(
    changes: _SinceRun, *, run: AssessmentRun, cell: tuple[str, str], area_prefix: str, limit: int
) -> list[str]:
    from_status, to_status = cell
    if from_status != to_status:
        return sorted(number for number, f, t in changes.moved.values() if (f, t) == cell)[:limit]
    moved = {household_id for household_id, (_no, f, _t) in changes.moved.items() if f == from_status}
    # The run's households of the status in number order (its (run, household number) index), less those moved
    # off the diagonal: reading as many more as moved always leaves a full page.
    results = household_results_for_scope(run=run, area_prefix=area_prefix).filter(poverty_status=from_status)
    rows = results.order_by("household_no").values_list("household_id", "household_no")[: limit + len(moved)]
    return [number for household_id, number in rows if household_id not in moved][:limit]


# --- poor villages (贫困村) and exits (摘帽) -------------------------------------------------------------------

# The village facts a pack may require for a village's exit (docs/RULES.md §5), as the pages name them.
CRITERION_TEXT = {
    "collective_economy": "集体经济或合作社",
    "paved_road": "通硬化路",
    "power": "通动力电",
    "clinic": "标准化村卫生室",
}


def _area_scope(user: Any) -> str | None:
    """The prefix of the areas whose incidence and exit the user sees: none for a user who sees only some
    households of its area (a helper), as for the runs' pages."""
    prefix = scope_prefix(user)
    return None if not prefix or household_limited(user) else prefix


def poor_villages_for_user(*, user: Any) -> dict[str, Any]:
    """The registered poor villages (贫困村) of the user's scope with the exit test of docs/RULES.md §5 in the
    newest run covering the scope — incidence, limit, and each village fact the run's pack requires — and their
    exit (摘帽) if recorded; and the county's own test and exit when the scope holds a county. Three queries."""
    from jingzhun.areas.models import Area, Level

    prefix = _area_scope(user)
    if prefix is None:
        return {"run": None, "villages": [], "county": None, "criteria": []}
    run = run_latest_for_user(user=user)
    villages = list(
        scoped(Area.objects.filter(level=Level.VILLAGE, poor_village=True), user, "code")
        .select_related("parent")
        .order_by("code")
    )
    county = (
        Area.objects.filter(level=Level.COUNTY, code=prefix.ljust(12, "0")[:12]).first() if len(prefix) <= 6 else None
    )
    codes = [v.code for v in villages] + ([county.code] if county else [])
    results: dict[str, AreaResult] = {}
    criteria: list[str] = []
    if run is not None:
        results = {r.area_code: r for r in AreaResult.objects.filter(run=run, area_code__in=codes)}
        criteria = [name for name in run.parameters.get("village_criteria", []) if name in CRITERION_TEXT]
    exits = {e.area_id: e for e in AreaExit.objects.filter(area__in=codes).prefetch_related("documents")}
    rows = []
    for village in villages:
        result = results.get(village.code)
        rows.append(
            {
                "area": village,
                "result": result,
                "criteria": [
                    {"name": name, "label": CRITERION_TEXT[name], "ok": getattr(village, name)} for name in criteria
                ],
                "exit": exits.get(village.code),
            }
        )
    county_row = None
    if county is not None:
        county_row = {"area": county, "result": results.get(county.code), "exit": exits.get(county.code)}
    return {"run": run, "villages": rows, "county": county_row, "criteria": [CRITERION_TEXT[n] for n in criteria]}


def area_for_exit(*, user: Any, area_code: str) -> Any:
    """An area of the user's scope whose exit may be shown (``LookupError`` otherwise, also for another area's)."""
    from jingzhun.areas.models import Area

    visible = not household_limited(user) and in_scope(user, area_code)
    area = Area.objects.filter(code=area_code).first() if visible else None
    if area is None:
        raise LookupError(f"没有区划代码为 {area_code} 的区划")
    return area


def area_exit_view(*, user: Any, area: Any) -> dict[str, Any]:
    """What the exit page of ``area`` (from :func:`area_for_exit`) shows: the latest run's exit test, the village
    facts its pack requires, and the exit recorded with its documents."""
    result = (
        AreaResult.objects.filter(area_code=area.code, run__in=runs_for_user(user=user))
        .select_related("run")
        .order_by("-run_id")
        .first()
    )
    criteria = []
    if result is not None and area.level == "village":
        names = [n for n in result.run.parameters.get("village_criteria", []) if n in CRITERION_TEXT]
        criteria = [{"name": n, "label": CRITERION_TEXT[n], "ok": getattr(area, n)} for n in names]
    record = AreaExit.objects.filter(area=area).select_related("by", "run").first()
    return {
        "result": result,
        "criteria": criteria,
        "exit": record,
        "documents": list(record.documents.order_by("id")) if record else [],
    }


def area_exits_for_codes(*, user: Any, codes: list[str]) -> dict[str, AreaExit]:
    """The exits recorded for these areas of the user's scope, by area code (one query)."""
    return {e.area_id: e for e in scoped(AreaExit.objects.filter(area__in=codes), user, "area__code")}


def area_exits_version() -> int:
    """Changes whenever an exit is recorded (exits are never changed or deleted): for caches of pages."""
    latest = AreaExit.objects.order_by("-id").values_list("id", flat=True).first()
    return latest or 0


def exit_document_get_for_user(*, user: Any, document_id: int) -> AreaExitDocument:
    """A document of an exit in the user's scope (``LookupError`` otherwise)."""
    documents = scoped(AreaExitDocument.objects.filter(pk=document_id), user, "exit__area__code")
    document = documents.select_related("exit").first()
    if document is None:
        raise LookupError(f"没有编号为 {document_id} 的摘帽文件")
    return document


# --- for the standard tables (reports) ------------------------------------------------------------------------


def run_latest_covering(*, year: int, area_prefix: str) -> AssessmentRun | None:
    """The latest finished run of ``year`` whose area contains the whole of ``area_prefix`` (a run of the county
    covers its towns; a run of one town says nothing of the others)."""
    covering = [area_prefix[:n] for n in range(len(area_prefix) + 1)]
    return (
        AssessmentRun.objects.filter(year=year, finished_at__isnull=False, area_prefix__in=covering)
        .order_by("-finished_at", "-id")
        .first()
    )


def indicator_counts_by_village(
    *, user: Any, run: AssessmentRun, area_prefix: str, statuses: list[str]
) -> list[dict[str, Any]]:
    """Per village of the run's results in the user's scope under ``area_prefix``, for the households whose status
    when the run was made is one of ``statuses`` (excluded households left out): ``village``, ``households``,
    ``people`` (their size) and, per indicator of :data:`INDICATORS`, ``ok_<indicator>`` met and
    ``not_<indicator>`` not met."""
    results = household_results_for_user(user=user, run=run).filter(
        village_code__startswith=area_prefix, poverty_status__in=statuses, exclusion=""
    )
    counts: dict[str, Any] = {}
    for indicator in INDICATORS:
        counts[f"ok_{indicator}"] = Count("id", filter=Q(**{indicator: True}))
        counts[f"not_{indicator}"] = Count("id", filter=Q(**{indicator: False}))
    rows = results.values(village=F("village_code")).annotate(households=Count("id"), people=Sum("size"), **counts)
    return [dict(row) for row in rows.order_by("village")]


def runs_version() -> str:
    """Changes whenever a run finishes or is deleted: the key of figures read from runs."""
    finished = AssessmentRun.objects.filter(finished_at__isnull=False).aggregate(
        n=Count("id"), last=Max("id"), at=Max("finished_at")
    )
    at = finished["at"]
    return f"{finished['n']}.{finished['last']}.{at.isoformat() if at else ''}"


def area_results_by_year(*, area_code: str) -> list[dict[str, Any]]:
    """Year by year, the area's own result in the latest finished run of that year that covers it (a run of the
    county covers its towns and villages): ``year``, ``run_id``, ``population``, ``poor_population``,
    ``incidence_bp``, ``exit_eligible``; oldest year first. Areas' results are figures, not people data."""
    rows = (
        AreaResult.objects.filter(area_code=area_code, run__finished_at__isnull=False)
        .values("run_id", "population", "poor_population", "incidence_bp", "exit_eligible", year=F("run__year"))
        .order_by("run__year", "run__finished_at", "run_id")
    )
    latest: dict[int, dict[str, Any]] = {}
    for row in rows:  # one row per run (a handful a year): the last of a year stands
        latest[row["year"]] = dict(row)
    return list(latest.values())
