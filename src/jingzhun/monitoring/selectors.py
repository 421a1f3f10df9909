"""Scoped reads of monitoring cases. Every read of cases goes through the user's area scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.core.cache import cache
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.lookups import Exact
from django.utils import timezone

from jingzhun.areas.models import PREFIX_LENGTH, Level
from jingzhun.core.scope import scope_key, scoped
from jingzhun.core.sql import CodeStartsWith, StartsWith, Unindexed

from .models import IDENTIFYING, Attachment, CaseStep, Category, MonitoringCase, RiskType, Stage

# The order of the case lists: by village, then household number (a household's earlier cases first). The
# numbers begin with the village's code wherever the ledger follows the national numbering, so this is the
# household-number order.
LIST_ORDER = ("village_code", "household_no", "id")
CACHED = 3600  # seconds a count is kept (it is also keyed on the cases' version)


def cases_for_user(*, user: Any) -> QuerySet[MonitoringCase]:
    """Cases of households inside the user's area scope; none for a user without a scope."""
    return scoped(MonitoringCase.objects.all(), user, "household__village__code", household="household")


def _cases_in_area(*, user: Any) -> QuerySet[MonitoringCase]:
    """:func:`cases_for_user` read by the case's own copy of its household's village (kept by a trigger, see the
    model) as a range of the cases' list indexes: no household read to place a case."""
    return scoped(MonitoringCase.objects.all(), user, "village_code", household="household", indexed=True)


def cases_open() -> QuerySet[MonitoringCase]:
    """Every open case (being identified or under monitoring), unscoped: for a subquery correlated with
    households the caller has already read through its own scope (``.filter(household=OuterRef(...))``)."""
    return MonitoringCase.objects.filter(closed_on__isnull=True)


def household_monitorable(*, household: Any) -> bool:
    """Whether the household may become a monitoring case (已脱贫 or 非贫困户, docs/RULES.md §6)."""
    from .services import MONITORABLE

    return household.poverty_status in MONITORABLE


def case_open_for_household(*, household: Any) -> MonitoringCase | None:
    """The household's open case, if it is under monitoring or being identified."""
    return MonitoringCase.objects.filter(household=household, closed_on__isnull=True).first()


def _overdue_decision(today: dt.date) -> Q:
    return Q(stage__in=IDENTIFYING, decision_due__lt=today)


def _overdue_help(today: dt.date) -> Q:
    return Q(closed_on__isnull=True, help_started_on__isnull=True, help_due__lt=today)


def case_search_for_user(
    *,
    user: Any,
    stage: str = "",
    channel: str = "",
    category: str = "",
    risk: str = "",
    tier: str = "",
    town: str = "",
    village: str = "",
    overdue: str = "",
    state: str = "open",
    text: str = "",
    today: dt.date | None = None,
) -> QuerySet[MonitoringCase]:
    """Cases in scope with the list page's filters. ``risk``: a risk type's code among the case's risk types;
    ``town``: a town's 12-digit code; ``overdue``: ``decision`` (county decision past due), ``help`` (no help yet
    past the instant-help deadline) or ``any``; ``state``: open, closed or all.

    The area is read from the case's own copy of its household's village (kept by a trigger, see the model), so
    that a page of :data:`LIST_ORDER` is read from the cases' list index within the area."""
    today = today or timezone.localdate()
    cases = _cases_in_area(user=user).select_related("household", "household__village")
    if state == "open":
        cases = cases.filter(closed_on__isnull=True)
    elif state == "monitored":  # 监测对象: included and not closed, whether or not risk elimination has begun
        cases = cases.filter(closed_on__isnull=True, monitored_since__isnull=False)
    elif state == "closed":
        cases = cases.filter(closed_on__isnull=False)
    filters = {"stage": stage, "channel": channel, "category": category, "help_tier": tier}
    for name, value in filters.items():
        if value:
            # Checked on the cases the list index reads in order: the stage's own index would have SQLite sort
            # every case at that stage (most cases, soon after a bulk opening) to show fifty.
            cases = cases.filter(Exact(Unindexed(F(name), output_field=CharField()), value))
    if risk:
        # The quoted code within the JSON list's text: SQLite has no JSON containment, and the quotes keep "01"
        # from matching "0201".
        cases = cases.filter(risk_types__icontains=f'"{risk}"')
    if town:
        cases = cases.filter(CodeStartsWith(F("village_code"), town[: PREFIX_LENGTH[Level.TOWN]]))
    if village:
        cases = cases.filter(village_code=village)
    if text:
        # The case's copy of the number is in the list index: checked there, without reading the case.
        cases = cases.filter(StartsWith(F("household_no"), text.strip()))
    if overdue == "decision":
        cases = cases.filter(_overdue_decision(today))
    elif overdue == "help":
        cases = cases.filter(_overdue_help(today))
    elif overdue == "any":
        cases = cases.filter(_overdue_decision(today) | _overdue_help(today))
    return cases.annotate(
        decision_overdue=ExpressionWrapper(_overdue_decision(today), output_field=BooleanField()),
        help_overdue=ExpressionWrapper(_overdue_help(today), output_field=BooleanField()),
    )


