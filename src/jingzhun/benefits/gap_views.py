"""The pages of 应享未享 and 不应享而享: counts by village and by department, the list with its filters, its Excel
table, and the button that computes a fresh run."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.export_pages import ExportPages
from jingzhun.accounts.permissions import Capability, user_can, user_sees_id_numbers
from jingzhun.areas.selectors import area_names
from jingzhun.core.idnumber import mask
from jingzhun.core.paging import keyset_page, query_without_paging
from jingzhun.core.params import query_choice, query_int, query_page_key, query_text
from jingzhun.core.scope import in_scope

from . import export_jobs
from . import gap_selectors as gaps
from .catalogue import Catalogue, CatalogueError
from .entitlement_services import entitlements_compute
from .selectors import benefit_year_default, catalogue_in_force

view_benefits = capability_required(Capability.VIEW_BENEFITS)
compute_entitlements = capability_required(Capability.COMPUTE_ENTITLEMENTS)
PAGE_SIZE = 50


def _filters(params: QueryDict, user: Any, catalogue: Catalogue) -> dict[str, Any]:
    """The list's filters from a request's query; an area outside the user's scope reads as absent."""
    area = query_text(params, "area", max_length=12)
    return {
        "year": query_int(params, "year", low=2000, high=2099) or benefit_year_default(),
        "benefit": query_choice(params, "benefit", list(catalogue.benefits)),
        "department": query_choice(params, "department", list(catalogue.departments)),
        # An area outside the user's scope would list nothing anyway; it reads as absent.
        "area": area if area.isdigit() and in_scope(user, area.ljust(12, "0")) else "",
    }


def _rows(request: HttpRequest, unentitled: bool) -> tuple[Any, QuerySet[Any] | None, QuerySet[Any] | None, Any]:
    """(filters, all rows of the run in scope, rows filtered, run) for the request."""
    catalogue = catalogue_in_force()
    filters = _filters(request.GET, request.user, catalogue)
    run, every, narrowed = gaps.gap_list_for_user(
        user=request.user, filters=filters, catalogue=catalogue, unentitled=unentitled
    )
    return filters, every, narrowed, run


def _page(request: HttpRequest, *, unentitled: bool) -> HttpResponse:
    catalogue = catalogue_in_force()
    filters, every, narrowed, run = _rows(request, unentitled)
    context: dict[str, Any] = {
        "unentitled": unentitled,
        "here": "unentitled" if unentitled else "gaps",
        "filters": filters,
        "run": run,
        "catalogue": catalogue,
        "benefits": list(catalogue.benefits.values()),
        "departments": list(catalogue.departments.items()),
        "years": range(benefit_year_default(), benefit_year_default() - 8, -1),
        "may_compute": user_can(request.user, Capability.COMPUTE_ENTITLEMENTS),
        "query": query_without_paging(request),
    }
    if run is not None and every is not None and narrowed is not None:
        by_village = gaps.counts_by_village(every)
        names = area_names(codes=[c["village"] for c in by_village])
        for c in by_village:
            c["name"] = names.get(c["village"], c["village"])
        page = keyset_page(
            narrowed.select_related("household", "household__village", "member"),
            key="pk",
            after=query_page_key(request.GET, "after"),
            before=query_page_key(request.GET, "before"),
            size=PAGE_SIZE,
        )
        unmasked = user_sees_id_numbers(request.user)
        for row in page.rows:
            benefit = catalogue.get(row.benefit)
            row.benefit_name = benefit.name if benefit else row.benefit
            row.department_name = catalogue.department_name(benefit.department) if benefit else ""
            number = row.member.id_number if row.member else ""
            row.shown_id = (number if unmasked else mask(number)) if number else ""
        context.update(
            by_village=by_village,
            by_department=gaps.counts_by_department(every, catalogue=catalogue),
            page=page,
            filtered=narrowed.count(),
        )
    return render(request, "benefits/gaps.html", context)


@require_GET
@view_benefits
def gap_list(request: HttpRequest) -> HttpResponse:
    return _page(request, unentitled=False)


@require_GET
@view_benefits
def unentitled_list(request: HttpRequest) -> HttpResponse:
    return _page(request, unentitled=True)


def _export_params(request: HttpRequest, query: QueryDict, *, unentitled: bool) -> dict[str, Any]:
    """The list's filters; refused while the year has no run, as the list shows none."""
    filters = _filters(query, request.user, catalogue_in_force())
    if gaps.entitlement_run_latest(user=request.user, year=filters["year"]) is None:
        raise PermissionDenied(_("No entitlement run for this year yet."))
    return filters


# The list's Excel table with the page's filters, written in the background (accounts.export_pages).
GAP_EXPORT = ExportPages(
    kind=export_jobs.GAPS,
    title="应享未享政策清单",
    guard=view_benefits,
    params=functools.partial(_export_params, unentitled=False),
    url_name="benefits:gap_export",
    back=lambda job: f"{reverse('benefits:gap_list')}?year={job.params['year']}",
)
UNENTITLED_EXPORT = ExportPages(
    kind=export_jobs.UNENTITLED,
    title="不应享而享政策清单",
    guard=view_benefits,
    params=functools.partial(_export_params, unentitled=True),
    url_name="benefits:unentitled_export",
    back=lambda job: f"{reverse('benefits:unentitled_list')}?year={job.params['year']}",
)


@require_POST
@compute_entitlements
def gap_compute(request: HttpRequest) -> HttpResponseRedirect:
    """Compute a fresh run of the year for the user's whole scope, then show the list."""
    year = query_int(request.POST, "year", low=2000, high=2099)
    if year is None:  # the page's form always sends one: anything else computes nothing
        messages.error(request, _("Choose the year to compute."))
        return HttpResponseRedirect(reverse("benefits:gap_list"))
    try:
        run = entitlements_compute(user=request.user, year=year)
    except CatalogueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Computed %(n)s entitlements of %(year)s.") % {"n": run.entitlements, "year": year})
        for code, why in run.skipped.items():
            messages.warning(request, f"{code}：{why}")
    return HttpResponseRedirect(reverse("benefits:gap_list") + f"?year={year}")
