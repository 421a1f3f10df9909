"""The window (一窗受理): find a household as the household records do, see what it is entitled to and what it
received, take an application for any benefit of the catalogue.

The search is the registry's (户编号, name, full ID number — logged and limited — or the four characters a
masked number shows); ID numbers are shown masked. A department clerk may open the household page of its own
department's applicants, read-only; any other household is "not found".
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.accounts.services import IdNumberSearchRefused
from jingzhun.core.params import query_choice, query_int
from jingzhun.registry import services as registry_services
from jingzhun.registry.models import Household

from . import application_selectors as selectors
from .application_forms import ApplicationForm, WindowSearchForm
from .application_services import ApplicationRefused, application_submit
from .catalogue import Benefit
from .selectors import benefit_year_default, catalogue_in_force

take_applications = capability_required(Capability.TAKE_APPLICATIONS)


def window_or_department(request: HttpRequest) -> None:
    """Refuse (403) a user who neither takes applications (a window) nor decides them (a department)."""
    if not (
        user_can(request.user, Capability.TAKE_APPLICATIONS) or user_can(request.user, Capability.DECIDE_APPLICATIONS)
    ):
        raise PermissionDenied


@require_GET
@take_applications
def window(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = WindowSearchForm(request.GET)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    refused = ""
    try:
        registry_services.id_number_search_check(user=user, text=text, target=request.path)
    except IdNumberSearchRefused as refusal:
        refused = str(refusal)
    households = selectors.window_households(user=user, text=text) if not refused else Household.objects.none()
    rows = list(households[: selectors.SEARCH_ROWS + 1])
    context = {
        "form": form,
        "q": text,
        "rows": rows[: selectors.SEARCH_ROWS],
        "more": len(rows) > selectors.SEARCH_ROWS,
        "refused": refused,
    }
    return render(request, "benefits/window.html", context, status=429 if refused else 200)


def _benefit_chosen(request: HttpRequest) -> Benefit | None:
    catalogue = catalogue_in_force()
    params = request.POST if request.method == "POST" else request.GET
    code = query_choice(params, "benefit", list(catalogue.benefits))
    return catalogue.get(code) if code else None


@require_http_methods(["GET", "POST"])
@login_required
def window_household(request: HttpRequest, household_no: str) -> HttpResponse:
    window_or_department(request)
    user: Any = request.user
    try:
        household = selectors.window_household_get(user=user, household_no=household_no)
    except Household.DoesNotExist:
        raise Http404 from None
    may_take = user_can(user, Capability.TAKE_APPLICATIONS)
    if request.method == "POST" and not may_take:
        raise PermissionDenied
    year = query_int(request.GET, "year", low=2013, high=2100) or benefit_year_default()
    context = selectors.household_window(user=user, household=household, year=year)
    benefit = _benefit_chosen(request) if may_take else None
    form = None
    error = ""
    if benefit is not None:
        form = _application_form(request, household, benefit, context["active_members"], year)
        if request.method == "POST" and form.is_valid():
            values = form.cleaned_data
            member_id = values.get("member")
            member = household.members.filter(pk=member_id).first() if member_id is not None else None
            try:
                application = application_submit(
                    user=user,
                    household=household,
                    benefit_code=benefit.code,
                    member=member,
                    year=values["year"],
                    amount=values["amount"],
                    documents=values.get("documents", []),
                    note=values["note"],
                    submitted_on=values["submitted_on"],
                )
            except ApplicationRefused as refused:
                error = str(refused)
            else:
                messages.success(
                    request,
                    _("Application No. %(no)s taken; it goes to %(department)s.")
                    % {
                        "no": application.pk,
                        "department": catalogue_in_force().department_name(application.department),
                    },
                )
                return redirect("benefits:application_detail", application_id=application.pk)
    elif request.method == "POST":
        error = _("Choose a benefit of the catalogue.")
    catalogue = catalogue_in_force()
    context |= {
        "may_take": may_take,
        "benefits": [(b, catalogue.department_name(b.department)) for b in catalogue.benefits.values()],
        "benefit": benefit,
        "benefit_department": catalogue.department_name(benefit.department) if benefit else "",
        "form": form,
        "error": error,
        "chosen_member": query_int(request.GET, "member", low=1),
        "years": list(range(benefit_year_default() + 1, 2012, -1)),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "benefits/window_household.html", context, status=status)


def _application_form(
    request: HttpRequest, household: Household, benefit: Benefit, members: list[Any], year: int
) -> ApplicationForm:
    if request.method == "POST":
        return ApplicationForm(request.POST, benefit=benefit, members=members)
    member_id = query_int(request.GET, "member", low=1)
    member = next((m for m in members if m.pk == member_id), None) if benefit.per_member else None
    amount = selectors.entitled_amount(household=household, benefit_code=benefit.code, member=member, year=year)
    if amount is None:
        amount = benefit.amount.for_year(year) if benefit.amount.kind == "fixed" else None
    initial = {"year": year, "amount": amount, "member": member.pk if member is not None else None}
    return ApplicationForm(initial=initial, benefit=benefit, members=members)