def overdue_cases_for_scope(*, area_prefix: str, today: dt.date | None = None) -> QuerySet[MonitoringCase]:
    """Open cases past either deadline under ``area_prefix``, most overdue first (the county's worklist)."""
    today = today or timezone.localdate()
    return (
        MonitoringCase.objects.filter(household__village__code__startswith=area_prefix)
        .filter(_overdue_decision(today) | _overdue_help(today))
        .select_related("household")
        .order_by("decision_due", "id")
    )


def monitoring_summary_for_user(*, user: Any, today: dt.date | None = None) -> dict[str, Any]:
    """Counts for the dashboard: open cases by stage group, overdue decisions and instant help."""
    today = today or timezone.localdate()
    cases = _cases_in_area(user=user)
    counts = cases.aggregate(
        open=Count("id", filter=Q(closed_on__isnull=True)),
        identifying=Count("id", filter=Q(stage__in=IDENTIFYING)),
        monitored=Count("id", filter=Q(closed_on__isnull=True) & ~Q(stage__in=IDENTIFYING)),
        decision_overdue=Count("id", filter=_overdue_decision(today)),
        help_overdue=Count("id", filter=_overdue_help(today)),
        eliminated=Count("id", filter=Q(stage=Stage.ELIMINATED)),
    )
    return counts


def monitoring_summary_cached_for_user(*, user: Any, today: dt.date | None = None) -> dict[str, Any]:
    """:func:`monitoring_summary_for_user`, kept until a case changes (:func:`cases_version`, which also changes
    with the date): a count over every case of the scope, on each view of the case list otherwise."""
    today = today or timezone.localdate()
    key = f"jingzhun:monitoring-summary:{scope_key(user)}:{today.isoformat()}:{cases_version()}"
    summary: dict[str, Any] = cache.get_or_set(  # type: ignore[assignment]
        key, lambda: monitoring_summary_for_user(user=user, today=today), timeout=CACHED
    )
    return summary


def case_get_for_user(*, user: Any, case_id: int) -> MonitoringCase:
    """One case in the user's scope; 404 for anything else, so other areas' cases are not even confirmed."""
    from django.http import Http404

    case = cases_for_user(user=user).select_related("household", "household__village").filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


def cases_for_household(*, household: Any) -> QuerySet[MonitoringCase]:
    """Every case of a household, the open one first (for the household record)."""
    return MonitoringCase.objects.filter(household=household).order_by(F("closed_on").desc(nulls_first=True), "-id")


def case_history(*, case: MonitoringCase) -> list[dict[str, Any]]:
    """The case's steps and discoveries in order, each with its attachments."""
    steps = list(case.steps.select_related("by").prefetch_related("attachments").order_by("recorded_at", "id"))
    return [{"step": step, "attachments": list(step.attachments.all())} for step in steps]


def attachment_get_for_user(*, user: Any, attachment_id: int) -> Attachment:
    from django.http import Http404

    attachment = Attachment.objects.filter(pk=attachment_id, case__in=cases_for_user(user=user)).first()
    if attachment is None:
        raise Http404
    return attachment


