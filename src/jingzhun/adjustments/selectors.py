"""Scoped reads of registry adjustment cases. Every read goes through the user's area scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from jingzhun.core.scope import scoped
from jingzhun.registry.models import Member
from jingzhun.registry.vocab import MemberStatus

from .models import MEMBER_KINDS, STATUS_KINDS, AdjustmentAttachment, AdjustmentCase, Kind, Stage

TOWN_CODE_LENGTH = 9  # the town's prefix of a 12-digit village code


def cases_for_user(*, user: Any) -> QuerySet[AdjustmentCase]:
    """Cases of households inside the user's area scope; none for a user without a scope."""
    return scoped(AdjustmentCase.objects.all(), user, "household__village__code", household="household")


def case_get_for_user(*, user: Any, case_id: int) -> AdjustmentCase:
    """One case in the user's scope, or ``Http404`` (another area's case is "not found")."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        cases_for_user(user=user).select_related("household", "household__village", "household__village__parent"),
        pk=case_id,
    )


def _overdue(today: dt.date) -> Q:
    return Q(closed_on__isnull=True, decision_due__lt=today)


def case_search_for_user(
    *,
    user: Any,
    kind: str = "",
    stage: str = "",
    village: str = "",
    state: str = "open",
    overdue: bool = False,
    text: str = "",
    year: int | None = None,
    today: dt.date | None = None,
) -> QuerySet[AdjustmentCase]:
    """Cases in scope with the list page's filters; ``state``: open, closed or all; ``year``: decided that year."""
    today = today or timezone.localdate()
    cases = cases_for_user(user=user).select_related("household", "household__village")
    if state == "open":
        cases = cases.filter(closed_on__isnull=True)
    elif state == "closed":
        cases = cases.filter(closed_on__isnull=False)
    if kind:
        cases = cases.filter(kind=kind)
    if stage:
        cases = cases.filter(stage=stage)
    if village:
        cases = cases.filter(household__village_id=village)
    if text:
        cases = cases.filter(household__household_no__startswith=text.strip())
    if overdue:
        cases = cases.filter(_overdue(today))
    if year:
        cases = cases.filter(decided_on__year=year)
    return cases


def cases_of_household(*, household: Any) -> QuerySet[AdjustmentCase]:
    """A household's cases, newest first (the caller has checked the household is in scope)."""
    return AdjustmentCase.objects.filter(household=household).order_by("-applied_on", "-id")


def case_history(*, case: AdjustmentCase) -> list[dict[str, Any]]:
    """The case's steps in order, each with its attachments."""
    steps = list(case.steps.all())
    files: dict[int, list[AdjustmentAttachment]] = {}
    for attachment in case.attachments.order_by("id"):
        files.setdefault(attachment.step_id, []).append(attachment)
    return [{"step": step, "attachments": files.get(step.pk, [])} for step in steps]


def attachment_get_for_user(*, user: Any, attachment_id: int) -> AdjustmentAttachment:
    """An attachment of a case in the user's scope, or ``Http404``."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        AdjustmentAttachment.objects.filter(case__in=cases_for_user(user=user)).select_related("case__household"),
        pk=attachment_id,
    )


def open_counts_for_user(*, user: Any, today: dt.date | None = None) -> dict[str, int]:
    """Open cases in scope, those past the decision deadline, and decided status changes not yet announced."""
    today = today or timezone.localdate()
    return cases_for_user(user=user).aggregate(
        open=Count("id", filter=Q(closed_on__isnull=True)),
        overdue=Count("id", filter=_overdue(today)),
        unannounced=Count("id", filter=Q(stage=Stage.DECIDED, kind__in=STATUS_KINDS, source="page")),
    )


# --- 托底清零: the year's changes next to the transition table ---------------------------------------------------


@dataclass
class ChangeRow:
    code: str
    name: str
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind → (households, people)
    households: int = 0
    people: int = 0


@dataclass
class YearChanges:
    year: int
    kinds: list[str]
    rows: list[ChangeRow]
    total: ChangeRow


def _people() -> Any:
    """People a decided status change concerns: as counted at the decision, else (a decision recorded before the
    count was kept) the household's members on the register now."""
    members = (
        Member.objects.filter(household=OuterRef("household"), status=MemberStatus.ACTIVE)
        .order_by()
        .values("household")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce("people", Subquery(members, output_field=IntegerField()), Value(0))


def year_changes_for_user(*, user: Any, year: int, by: str = "town") -> YearChanges:
    """The changes decided in ``year`` in scope, by kind and by town (or village): households and people.

    One grouped query. Households are distinct per kind and area (a household with two member changes counts
    once under 减少成员, twice in people); the totals of a row add the kinds' households, since a household
    changed in two ways is two changes of the office's numbers.
    """
    decided = cases_for_user(user=user).filter(decided_on__year=year, stage__in=(Stage.DECIDED, Stage.ANNOUNCED))
    length = TOWN_CODE_LENGTH if by == "town" else 12
    grouped = (
        decided.annotate(area=Substr("household__village__code", 1, length))
        .values("area", "kind")
        .annotate(
            households=Count("household", distinct=True),
            member_people=Count("id", filter=Q(kind__in=MEMBER_KINDS)),
        )
        .order_by("area", "kind")
    )
    status_people = dict(
        (
            (row["area"], row["kind"]),
            row["people"],
        )
        for row in decided.filter(kind__in=STATUS_KINDS)
        .annotate(area=Substr("household__village__code", 1, length), size=_people())
        .values("area", "kind")
        .annotate(people=Sum("size"))
        .order_by()
    )
    from jingzhun.areas.selectors import area_names

    rows: dict[str, ChangeRow] = {}
    for row in grouped:
        area, kind = row["area"], row["kind"]
        people = row["member_people"] if kind in MEMBER_KINDS else status_people.get((area, kind), 0) or 0
        target = rows.setdefault(area, ChangeRow(code=area, name=""))
        target.counts[kind] = (row["households"], people)
        target.households += row["households"]
        target.people += people
    names = area_names(codes=[code.ljust(12, "0") if by == "town" else code for code in rows])
    total = ChangeRow(code="", name="")
    for code, target in rows.items():
        target.name = names.get(code.ljust(12, "0") if by == "town" else code, code)
        for kind, (households, people) in target.counts.items():
            before = total.counts.get(kind, (0, 0))
            total.counts[kind] = (before[0] + households, before[1] + people)
        total.households += target.households
        total.people += target.people
    kinds = [kind for kind in Kind.values if kind in total.counts]
    return YearChanges(year=year, kinds=kinds, rows=sorted(rows.values(), key=lambda r: r.code), total=total)
