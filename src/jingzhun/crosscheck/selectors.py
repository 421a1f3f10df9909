"""Reads of the comparison: clues and runs, scoped to the user's area (a clue of another area is "not found")."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from jingzhun.accounts.models import Role
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.scope import scope_prefix, scoped

from .models import OPEN_CLUE_STATES, Batch, Clue, ClueAttachment, ClueEvent, Department, FeedbackState, Run


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
    """The clue's events in order, each with its attachments (a department's answer may carry a file)."""
    return list(clue.events.select_related("by").prefetch_related("attachments").order_by("at", "id"))


# --- a department's queue: the clues sent back to it (反馈核实) ----------------------------------------------------


def department_of_user(*, user: Any) -> str:
    """The comparison department (a key of docs/LEDGER.md §2) of a department clerk, whose ``department`` is
    its key or its name (医保); "" for anyone else, or a department that sends no list."""
    if getattr(user, "role", "") != Role.DEPARTMENT:
        return ""
    text = (getattr(user, "department", "") or "").strip()
    for value, label in Department.choices:
        if text in (value, label):
            return str(value)
    return ""


FEEDBACK_SHOWN = ("waiting", "answered", "all")


def clues_for_department(*, user: Any, show: str = "waiting") -> QuerySet[Clue]:
    """The clues sent back to a department clerk's department, in its area (both the clue's village and the
    household's own must lie in it), deadline first: ``waiting`` for an answer (of open clues), ``answered``,
    or ``all``. Nothing for anyone else."""
    department = department_of_user(user=user)
    if not department:
        return Clue.objects.none()
    clues = scoped(Clue.objects.filter(department=department), user, "village_code", household="household")
    clues = scoped(clues, user, "household__village__code", household="household").exclude(
        feedback_state=FeedbackState.NONE
    )
    if show == "waiting":
        clues = clues.filter(feedback_state=FeedbackState.REQUESTED, state__in=OPEN_CLUE_STATES)
    elif show == "answered":
        clues = clues.filter(feedback_state=FeedbackState.ANSWERED)
    return clues.select_related("household__village", "row").order_by("feedback_due", "id")


def clue_get_for_department(*, user: Any, clue_id: int) -> Clue:
    """One clue of the department clerk's queue, answered or not (``Clue.DoesNotExist`` otherwise)."""
    return (
        clues_for_department(user=user, show="all")
        .select_related("batch", "row", "last_run", "feedback_sent_by", "feedback_answered_by")
        .get(pk=clue_id)
    )


def clue_attachment_get_for_user(*, user: Any, attachment_id: int) -> ClueAttachment:
    """A file of a department's answer, for a user who may see its clue: a reviewer of its area (people data)
    or a clerk of the department it was sent to (``ClueAttachment.DoesNotExist`` otherwise)."""
    if getattr(user, "role", "") == Role.DEPARTMENT:
        clues = clues_for_department(user=user, show="all")
    elif user_can(user, Capability.VIEW_PEOPLE):
        clues = clues_for_user(user=user, state="all")
    else:
        clues = Clue.objects.none()
    return ClueAttachment.objects.get(pk=attachment_id, clue__in=clues.values("pk"))


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
