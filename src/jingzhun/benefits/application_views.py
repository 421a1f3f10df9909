"""The applications queue and one application's page: its facts, its history and the next steps this user may
take (批准 / 不予批准 and 发放 for the department's clerk, 撤回 for the window)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.params import query_choice, query_int

from . import application_selectors as selectors
from .application_forms import STEP_FORMS, StepForm
from .application_services import (
    STAGE_TEXT,
    ApplicationRefused,
    application_decide,
    application_pay,
    application_withdraw,
    next_actions,
)
from .models import Application, ApplicationStage
from .selectors import benefit_year_default, catalogue_in_force
from .window_views import window_or_department


@require_GET
@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    window_or_department(request)
    user: Any = request.user
    catalogue = catalogue_in_force()
    window = user_can(user, Capability.TAKE_APPLICATIONS)
    benefits = (
        list(catalogue.benefits.values()) if window else catalogue.for_department(getattr(user, "department", ""))
    )
    stage = query_choice(request.GET, "stage", ["", *ApplicationStage.values])
    benefit = query_choice(request.GET, "benefit", ["", *(b.code for b in benefits)])
    year = query_int(request.GET, "year", low=2013, high=2100)
    mine = window and request.GET.get("mine") == "1"
    queryset = selectors.application_queue(user=user, stage=stage, benefit=benefit, year=year, mine=mine)
    applications = list(queryset[: selectors.QUEUE_ROWS + 1])
    context = {
        "rows": selectors.queue_rows(applications[: selectors.QUEUE_ROWS]),
        "more": len(applications) > selectors.QUEUE_ROWS,
        "stages": [(value, STAGE_TEXT[value]) for value in ApplicationStage.values],
        "benefits": benefits,
        "stage": stage,
        "benefit": benefit,
        "year": year,
        "years": list(range(benefit_year_default() + 1, 2012, -1)),
        "mine": mine,
        "window": window,
        "department": catalogue.department_name(getattr(user, "department", "")) if not window else "",
    }
    return render(request, "benefits/application_list.html", context)


def _application(request: HttpRequest, application_id: int) -> Application:
    window_or_department(request)
    try:
        return selectors.application_get_for_user(user=request.user, application_id=application_id)
    except Application.DoesNotExist:
        raise Http404 from None


def _step_form(action: str, application: Application, data: Any = None) -> StepForm:
    initial: dict[str, Any] = {"version": application.version}
    if action == "pay":
        initial["amount"] = application.amount
    return STEP_FORMS[action](data, initial=initial, prefix=action)


def _take_step(user: Any, action: str, application: Application, values: dict[str, Any]) -> Application:
    common = {"user": user, "application_id": application.pk, "expected_version": values["version"]}
    if action == "decide":
        return application_decide(
            **common,
            approve=values["decision"] == "approve",
            decided_on=values["decided_on"],
            reason=values["reason"],
            note=values["note"],
        )
    if action == "pay":
        return application_pay(**common, paid_on=values["paid_on"], amount=values["amount"], note=values["note"])
    return application_withdraw(**common, withdrawn_on=values["withdrawn_on"], note=values["note"])


DONE = {
    "decide": gettext_lazy("Decision recorded."),
    "pay": gettext_lazy("Payment recorded; it is added to the household's income of its year."),
    "withdraw": gettext_lazy("Application withdrawn."),
}


@require_http_methods(["GET", "POST"])
@login_required
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    user: Any = request.user
    application = _application(request, application_id)
    actions = next_actions(user=user, application=application)
    forms = {action: _step_form(action, application) for action in actions}
    error = ""
    if request.method == "POST":
        action = query_choice(request.POST, "action", list(STEP_FORMS))
        if action not in actions:
            raise PermissionDenied
        form = forms[action] = _step_form(action, application, request.POST)
        if form.is_valid():
            try:
                _take_step(user, action, application, form.cleaned_data)
            except ApplicationRefused as refused:
                error = str(refused)
            else:
                messages.success(request, DONE[action])
                return redirect("benefits:application_detail", application_id=application.pk)
    catalogue = catalogue_in_force()
    context = {
        "application": application,
        "stage_text": STAGE_TEXT[application.stage],
        "department": catalogue.department_name(application.department),
        "steps": selectors.application_history(application=application),
        "forms": forms,
        "error": error,
        "window": user_can(user, Capability.TAKE_APPLICATIONS),
    }
    return render(request, "benefits/application_detail.html", context, status=400 if request.method == "POST" else 200)
