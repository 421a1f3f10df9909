"""Reads of the benefits center that every part shares: the catalogue in force, benefit years, payments and
applications through the one scope guard, and the overview."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, QuerySet, Sum
from django.utils import timezone

from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.scope import scoped
from jingzhun.policy import selectors as policy_selectors

from .catalogue import PERIOD_TEXT, UNIT_TEXT, Catalogue, catalogue_get
from .models import Application, ApplicationStage, Payment


def catalogue_in_force() -> Catalogue:
    """The catalogue the center works with (the ``BENEFIT_CATALOGUE`` setting; the shipped default)."""
    return catalogue_get()


def benefit_year_default() -> int:
    """The year the pages open on: that of the latest computed entitlements, else of the latest assessment (the
    year whose incomes the office has), else the current year."""
    from .models import EntitlementRun

    run = EntitlementRun.objects.filter(finished_at__isnull=False).order_by("-finished_at", "-id").first()
    if run is not None:
        return int(run.year)
    assessment = policy_selectors.run_latest()
    return int(assessment.year) if assessment is not None else timezone.localdate().year


def payments_for_user(*, user: Any) -> QuerySet[Payment]:
    """Payments to households of the user's area; a department clerk sees those of its department's benefits."""
    queryset = scoped(Payment.objects.all(), user, "household__village__code", household="household")
    return _department_only(queryset, user)


def applications_for_user(*, user: Any) -> QuerySet[Application]:
    """Applications of households in the user's area; a department clerk sees its department's queue only."""
    queryset = scoped(Application.objects.all(), user, "household__village__code", household="household")
    if user_can(user, Capability.DECIDE_APPLICATIONS) and not user_can(user, Capability.TAKE_APPLICATIONS):
        department = getattr(user, "department", "")
        return queryset.filter(department=department) if department else queryset.none()
    return queryset


def payments_version() -> int:
    """A number that changes whenever a payment is recorded (payments are never deleted): the highest id."""
    return int(Payment.objects.aggregate(latest=Max("id"))["latest"] or 0)


def _department_only(queryset: QuerySet[Payment], user: Any) -> QuerySet[Payment]:
    """A department clerk's payments: of the benefits its department owns in the catalogue."""
    if getattr(user, "role", "") != "department":
        return queryset
    codes = [b.code for b in catalogue_in_force().for_department(getattr(user, "department", ""))]
    return queryset.filter(benefit__in=codes)


def overview_for_user(*, user: Any) -> dict[str, Any]:
    """The figures of the overview page for the current year: payments, applications by stage."""
    year = benefit_year_default()
    payments = payments_for_user(user=user).filter(year=year)
    paid = payments.aggregate(n=Count("id"), total=Sum("amount"))
    stages = dict(
        applications_for_user(user=user).values_list("stage").annotate(n=Count("id")).values_list("stage", "n")
    )
    return {
        "year": year,
        "payments": paid["n"] or 0,
        "paid_total": paid["total"] or Decimal(0),
        "pending": stages.get(ApplicationStage.SUBMITTED, 0),
        "approved": stages.get(ApplicationStage.APPROVED, 0),
        "catalogue": catalogue_in_force(),
    }


def catalogue_page() -> dict[str, Any]:
    """The catalogue in force, benefit by benefit, grouped by department, in words."""
    catalogue = catalogue_in_force()
    year = benefit_year_default()
    rows = [
        {
            "benefit": benefit,
            "department": catalogue.department_name(benefit.department),
            "unit": UNIT_TEXT[benefit.unit],
            "period": PERIOD_TEXT[benefit.period],
            "conditions": benefit.conditions_text(),
            "amount": benefit.amount.describe(year),
        }
        for benefit in catalogue.benefits.values()
    ]
    return {"catalogue": catalogue, "rows": rows, "year": year}


def payment_counts_by_village(*, user: Any, area_prefix: str, year: int) -> list[dict[str, Any]]:
    """Per village of the user's scope under ``area_prefix`` and benefit code: ``village``, ``benefit``, ``n``
    payments dated in ``year`` and their ``total`` amount."""
    rows = (
        payments_for_user(user=user)
        .filter(household__village__code__startswith=area_prefix, year=year)
        .values(village=F("household__village_id"), code=F("benefit"))
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("village", "code")
    )
    return [dict(row) for row in rows]
