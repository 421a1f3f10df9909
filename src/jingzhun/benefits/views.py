"""The overview of the benefits center and the catalogue page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.permissions import Capability

from . import gap_selectors, selectors

view_benefits = capability_required(Capability.VIEW_BENEFITS)


@require_GET
@view_benefits
def index(request: HttpRequest) -> HttpResponse:
    overview = selectors.overview_for_user(user=request.user)
    return render(
        request, "benefits/index.html", {**overview, "gap_counts": gap_selectors.gap_counts_for_user(user=request.user)}
    )


@require_GET
@view_benefits
def catalogue(request: HttpRequest) -> HttpResponse:
    return render(request, "benefits/catalogue.html", selectors.catalogue_page())
