"""The micro-credit pages (扶贫小额信贷), under /benefits/registers/loans/: the list with the loans due within 30
days and the overdue ones, a new loan, a loan with its repayments."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.params import query_choice

from . import loan_selectors as selectors
from .loan_forms import LoanForm, RepaymentForm
from .loan_services import loan_create, repayment_check, repayment_record
from .models import LoanStatus
from .register_common import RegisterRefused, id_shown, villages_for_user

view_benefits = capability_required(Capability.VIEW_BENEFITS)
manage_registers = capability_required(Capability.MANAGE_BENEFIT_REGISTERS)
LIMIT = 300


def _shown(user: Any, loans: Any) -> list[Any]:
    rows = list(loans)
    for loan in rows:
        loan.borrower_id_shown = id_shown(user, loan.borrower.id_number)
        loan.outstanding = loan.amount - loan.principal_repaid
    return rows


@require_GET
@view_benefits
def loan_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    today = timezone.localdate()
    villages = [(v.code, v.name) for v in villages_for_user(user=user)]
    banks = selectors.loan_banks(user=user)
    chosen = {
        "status": query_choice(request.GET, "status", LoanStatus.values),
        "bank": query_choice(request.GET, "bank", banks),
        "village": query_choice(request.GET, "village", [code for code, _name in villages]),
    }
    rows = selectors.loan_rows(user=user, **chosen)
    total = rows.count()
    context = {
        "loans": _shown(user, rows[:LIMIT]),
        "total": total,
        "limited": total > LIMIT,
        "limit": LIMIT,
        "due_soon": _shown(user, selectors.loans_due_soon(user=user, today=today)[:LIMIT]),
        "overdue": _shown(user, selectors.loans_overdue(user=user, today=today)[:LIMIT]),
        "days": selectors.DUE_SOON_DAYS,
        "today": today,
        "villages": villages,
        "banks": banks,
        "statuses": LoanStatus.choices,
        "chosen": chosen,
        "may_manage": user_can(user, Capability.MANAGE_BENEFIT_REGISTERS),
    }
    return render(request, "benefits/loan_list.html", context)


@require_http_methods(["GET", "POST"])
@manage_registers
def loan_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = LoanForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            loan = loan_create(user=user, borrower_id_number=values.pop("borrower"), **values)
        except RegisterRefused as refused:
            error = str(refused)
        else:
            messages.success(request, _("Loan recorded."))
            return redirect("benefits:loan_detail", loan_id=loan.pk)
    return render(request, "benefits/loan_form.html", {"form": form, "error": error}, status=400 if error else 200)


def _may_repay(user: Any) -> bool:
    try:
        repayment_check(user)
    except PermissionDenied:
        return False
    return True


def _detail(request: HttpRequest, loan: Any, *, form: Any = None, error: str = "", status: int = 200) -> HttpResponse:
    user: Any = request.user
    [figures] = _shown(user, selectors.loan_rows(user=user).filter(pk=loan.pk))
    context = {
        "loan": figures,
        "repayments": loan.repayments.all(),
        "may_repay": _may_repay(user) and figures.status == LoanStatus.CURRENT,
        "form": form or RepaymentForm(initial={"version": loan.version}),
        "error": error,
        "today": timezone.localdate(),
    }
    return render(request, "benefits/loan_detail.html", context, status=status)


@require_GET
@view_benefits
def loan_detail(request: HttpRequest, loan_id: int) -> HttpResponse:
    return _detail(request, selectors.loan_get_for_user(user=request.user, loan_id=loan_id))


@require_POST
@view_benefits
def loan_repay(request: HttpRequest, loan_id: int) -> HttpResponse:
    user: Any = request.user
    loan = selectors.loan_get_for_user(user=user, loan_id=loan_id)
    if not _may_repay(user):
        raise PermissionDenied
    form = RepaymentForm(request.POST)
    if not form.is_valid():
        return _detail(request, loan, form=form, status=400)
    try:
        repayment_record(user=user, loan=loan, **form.cleaned_data)
    except (RegisterRefused, PermissionDenied) as refused:
        return _detail(request, loan, form=form, error=str(refused) or _("You may not record this."), status=400)
    messages.success(request, _("Repayment recorded."))
    return redirect("benefits:loan_detail", loan_id=loan.pk)
