"""Reads of the window and of the applications queue, all through the one scope guard
(:func:`~.selectors.applications_for_user`, :func:`~.selectors.payments_for_user`, the registry's household
search): a window (county, town) sees its area, a department clerk only its department's applications and the
households that applied to it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.idnumber import mask
from jingzhun.registry import selectors as registry
from jingzhun.registry.models import Household, Member
from jingzhun.registry.vocab import MemberStatus, Relation

from .application_services import OPEN, STAGE_TEXT, WORKFLOW
from .gap_selectors import household_entitlements
from .models import Application, ApplicationStep
from .selectors import applications_for_user, catalogue_in_force, payments_for_user

SEARCH_ROWS = 50  # households listed for a window search; a longer list is a search to narrow
QUEUE_ROWS = 200


def window_households(*, user: Any, text: str) -> QuerySet[Household]:
    """The households a window search finds: the registry's household search (户编号, name, full ID number or
    the last four characters a masked number shows), in 户编号 order; nothing for an empty search."""
    if not text.strip():
        return Household.objects.none()
    return registry.household_search_for_user(user=user, text=text).order_by("household_no")


def window_household_get(*, user: Any, household_no: str) -> Household:
    """The household of the window page: any of the area for a window; for a department clerk only one that
    applied for a benefit of its department (``Household.DoesNotExist`` otherwise, as for another area's)."""
    household = registry.household_get_for_user(user=user, household_no=household_no)
    if user_can(user, Capability.TAKE_APPLICATIONS):
        return household
    if applications_for_user(user=user).filter(household=household).exists():
        return household
    raise Household.DoesNotExist


def _department_only(user: Any) -> str | None:
    """The department whose benefits a user sees, None for all (a window)."""
    if user_can(user, Capability.TAKE_APPLICATIONS):
        return None
    return getattr(user, "department", "") or "\x00"


@dataclass(frozen=True)
class MemberRow:
    member: Member
    id_number: str  # masked
    age: int


def household_window(*, user: Any, household: Household, year: int) -> dict[str, Any]:
    """What the window shows of a household: head, members (ID numbers masked), every benefit it is entitled
    to in ``year`` with the amount and whether received, every payment it has had and its applications. A
    department clerk sees its department's benefits, payments and applications only."""
    today = timezone.localdate()
    members = sorted(
        household.members.all(),
        key=lambda m: (m.status != MemberStatus.ACTIVE, m.relation != Relation.HEAD, m.birth_date, m.pk),
    )
    department = _department_only(user)
    entitlements = household_entitlements(household=household, year=year)
    if department is not None:
        entitlements = [line for line in entitlements if line.benefit.department == department]
    catalogue = catalogue_in_force()
    payments = list(
        payments_for_user(user=user).filter(household=household).select_related("member").order_by("-paid_on", "-id")
    )
    applications = list(
        applications_for_user(user=user)
        .filter(household=household)
        .select_related("member")
        .order_by("-submitted_on", "-id")
    )
    for application in applications:
        application.stage_text = STAGE_TEXT[application.stage]  # type: ignore[attr-defined]
    head = next((m for m in members if m.relation == Relation.HEAD), members[0] if members else None)
    return {
        "household": household,
        "head": head,
        "members": [
            MemberRow(member=m, id_number=mask(m.id_number), age=m.age_shown(today, unmasked=False)) for m in members
        ],
        "active_members": [m for m in members if m.status == MemberStatus.ACTIVE],
        "entitlements": [
            {"line": line, "department": catalogue.department_name(line.benefit.department)} for line in entitlements
        ],
        "entitled_total": sum((line.amount for line in entitlements), Decimal(0)),
        "not_received": sum(1 for line in entitlements if not line.received),
        "payments": payments,
        "applications": applications,
        "year": year,
    }


def entitled_amount(*, household: Household, benefit_code: str, member: Member | None, year: int) -> Decimal | None:
    """The amount the household (or member) is entitled to of ``benefit_code`` in ``year``, None when it is not."""
    for line in household_entitlements(household=household, year=year):
        member_id = line.member.pk if line.member is not None else None
        if line.benefit.code == benefit_code and member_id == (member.pk if member is not None else None):
            return line.amount
    return None


# --- the queue -------------------------------------------------------------------------------------------------


def application_queue(
    *, user: Any, stage: str = "", benefit: str = "", year: int | None = None, mine: bool = False
) -> QuerySet[Application]:
    """The applications a user works on, waiting ones first (oldest first), then the closed ones newest first:
    a department clerk its department's of its area, a window those of its area (``mine``: those it took)."""
    queryset = applications_for_user(user=user).select_related("household", "member", "created_by")
    if stage:
        queryset = queryset.filter(stage=stage)
    if benefit:
        queryset = queryset.filter(benefit=benefit)
    if year:
        queryset = queryset.filter(year=year)
    if mine:
        queryset = queryset.filter(created_by=user)
    waiting = Case(When(stage__in=OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    since = Coalesce("decided_on", "submitted_on")
    return queryset.annotate(waiting=waiting, since=since).order_by("waiting", "since", "id")


def queue_rows(applications: list[Application], *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The queue's rows: stage in words and, for a waiting application, the days since it reached its stage."""
    today = today or timezone.localdate()
    return [
        {
            "application": a,
            "stage_text": STAGE_TEXT[a.stage],
            "days_waiting": (today - (a.decided_on or a.submitted_on)).days if a.stage in OPEN else None,
        }
        for a in applications
    ]


def application_get_for_user(*, user: Any, application_id: int) -> Application:
    """One application the user may see (``Application.DoesNotExist`` also for another area's or department's)."""
    return (
        applications_for_user(user=user)
        .select_related("household", "household__village", "member", "payment", "created_by")
        .get(pk=application_id)
    )


def application_history(*, application: Application) -> list[ApplicationStep]:
    """The application's steps, oldest first, each with its label and the stage it led to in words."""
    steps = list(application.steps.select_related("by").order_by("recorded_at", "id"))
    for step in steps:
        rule = WORKFLOW.rule(step.action)
        label = rule.label if rule is not None else step.action
        if step.action == "decide":
            label = "批准" if step.data.get("passed") else "不予批准"
        step.label = label  # type: ignore[attr-defined]
        step.to_text = STAGE_TEXT.get(step.to_stage, step.to_stage)  # type: ignore[attr-defined]
    return steps
