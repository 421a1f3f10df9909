"""Reads of the micro-credit register: loans of households in the user's area (a department clerk: only if its
department pays the interest subsidy), the loans due within 30 days and the overdue ones, a loan's repayments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from jingzhun.core.scope import scoped

from .loan_services import SUBSIDY_BENEFIT
from .models import MONEY, Loan, LoanStatus
from .register_common import department_sees

DUE_SOON_DAYS = 30


def loans_for_user(*, user: Any) -> QuerySet[Loan]:
    """Loans of households in the user's area; none for a department clerk whose department does not pay B22."""
    if not department_sees(user, SUBSIDY_BENEFIT):
        return Loan.objects.none()
    return scoped(Loan.objects.all(), user, "household__village__code", household="household")


def loan_get_for_user(*, user: Any, loan_id: int) -> Loan:
    """One loan the user may see (404 otherwise)."""
    loan = loans_for_user(user=user).select_related("household__village", "borrower").filter(pk=loan_id).first()
    if loan is None:
        raise Http404
    return loan


def _with_figures(loans: QuerySet[Loan]) -> QuerySet[Loan]:
    zero = Decimal(0)
    money = DecimalField(**MONEY)
    return loans.select_related("household__village", "borrower").annotate(
        principal_repaid=Coalesce(Sum("repayments__principal"), Value(zero), output_field=money),
        subsidy_paid=Coalesce(Sum("repayments__interest_subsidy"), Value(zero), output_field=money),
    )


def loan_rows(*, user: Any, status: str = "", bank: str = "", village: str = "") -> QuerySet[Loan]:
    """The list, filtered by status, bank and village code; latest issued first."""
    loans = loans_for_user(user=user)
    if status:
        loans = loans.filter(status=status)
    if bank:
        loans = loans.filter(bank=bank)
    if village:
        loans = loans.filter(household__village_id=village)
    return _with_figures(loans).order_by("-issued_on", "-id")


def loans_due_soon(*, user: Any, today: dt.date) -> QuerySet[Loan]:
    """Outstanding loans due today or within the next 30 days (the 30th day included), soonest first."""
    window = Q(due_on__gte=today, due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
    return _with_figures(loans_for_user(user=user).filter(window, status=LoanStatus.CURRENT)).order_by("due_on", "id")


def loans_overdue(*, user: Any, today: dt.date) -> QuerySet[Loan]:
    """Outstanding loans whose due date has passed, longest overdue first."""
    overdue = loans_for_user(user=user).filter(status=LoanStatus.CURRENT, due_on__lt=today)
    return _with_figures(overdue).order_by("due_on", "id")


def loan_banks(*, user: Any) -> list[str]:
    """The banks of the user's loans, for the filter."""
    return list(loans_for_user(user=user).values_list("bank", flat=True).distinct().order_by("bank"))
