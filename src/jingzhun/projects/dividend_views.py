"""The dividend pages: the approved distributions of the user's area, a project's preview (approve there), a
distribution with its list (pay there), and the list as an office workbook.

Household rows are people data: only the user's own households are listed; the totals of the whole distribution
are shown as totals. Approving and paying take APPROVE_DIVIDENDS and the project in the user's own area (the
services check both again).
"""

from __future__ import annotations

from decimal import Decimal
from itertools import islice

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.export_pages import ExportPages
from jingzhun.accounts.permissions import Capability
from jingzhun.core.paging import keyset_page, query_without_paging
from jingzhun.core.params import query_page_key

from . import dividend_selectors as selectors
from . import export_jobs
from .dividend_forms import PayForm, PreviewForm
from .dividend_selectors import DividendRefused
from .dividend_services import distribution_approve, distribution_pay
from .models import Distribution, DistributionStage, Project

view_projects = capability_required(Capability.VIEW_PROJECTS)
PREVIEW_ROWS = 200
PAGE_SIZE = 100


@require_GET
@view_projects
def dividend_list(request: HttpRequest) -> HttpResponse:
    distributions = list(selectors.distributions_for_user(user=request.user)[:500])
    return render(request, "projects/dividend_list.html", {"distributions": distributions})


def _project(request: HttpRequest, code: str) -> Project:
    project = selectors.projects_visible(user=request.user).select_related("area").filter(code=code).first()
    if project is None:
        raise Http404("没有找到该项目。")
    return project


@require_http_methods(["GET", "POST"])
@view_projects
def project_dividends(request: HttpRequest, code: str) -> HttpResponse:
    """The preview of a project's dividend for a year; Approve for the county that holds the project."""
    project = _project(request, code)
    may_approve = selectors.may_approve(user=request.user, project=project)
    data = request.POST if request.method == "POST" else request.GET
    year_text = data.get("year", "")
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else timezone.localdate().year - 1
    if "income" in data:
        form = PreviewForm(data)
    else:
        form = PreviewForm(initial={"year": year, "income": selectors.asset_income_of(project=project, year=year)})
    context: dict[str, object] = {"project": project, "form": form, "may_approve": may_approve}
    if form.is_bound and form.is_valid():
        year, income = form.cleaned_data["year"], form.cleaned_data["income"]
        existing = Distribution.objects.filter(project=project, year=year).first()
        if request.method == "POST":
            if not may_approve:
                raise PermissionDenied
            try:
                distribution, created = distribution_approve(
                    user=request.user,
                    project=project,
                    year=year,
                    income=income,
                )
            except DividendRefused as refusal:
                context["error"] = str(refusal)
            else:
                if created:
                    messages.success(request, f"已批准 {year} 年分红，并计入各户资产收益分红收入。")
                return redirect("projects:distribution_detail", distribution_id=distribution.pk)
        try:
            computation = selectors.dividend_preview(
                user=request.user,
                project=project,
                year=year,
                income=income,
            )
        except DividendRefused as refusal:
            context.setdefault("error", str(refusal))
        else:
            rows = list(islice(selectors.share_rows(computation, user=request.user), PREVIEW_ROWS + 1))
            context |= {
                "computation": computation,
                "rows": rows[:PREVIEW_ROWS],
                "more": len(rows) > PREVIEW_ROWS,
                "listed_total": sum((r.share for r in rows[:PREVIEW_ROWS]), Decimal(0)),
            }
        context["existing"] = existing
    return render(request, "projects/dividend_project.html", context)


@require_GET
@view_projects
def distribution_detail(request: HttpRequest, distribution_id: int) -> HttpResponse:
    distribution = selectors.distribution_get_for_user(user=request.user, distribution_id=distribution_id)
    page = keyset_page(
        selectors.shares_for_user(user=request.user, distribution=distribution),
        key="household_no",
        after=query_page_key(request.GET, "after"),
        before=query_page_key(request.GET, "before"),
        size=PAGE_SIZE,
    )
    rules = selectors.dividend_rules()
    for share in page.rows:
        share.tier_text = selectors.TIER_WORD.get(share.tier, "")
        share.weight_text = selectors.weight_text(selectors.hundredths(share.weight), rules)
    may_approve = selectors.may_approve(user=request.user, project=distribution.project)
    context = {
        "distribution": distribution,
        "project": distribution.project,
        "counts": selectors.share_tier_counts(distribution=distribution),
        "page": page,
        "query": query_without_paging(request),
        "pay_form": PayForm() if may_approve and distribution.stage == DistributionStage.APPROVED else None,
    }
    return render(request, "projects/dividend_detail.html", context)


@require_POST
@view_projects
def distribution_pay_view(request: HttpRequest, distribution_id: int) -> HttpResponse:
    distribution = selectors.distribution_get_for_user(user=request.user, distribution_id=distribution_id)
    if not selectors.may_approve(user=request.user, project=distribution.project):
        raise PermissionDenied
    form = PayForm(request.POST)
    if form.is_valid():
        try:
            distribution_pay(user=request.user, distribution=distribution, on=form.cleaned_data["paid_on"])
        except DividendRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, "已登记发放。")
    else:
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
    return HttpResponseRedirect(reverse("projects:distribution_detail", args=[distribution_id]))


def _distribution_params(request: HttpRequest, query: QueryDict, distribution_id: int) -> dict[str, int]:
    """The distribution, if the user sees it ("not found" otherwise)."""
    return {"distribution": selectors.distribution_get_for_user(user=request.user, distribution_id=distribution_id).pk}


# A distribution's list of the user's households as an office workbook, written in the background
# (accounts.export_pages).
DIVIDEND_LIST_EXPORT = ExportPages(
    kind=export_jobs.DIVIDEND_LIST,
    title="差异化分红名单",
    guard=view_projects,
    params=_distribution_params,
    url_name="projects:distribution_export",
    back=lambda job: reverse("projects:distribution_detail", args=[job.params["distribution"]]),
)
