"""The fund pages (项目资金): spending progress of the county, by source and by town with the funds list; a new
fund; a fund with its allocations; a project's allocations and payments; early disbursement; the fund ledger.

Reads go through the scoped selectors (:mod:`.fund_selectors`); what a user may *do* is decided by the services,
whose Chinese refusals are shown on the page as they are.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.downloads import stored_file_download
from jingzhun.accounts.export_pages import ExportPages
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.params import query_int
from jingzhun.core.scope import in_scope

from . import export_jobs
from . import fund_selectors as selectors
from .fund_forms import AllocationForm, FundForm, PaymentForm
from .fund_services import ATTACHMENT_TYPES, FundRefused, allocation_create, fund_create, payment_create, yuan
from .models import Fund, Project
from .selectors import project_editable_by, project_get_for_user, projects_for_user

view_projects = capability_required(Capability.VIEW_PROJECTS)
manage_funds = capability_required(Capability.MANAGE_FUNDS)
SLOWEST = 20  # projects listed on the progress page, lowest progress first


def _year(params: QueryDict, years: list[int]) -> int:
    """The year asked for in ``params`` (a request's query), else the latest with funds, else this year."""
    this_year = timezone.localdate().year
    asked = query_int(params, "year", low=2013, high=this_year + 1)
    return asked or (years[0] if years else this_year)


@require_GET
@view_projects
def funds_index(request: HttpRequest) -> HttpResponse:
    user = request.user
    years = selectors.fund_years(user=user)
    year = _year(request.GET, years)
    funds = selectors.funds_for_user(user=user).filter(year=year).order_by("source", "issued_on", "id")
    context = {
        "year": year,
        "years": sorted({*years, year}, reverse=True),
        "total": selectors.progress_total(user=user, year=year),
        "by_source": selectors.progress_by_source(user=user, year=year),
        "by_town": selectors.progress_by_town(user=user, year=year),
        "slowest": selectors.progress_by_project(user=user, year=year, limit=SLOWEST, slowest=True),
        "funds": selectors.fund_figures(user=user, funds=funds),
        "may_manage": user_can(user, Capability.MANAGE_FUNDS),
    }
    return render(request, "projects/fund_index.html", context)


@require_http_methods(["GET", "POST"])
@manage_funds
def fund_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = FundForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        if user.area is None:
            raise PermissionDenied
        try:
            fund = fund_create(user=user, area=user.area, **values)
        except FundRefused as refused:
            error = str(refused)
        else:
            messages.success(request, _("Fund recorded."))
            return redirect("projects:fund_detail", fund_id=fund.pk)
    return render(request, "projects/fund_new.html", {"form": form, "error": error}, status=400 if error else 200)


def _project_for_allocation(user: Any, code: str) -> Project:
    project = projects_for_user(user=user).filter(code=code.strip()).first()
    if project is None:
        raise FundRefused(f"没有找到编号为「{code.strip()}」的项目，或该项目不在您的管辖区域内。")
    return project


@require_http_methods(["GET", "POST"])
@view_projects
def fund_detail(request: HttpRequest, fund_id: int) -> HttpResponse:
    user: Any = request.user
    fund: Fund = selectors.fund_get_for_user(user=user, fund_id=fund_id)
    may_allocate = user_can(user, Capability.MANAGE_FUNDS) and in_scope(user, fund.area_id)
    form = AllocationForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if not may_allocate:
            raise PermissionDenied
        if form.is_valid():
            values = form.cleaned_data
            try:
                project = _project_for_allocation(user, values["project"])
                allocation_create(
                    user=user,
                    fund=fund,
                    project=project,
                    amount=values["amount"],
                    allocated_on=values["allocated_on"],
                    note=values["note"],
                )
            except (FundRefused, PermissionDenied) as refused:
                error = str(refused) or _("You may not allocate this fund to that project.")
            else:
                messages.success(request, _("Allocation recorded."))
                return redirect("projects:fund_detail", fund_id=fund.pk)
    allocations = selectors.fund_allocations_for_user(user=user, fund=fund)
    [figures] = selectors.fund_figures(user=user, funds=[fund])
    context = {
        "fund": fund,
        "figures": figures,
        "allocations": allocations,
        "allocated_all": fund_allocated(fund) if may_allocate else None,
        "form": form,
        "may_allocate": may_allocate,
        "error": error,
        "early": fund.issued_on.year < fund.year,
    }
    return render(request, "projects/fund_detail.html", context, status=400 if error else 200)


def fund_allocated(fund: Fund) -> dict[str, Any]:
    """The whole fund's allocated and remaining amount, for the office that allocates it (its own area)."""
    allocated = fund.allocations.aggregate(s=Sum("amount"))["s"] or selectors.ZERO
    return {
        "allocated": allocated,
        "remaining": fund.amount - allocated,
        "remaining_text": yuan(fund.amount - allocated),
    }


@require_http_methods(["GET", "POST"])
@view_projects
def project_funds(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    project = project_get_for_user(user=user, code=code)
    summary = selectors.project_fund_summary(project=project)
    may_pay = user_can(user, Capability.RECORD_PAYMENTS) and project_editable_by(user=user, project=project)
    choices = [
        (
            row["allocation"].pk,
            f"{row['fund'].document_no} · {row['source']} · 分配 {yuan(row['allocated'])} 元，尚余 {yuan(row['remaining'])} 元",
        )
        for row in summary["allocations"]
    ]
    form = PaymentForm(request.POST or None, request.FILES or None, allocations=choices)
    error = ""
    if request.method == "POST":
        if not may_pay:
            raise PermissionDenied
        if form.is_valid():
            values = form.cleaned_data
            allocation = selectors.allocation_get_for_project(project=project, allocation_id=values["allocation"])
            try:
                payment_create(
                    user=user,
                    allocation=allocation,
                    amount=values["amount"],
                    paid_on=values["paid_on"],
                    voucher_no=values["voucher_no"],
                    payee=values["payee"],
                    purpose=values["purpose"],
                    attachments=values["vouchers"],
                )
            except FundRefused as refused:
                error = str(refused)
            else:
                messages.success(request, _("Payment recorded."))
                return redirect("projects:project_funds", code=project.code)
    context = {
        "project": project,
        "summary": summary,
        "form": form,
        "may_pay": may_pay and bool(choices),
        "error": error,
    }
    return render(request, "projects/fund_project.html", context, status=400 if error else 200)


@require_GET
@view_projects
def payment_attachment(request: HttpRequest, payment_attachment_id: int) -> FileResponse:
    attachment = selectors.attachment_get_for_user(user=request.user, attachment_id=payment_attachment_id)
    return stored_file_download(
        user=request.user,
        file=attachment.file,
        name=attachment.original_name,
        allowed=ATTACHMENT_TYPES,
        target=f"payment-attachment:{attachment.pk}",
        detail={"payment": attachment.payment_id, "name": attachment.original_name},
    )


@require_GET
@view_projects
def funds_early(request: HttpRequest) -> HttpResponse:
    user = request.user
    years = selectors.fund_years(user=user)
    year = _year(request.GET, years)
    monthly = selectors.paid_by_month(user=user, year=year)
    context = {
        "year": year,
        "years": sorted({*years, year}, reverse=True),
        "early": selectors.early_by_source(user=user),
        "monthly": monthly,
        "months": list(range(1, 13)),
    }
    return render(request, "projects/fund_early.html", context)


# The fund ledger of the year on the page, written in the background (accounts.export_pages).
FUND_LEDGER_EXPORT = ExportPages(
    kind=export_jobs.FUND_LEDGER,
    title="项目资金台账（按资金来源和项目）",
    guard=view_projects,
    params=lambda request, query: {"year": _year(query, selectors.fund_years(user=request.user))},
    url_name="projects:fund_ledger_export",
    back=lambda job: f"{reverse('projects:funds_index')}?year={job.params['year']}",
)
