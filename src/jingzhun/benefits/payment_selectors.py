"""Reads of the payment pages: the filtered list of payments a user may see (through
:func:`selectors.payments_for_user`, the scope guard and a department clerk's own benefits), its totals, the
choices of its filters, and the household a payment is entered for."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from jingzhun.registry.models import Household, Member
from jingzhun.registry.selectors import households_for_user

from .catalogue import Benefit
from .models import Payment
from .selectors import catalogue_in_force, payments_for_user


@dataclass(frozen=True)
class PaymentFilters:
    """The list's filters; an empty value (or ``None``) is no filter."""

    year: int | None = None
    benefit: str = ""
    department: str = ""  # a catalogue department key: the payments of its benefits
    town: str = ""  # a town's code
    village: str = ""  # a village's code
    source: str = ""
    household_no: str = ""

    def as_query(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


def payment_search_for_user(*, user: Any, filters: PaymentFilters) -> QuerySet[Payment]:
    """The payments ``user`` may see that match ``filters`` (the list, its totals and its export)."""
    payments = payments_for_user(user=user)
    if filters.year is not None:
        payments = payments.filter(year=filters.year)
    if filters.benefit:
        payments = payments.filter(benefit=filters.benefit)
    if filters.department:
        codes = [b.code for b in catalogue_in_force().for_department(filters.department)]
        payments = payments.filter(benefit__in=codes)
    if filters.village:
        payments = payments.filter(household__village__code=filters.village)
    elif filters.town:
        payments = payments.filter(household__village__code__startswith=filters.town[:9])
    if filters.source:
        payments = payments.filter(source=filters.source)
    if filters.household_no:
        payments = payments.filter(household__household_no=filters.household_no)
    return payments


def payment_totals(payments: QuerySet[Payment]) -> dict[str, Any]:
    """Count and sum (yuan) of a list of payments."""
    totals = payments.order_by().aggregate(n=Count("id"), total=Sum("amount"))
    return {"count": totals["n"] or 0, "total": totals["total"] or Decimal(0)}


def payment_years_for_user(*, user: Any) -> list[int]:
    """The years the user's payments fall in, newest first (the year filter's choices)."""
    return list(payments_for_user(user=user).order_by("-year").values_list("year", flat=True).distinct())


def benefits_payable_by(*, user: Any) -> list[Benefit]:
    """The benefits ``user`` may record payments of: a department clerk its department's, others every one."""
    catalogue = catalogue_in_force()
    if getattr(user, "role", "") == "department":
        return catalogue.for_department(getattr(user, "department", "") or "\x00")
    return list(catalogue.benefits.values())


def benefits_visible_to(*, user: Any) -> list[Benefit]:
    """The benefits whose payments ``user`` sees (the benefit filter's choices)."""
    return benefits_payable_by(user=user)


def household_for_payment(*, user: Any, household_no: str) -> Household | None:
    """The household of ``household_no`` if ``user`` may see it (else ``None``: another area's is not found)."""
    if not household_no:
        return None
    return households_for_user(user=user).select_related("village").filter(household_no=household_no).first()


def household_members(*, household: Household) -> list[Member]:
    """Every member recorded in the household (current first), the ones a payment may name."""
    return sorted(household.members.all(), key=lambda m: (m.status != "active", m.relation != "head", m.pk))
