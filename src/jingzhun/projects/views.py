"""The project library pages: the list, a project with its lifecycle, beneficiaries and the summaries of its
funds, dividends, archive and evaluations (each part has its own pages, linked from here), and the assets with
their four rights and income.

Every read goes through the scoped selectors (a project of another area is "not found"); what a user may do is
decided by the services, whose refusals — in Chinese — are shown on the page as they are.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.areas.models import Level
from jingzhun.areas.selectors import areas_in_scope, towns_in_scope, villages_in_scope
from jingzhun.core.paging import keyset_page_tied, query_without_paging
from jingzhun.core.params import query_choice, query_page_key
from jingzhun.core.scope import scope_prefix
from jingzhun.registry.models import Household
from jingzhun.registry.selectors import household_get_for_user

from . import archive_selectors, dividend_selectors, evaluation_selectors, fund_selectors, selectors, services
from .forms import AssetForm, AssetIncomeForm, BeneficiaryForm, ProjectFilterForm, ProjectForm, StepForm
from .models import STAGE_DATE_FIELD, STAGE_ORDER, Asset, AssetKind, AssetState, Project, Stage
from .services import LIFECYCLE, ProjectRefused

PAGE_SIZE = 50
view_projects = capability_required(Capability.VIEW_PROJECTS)
manage_projects = capability_required(Capability.MANAGE_PROJECTS)
STAGE_TEXT = dict(Stage.choices)


def _project(request: HttpRequest, code: str) -> Project:
    return selectors.project_get_for_user(user=request.user, code=code)


def _area_choices(user: Any) -> list[tuple[str, str]]:
    return areas_in_scope(prefix=scope_prefix(user), levels=(Level.COUNTY, Level.TOWN, Level.VILLAGE))


# --- the list ---------------------------------------------------------------------------------------------------


@require_GET
@view_projects
def project_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    prefix = scope_prefix(user)
    form = ProjectFilterForm(
        request.GET,
        years=selectors.project_years_for_user(user=user),
        towns=towns_in_scope(prefix=prefix),
        villages=villages_in_scope(prefix=prefix),
    )
    values = form.values()
    projects = selectors.project_search_for_user(
        user=user,
        year=values["year"],
        stage=values["stage"],
        kind=values["kind"],
        level=values["level"],
        town=values["town"],
        village=values["village"],
        text=values["q"],
    )
    page = keyset_page_tied(projects, order="code", after=values["after"], before=values["before"], size=PAGE_SIZE)
    counts = selectors.project_counts_for_user(user=user, year=values["year"])
    stages = [
        (stage, STAGE_TEXT[stage], counts["by_stage"].get(stage, 0)) for stage in (*STAGE_ORDER, Stage.TERMINATED)
    ]
    context = {
        "form": form,
        "page": page,
        "query": query_without_paging(request),
        "counts": counts,
        "stages": stages,
        "may_manage": user_can(user, Capability.MANAGE_PROJECTS),
        # The workbook takes the list's filters that it knows.
        "export_query": urlencode({k: values[k] for k in ("year", "stage", "kind", "level") if values[k]}),
    }
    return render(request, "projects/project_list.html", context)


# --- one project ------------------------------------------------------------------------------------------------


def _step_forms(project: Project, user: Any, today: dt.date) -> list[dict[str, Any]]:
    if not (user_can(user, Capability.MANAGE_PROJECTS) and selectors.project_editable_by(user=user, project=project)):
        return []
    items: list[dict[str, Any]] = []
    for rule in LIFECYCLE.next_steps(project.stage):
        if LIFECYCLE.role_problem(rule, getattr(user, "role", "")):
            items.append({"rule": rule, "form": None})
            continue
        form = StepForm(initial={"action": rule.action, "version": project.version, "on": today}, prefix=rule.action)
        if rule.to != Stage.OPERATING:
            del form.fields["operator"]
        else:
            form.fields["operator"].initial = project.operator
        items.append({"rule": rule, "form": form})
    return items


def _history(project: Project) -> list[dict[str, Any]]:
    labels = {rule.action: rule.label for rule in LIFECYCLE.steps.values()}
    labels |= {"declare": _("Declared"), "edit": _("Facts changed"), "import": _("Imported")}
    rows = []
    for step in selectors.project_history(project=project):
        changed = (step.data or {}).get("changed", {})
        rows.append(
            {
                "step": step,
                "label": labels.get(step.action, step.action),
                "stage": STAGE_TEXT.get(step.to_stage, step.to_stage),
                "changed": [(name, old, new) for name, (old, new) in changed.items()],
            }
        )
    return rows


def _detail_context(request: HttpRequest, project: Project) -> dict[str, Any]:
    user = request.user
    editable = selectors.project_editable_by(user=user, project=project)
    stage_dates = [(STAGE_TEXT[stage], getattr(project, field)) for stage, field in STAGE_DATE_FIELD.items()]
    return {
        "project": project,
        "stage_dates": stage_dates,
        "steps": _step_forms(project, user, timezone.localdate()),
        "history": _history(project),
        "beneficiaries": selectors.beneficiary_counts(project=project),
        "assets": selectors.project_assets(project=project),
        "funds": fund_selectors.project_fund_summary(project=project),
        "archive": archive_selectors.project_archive_summary(project=project),
        "evaluation": evaluation_selectors.project_evaluation_latest(project=project),
        "distributions": dividend_selectors.project_distributions(project=project)[:3],
        "may_manage": editable and user_can(user, Capability.MANAGE_PROJECTS),
        "error": "",
    }


@require_http_methods(["GET", "POST"])
@view_projects
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    project = _project(request, code)
    if request.method == "GET":
        return render(request, "projects/project_detail.html", _detail_context(request, project))
    # Each next step's form carries its action under its own prefix ("start-action", …).
    action = next((a for a in LIFECYCLE.steps if f"{a}-action" in request.POST), "")
    form = StepForm(request.POST, prefix=action or None)
    if not form.is_valid():
        context = _detail_context(request, project)
        context["error"] = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return render(request, "projects/project_detail.html", context, status=400)
    values = form.cleaned_data
    try:
        services.project_step(
            project=project,
            action=values["action"],
            on=values["on"],
            user=request.user,
            version=values["version"],
            note=values["note"],
            operator=values.get("operator") or "",
        )
    except (ProjectRefused, PermissionDenied) as refused:
        context = _detail_context(request, project)
        context["error"] = str(refused)
        return render(request, "projects/project_detail.html", context, status=400)
    messages.success(request, _("Project stage recorded."))
    return redirect("projects:project_detail", code=project.code)


@require_http_methods(["GET", "POST"])
@manage_projects
def project_new(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(
        request.POST or None,
        areas=_area_choices(request.user),
        initial={"on": timezone.localdate(), "year": timezone.localdate().year},
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(
                code=form.cleaned_data["code"],
                values=form.project_input(),
                user=request.user,
                on=form.cleaned_data["on"],
            )
        except (ProjectRefused, PermissionDenied) as refused:
            error = str(refused)
        else:
            messages.success(request, _("Project declared."))
            return redirect("projects:project_detail", code=project.code)
    elif request.method == "POST":
        error = _("Please correct the fields marked below.")
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/project_form.html", {"form": form, "error": error, "project": None}, status=status)


@require_http_methods(["GET", "POST"])
@manage_projects
def project_edit(request: HttpRequest, code: str) -> HttpResponse:
    project = _project(request, code)
    if not selectors.project_editable_by(user=request.user, project=project):
        raise PermissionDenied(_("This project is kept by the office above your area."))
    initial = {
        "code": project.code,
        "name": project.name,
        "kind": project.kind,
        "level": project.level,
        "area_code": project.area_id,
        "year": project.year,
        "planned_investment": project.planned_investment,
        "responsible_unit": project.responsible_unit,
        "operator": project.operator,
        "description": project.description,
        "on": timezone.localdate(),
        "version": project.version,
    }
    form = ProjectForm(request.POST or None, areas=_area_choices(request.user), editing=True, initial=initial)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(
                project=project,
                values=form.project_input(),
                user=request.user,
                version=form.cleaned_data["version"],
                on=form.cleaned_data["on"],
            )
        except (ProjectRefused, PermissionDenied) as refused:
            error = str(refused)
        else:
            messages.success(request, _("Project facts saved."))
            return redirect("projects:project_detail", code=project.code)
    elif request.method == "POST":
        error = _("Please correct the fields marked below.")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "error": error, "project": project}
    return render(request, "projects/project_form.html", context, status=status)


# --- beneficiaries ------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@view_projects
def project_beneficiaries(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    project = _project(request, code)
    may_manage = user_can(user, Capability.MANAGE_PROJECTS) and selectors.project_editable_by(
        user=user, project=project
    )
    form = BeneficiaryForm(request.POST if request.method == "POST" and "household_no" in request.POST else None)
    error = ""
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied(_("This project is kept by the office above your area."))
        try:
            if "remove" in request.POST:
                household = _household(request, request.POST.get("remove", ""))
                services.beneficiary_remove(project=project, household=household, user=user)
                messages.success(request, _("Household removed from the beneficiaries."))
                return redirect("projects:project_beneficiaries", code=project.code)
            if form.is_valid():
                values = form.cleaned_data
                household = _household(request, values["household_no"])
                services.beneficiary_set(
                    project=project,
                    household=household,
                    ways=set(values["ways"]),
                    refused_post=values["refused_post"],
                    refusal_reason=values["refusal_reason"],
                    user=user,
                )
                messages.success(request, _("Beneficiary household saved."))
                return redirect("projects:project_beneficiaries", code=project.code)
            error = _("Please correct the fields marked below.")
        except (ProjectRefused, PermissionDenied) as refused:
            error = str(refused)
        except Http404:
            error = _("No household with this number in your area.")
    page = keyset_page_tied(
        selectors.beneficiaries_for_user(user=user, project=project),
        order="household__household_no",
        after=query_page_key(request.GET, "after"),
        before=query_page_key(request.GET, "before"),
        size=PAGE_SIZE,
    )
    heads = selectors.household_heads(household_ids=[row.household_id for row in page.rows])
    for row in page.rows:
        row.head = heads.get(row.household_id, "")  # type: ignore[attr-defined]
    context = {
        "project": project,
        "page": page,
        "query": query_without_paging(request),
        "counts": selectors.beneficiary_counts(project=project),
        "form": form if may_manage else None,
        "error": error,
    }
    return render(request, "projects/beneficiaries.html", context, status=400 if error else 200)


def _household(request: HttpRequest, household_no: str) -> Household:
    try:
        return household_get_for_user(user=request.user, household_no=household_no.strip())
    except Household.DoesNotExist:
        raise Http404 from None


# --- assets -----------------------------------------------------------------------------------------------------


@require_GET
@view_projects
def asset_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    kind = query_choice(request.GET, "kind", AssetKind.values)
    state = query_choice(request.GET, "state", AssetState.values)
    assets = list(selectors.asset_search_for_user(user=user, kind=kind, state=state)[:500])
    context = {
        "assets": assets,
        "kinds": AssetKind.choices,
        "states": AssetState.choices,
        "kind": kind,
        "state": state,
        "total_value": sum((a.value for a in assets), start=Decimal(0)),
        "total_income": sum((getattr(a, "income_total", None) or Decimal(0) for a in assets), start=Decimal(0)),
    }
    return render(request, "projects/asset_list.html", context)


def _asset_context(request: HttpRequest, asset: Asset, income_form: AssetIncomeForm | None = None) -> dict[str, Any]:
    user = request.user
    may_manage = user_can(user, Capability.MANAGE_PROJECTS) and selectors.project_editable_by(
        user=user, project=asset.project
    )
    return {
        "asset": asset,
        "incomes": selectors.asset_incomes(asset=asset),
        "by_year": selectors.asset_income_by_year(asset=asset),
        "income_form": (income_form or AssetIncomeForm(initial={"received_on": timezone.localdate()}))
        if may_manage
        else None,
        "may_manage": may_manage,
        "error": "",
    }


@require_http_methods(["GET", "POST"])
@view_projects
def asset_detail(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = selectors.asset_get_for_user(user=request.user, asset_id=asset_id)
    if request.method == "GET":
        return render(request, "projects/asset_detail.html", _asset_context(request, asset))
    form = AssetIncomeForm(request.POST)
    context = _asset_context(request, asset, form)
    if not context["may_manage"]:
        raise PermissionDenied(_("This project is kept by the office above your area."))
    if not form.is_valid():
        context["error"] = _("Please correct the fields marked below.")
        return render(request, "projects/asset_detail.html", context, status=400)
    try:
        services.asset_income_record(asset=asset, user=request.user, **form.cleaned_data)
    except (ProjectRefused, PermissionDenied) as refused:
        context["error"] = str(refused)
        return render(request, "projects/asset_detail.html", context, status=400)
    messages.success(request, _("Asset income recorded."))
    return redirect("projects:asset_detail", asset_id=asset.pk)


@require_http_methods(["GET", "POST"])
@manage_projects
def asset_form(request: HttpRequest, code: str = "", asset_id: int | None = None) -> HttpResponse:
    """A new asset of a project (``code``), or an asset's rights changed (``asset_id``)."""
    asset = selectors.asset_get_for_user(user=request.user, asset_id=asset_id) if asset_id else None
    project = asset.project if asset else _project(request, code)
    initial: dict[str, Any] = {"formed_on": project.completed_on or timezone.localdate(), "owner": ""}
    if asset:
        initial = {name: getattr(asset, name) for name in AssetForm.base_fields if name != "version"}
        initial["version"] = asset.version
    form = AssetForm(request.POST or None, initial=initial)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            if asset:
                services.asset_update(
                    asset=asset, values=form.asset_input(), user=request.user, version=form.cleaned_data["version"]
                )
                saved = asset
            else:
                saved = services.asset_create(project=project, values=form.asset_input(), user=request.user)
        except (ProjectRefused, PermissionDenied) as refused:
            error = str(refused)
        else:
            messages.success(request, _("Asset saved."))
            return redirect("projects:asset_detail", asset_id=saved.pk)
    elif request.method == "POST":
        error = _("Please correct the fields marked below.")
    context = {"form": form, "error": error, "project": project, "asset": asset}
    return render(request, "projects/asset_form.html", context, status=400 if error else 200)