def _ledger_cases(*, area_prefix: str, state: str, tiered: bool) -> QuerySet[MonitoringCase]:
    cases = MonitoringCase.objects.filter(household__village__code__startswith=area_prefix)
    if state == "open":
        cases = cases.filter(closed_on__isnull=True)
    if tiered:
        cases = cases.exclude(help_tier="")
    return cases


def ledger_count_for_scope(*, area_prefix: str, state: str = "open", tiered: bool = False) -> int:
    """How many rows :func:`ledger_rows_for_scope` gives (an export's total)."""
    return _ledger_cases(area_prefix=area_prefix, state=state, tiered=tiered).count()


def ledger_rows_for_scope(*, area_prefix: str, state: str = "open", tiered: bool = False) -> Iterator[Any]:
    """One row per case for the monitoring ledger and (``tiered``: cases with an A/B/C tier) the instant-help
    ledger, streamed."""
    from jingzhun.registry.models import Member

    heads = Member.objects.filter(household=OuterRef("household"), relation="head").order_by("id")
    cases = _ledger_cases(area_prefix=area_prefix, state=state, tiered=tiered)
    rows = (
        cases.annotate(head_name=Subquery(heads.values("name")[:1]), head_id=Subquery(heads.values("id_number")[:1]))
        .values(
            "id",
            "household__household_no",
            "household__village_id",
            "household__village__name",
            "household__poverty_status",
            "head_name",
            "head_id",
            "category",
            "risk_types",
            "channel",
            "stage",
            "opened_on",
            "decision_due",
            "decision_due_estimated",
            "decided_on",
            "monitored_since",
            "help_tier",
            "help_tier_since",
            "help_due",
            "help_started_on",
            "measures",
            "closed_on",
            "close_reason",
        )
        .order_by("household__household_no", "id")
    )
    return rows.iterator(chunk_size=5000)


def instant_help_counts_for_user(*, user: Any, today: dt.date | None = None) -> dict[str, int]:
    """Open cases with an instant-help tier in the user's scope: how many in each tier, how many still
    waiting for their first help, and how many of those are past the deadline."""
    today = today or timezone.localdate()
    tiered = _cases_in_area(user=user).filter(closed_on__isnull=True).exclude(help_tier="")
    waiting = Q(help_started_on__isnull=True)
    return tiered.aggregate(
        total=Count("id"),
        a=Count("id", filter=Q(help_tier="A")),
        b=Count("id", filter=Q(help_tier="B")),
        c=Count("id", filter=Q(help_tier="C")),
        waiting=Count("id", filter=waiting & Q(help_due__gte=today)),
        overdue=Count("id", filter=_overdue_help(today)),
        answered=Count("id", filter=Q(help_started_on__isnull=False)),
    )


def instant_help_counts_cached_for_user(*, user: Any, today: dt.date | None = None) -> dict[str, int]:
    """:func:`instant_help_counts_for_user`, kept until a case changes (:func:`cases_version`)."""
    today = today or timezone.localdate()
    key = f"jingzhun:instant-help-counts:{scope_key(user)}:{today.isoformat()}:{cases_version()}"
    counts: dict[str, int] = cache.get_or_set(  # type: ignore[assignment]
        key, lambda: instant_help_counts_for_user(user=user, today=today), timeout=CACHED
    )
    return counts


# --- for the standard tables (reports) ------------------------------------------------------------------------


