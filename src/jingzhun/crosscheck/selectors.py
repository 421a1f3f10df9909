"""Reads of the comparison: clues and runs, scoped to the user's area (a clue of another area is "not found")."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from jingzhun.core.scope import scope_prefix, scoped

from .models import OPEN_CLUE_STATES, Batch, Clue, ClueEvent, Run


def clues_of_run(*, run: Run) -> QuerySet[Clue]:
    """The open clues a run found (new or still open), in rule, household and clue order: the run's output."""
    return (
        Clue.objects.filter(last_run=run, state__in=OPEN_CLUE_STATES)
        .select_related("household")
        .order_by("rule", "household__household_no", "variant", "id")
    )


def clues_for_user(
    *, user: Any, rule: str = "", department: str = "", state: str = "open", village: str = ""
) -> QuerySet[Clue]:
    """Clues of households in the user's area, filtered; ``state`` is a clue state, ``open`` or ``all``.

    Both the clue's village (the household's at the last comparison: indexed) and the household's own village
    now (it may have moved since) must lie in the area."""
    clues = scoped(Clue.objects.all(), user, "village_code", household="household")
    clues = scoped(clues, user, "household__village__code", household="household")
    clues = clues.select_related("household", "household__village")
    if rule:
        clues = clues.filter(rule=rule)
    if department:
        clues = clues.filter(department=department)
    if state == "open":
        clues = clues.filter(state__in=OPEN_CLUE_STATES)
    elif state and state != "all":
        clues = clues.filter(state=state)
    if village:
        clues = clues.filter(village_code=village)
    return clues


def clue_get_for_user(*, user: Any, clue_id: int) -> Clue:
    """One clue of the user's area (``Clue.DoesNotExist`` also for a clue of another area)."""
    return (
        clues_for_user(user=user, state="all")
        .select_related("member", "batch", "row", "first_run", "last_run", "dispatched_by", "answered_by")
        .get(pk=clue_id)
    )


def clue_history(*, clue: Clue) -> list[ClueEvent]:
    return list(clue.events.select_related("by").order_by("at", "id"))


def runs_for_user(*, user: Any, limit: int = 50) -> list[Run]:
    """The latest runs whose area overlaps the user's: county-wide runs, and runs of the user's area or inside it.

    A run shows counts only, never people; still, a run of another county is not listed.
    """
    prefix = scope_prefix(user)
    if not prefix:
        return []
    # A run from the command line ("") covers every area; a run covers the user's area when one of the two
    # prefixes begins the other.
    overlapping = Q(area_prefix="") | Q(area_prefix__startswith=prefix)
    overlapping |= Q(area_prefix__in=[prefix[:n] for n in range(1, len(prefix))])
    return list(Run.objects.filter(overlapping).select_related("user").order_by("-id")[:limit])


def department_lists_latest() -> dict[str, Batch]:
    """The latest list (batch) of each department that has one: what a comparison now would read."""
    from .rules import latest_batches

    return latest_batches()


def run_latest() -> Run | None:
    """The newest comparison run, of any scope."""
    return Run.objects.order_by("-id").first()