def case_counts_by_village(*, user: Any, area_prefix: str, year: int, day: dt.date) -> list[dict[str, Any]]:
    """Per village of the user's scope under ``area_prefix``, households counted from the cases' own dates as they
    stood at the end of ``day`` (the last day of ``year``, or today within it):

    - ``monitored``: included (``monitored_since``) by ``day`` and not closed by then; ``monitored_<category>``
      the same by category;
    - ``included_year`` / ``eliminated_year``: included, risk eliminated (closed as eliminated) within ``year``;
    - ``included_total`` / ``eliminated_total``: the same since the first case, up to ``day``;
    - instant help of the cases tiered within ``year`` by ``day``: ``tier_<A|B|C>``, ``help_on_time`` (first help
      by its due date), ``help_late`` (after it), ``help_overdue`` (none by ``day``, the due date passed),
      ``help_waiting`` (none yet, not yet due).
    """
    first, last = dt.date(year, 1, 1), day
    cases = cases_for_user(user=user).filter(household__village__code__startswith=area_prefix)
    included_by = Q(monitored_since__isnull=False, monitored_since__lte=last)
    open_then = Q(closed_on__isnull=True) | Q(closed_on__gt=last)
    eliminated_by = Q(stage=Stage.ELIMINATED, closed_on__lte=last)
    tiered = Q(help_tier_since__gte=first, help_tier_since__lte=last) & ~Q(help_tier="")
    started = Q(help_started_on__isnull=False, help_started_on__lte=last)
    counts: dict[str, Any] = {
        "monitored": Count("id", filter=included_by & open_then),
        "included_year": Count("id", filter=Q(monitored_since__gte=first, monitored_since__lte=last)),
        "eliminated_year": Count("id", filter=eliminated_by & Q(closed_on__gte=first)),
        "included_total": Count("id", filter=included_by),
        "eliminated_total": Count("id", filter=eliminated_by),
        "help_on_time": Count("id", filter=tiered & started & Q(help_started_on__lte=F("help_due"))),
        "help_late": Count("id", filter=tiered & started & Q(help_started_on__gt=F("help_due"))),
        "help_overdue": Count("id", filter=tiered & ~started & Q(help_due__lt=last)),
        "help_waiting": Count("id", filter=tiered & ~started & Q(help_due__gte=last)),
    }
    for category in ("unstable", "marginal", "sudden"):
        counts[f"monitored_{category}"] = Count("id", filter=included_by & open_then & Q(category=category))
    for tier in ("A", "B", "C"):
        counts[f"tier_{tier}"] = Count("id", filter=tiered & Q(help_tier=tier))
    rows = cases.values(village=F("household__village_id")).annotate(**counts).order_by("village")
    return [dict(row) for row in rows]


def cases_version() -> str:
    """Changes with any case opened, stepped or edited (its steps, its own ``updated_at``) and with the date (the
    figures of the current year depend on today): the key of figures counted from the cases. Cases are never
    deleted (a household's history is its record), so the newest id and edit tell every change. Three maxima,
    each read from an index (one aggregate of all three would scan every case: 35 ms at 170,000 cases)."""
    last = MonitoringCase.objects.aggregate(last=Max("id"))["last"]
    at = MonitoringCase.objects.aggregate(at=Max("updated_at"))["at"]
    step = CaseStep.objects.aggregate(last=Max("id"))["last"]
    return f"{last}.{at.isoformat() if at else ''}.{step}.{timezone.localdate().isoformat()}"


def open_case_breakdown(*, user: Any, area_prefix: str) -> dict[str, dict[str, int]]:
    """The open cases of the user's scope under ``area_prefix``, counted three ways in one aggregate query:
    ``stage`` (every stage of :class:`Stage`), ``category`` (unstable, marginal, sudden; none before the decision)
    and ``risk`` (each risk type a case names; a case naming two counts under both); ``total``: all of them."""
    groups: dict[str, dict[str, Q]] = {
        "stage": {s.value: Q(stage=s) for s in Stage},
        "category": {c.value: Q(category=c) for c in Category},
        # The codes are quoted in the stored list, so "01" never matches "0201".
        "risk": {r.value: Q(risk_types__icontains=f'"{r.value}"') for r in RiskType},
    }
    counts: dict[str, Any] = {"total": Count("id")}
    aliases: dict[str, tuple[str, str]] = {}
    for group, conditions in groups.items():
        for n, (code, condition) in enumerate(conditions.items()):
            aliases[f"{group}_{n}"] = (group, code)
            counts[f"{group}_{n}"] = Count("id", filter=condition)
    row = (
        cases_for_user(user=user)
        .filter(closed_on__isnull=True, household__village__code__startswith=area_prefix)
        .aggregate(**counts)
    )
    found: dict[str, dict[str, int]] = {group: {} for group in groups}
    for alias, (group, code) in aliases.items():
        found[group][code] = row[alias]
    found["total"] = {"all": row["total"]}
    return found
