"""The adjustment pages (动态调整): the case list, an application from a household, a case with its history and
next step, attachments, and the year's changes next to the transition table (托底清零).

Every read goes through the scoped selectors (another area's case is "not found"); what a user may *do* is
decided by the services, whose refusals — in Chinese — are shown on the page as they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Field
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.downloads import stored_file_download
from jingzhun.accounts.permissions import Capability
from jingzhun.areas.selectors import villages_in_scope
from jingzhun.core import idnumber
from jingzhun.core.paging import keyset_page_tied, query_without_paging
from jingzhun.core.params import query_choice, query_int
from jingzhun.core.scope import scope_prefix
from jingzhun.policy import selectors as policy
from jingzhun.registry.models import Household, Member
from jingzhun.registry.selectors import household_get_for_user
from jingzhun.registry.vocab import LEDGER_WORD, PovertyStatus

from . import selectors, services
from .forms import ApplicationForm, CaseFilterForm, StepForm
from .models import MEMBER_KINDS, STATUS_KINDS, AdjustmentAttachment, AdjustmentCase, Kind, Stage
from .services import (
    ATTACHMENT_TEXT,
    ATTACHMENT_TYPES,
    KIND_TEXT,
    STAGE_TEXT,
    AdjustmentRefused,
    AdjustmentStale,
    Application,
    StepInput,
)

PAGE_SIZE = 50
STATUS_WORD = LEDGER_WORD[PovertyStatus]
# Roles that apply for a change (the services check again).
APPLICANTS = ("village", "town", "county")

view_people = capability_required(Capability.VIEW_PEOPLE)


def _decorate(case: AdjustmentCase, today: dt.date) -> AdjustmentCase:
    case.kind_text = KIND_TEXT.get(case.kind, case.kind)  # type: ignore[attr-defined]
    case.stage_text = STAGE_TEXT.get(case.stage, case.stage)  # type: ignore[attr-defined]
    case.overdue = case.is_open and case.decision_due is not None and case.decision_due < today  # type: ignore[attr-defined]
    case.from_text = STATUS_WORD.get(case.from_status, "")  # type: ignore[attr-defined]
    case.to_text = STATUS_WORD.get(case.to_status, "")  # type: ignore[attr-defined]
    case.member_masked = idnumber.mask(case.member_id_number) if case.member_id_number else ""  # type: ignore[attr-defined]
    return case


# --- the list -------------------------------------------------------------------------------------------------


@require_GET
@view_people
def case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    form = CaseFilterForm(request.GET, villages=villages_in_scope(prefix=scope_prefix(user)))
    values = form.values()
    cases = selectors.case_search_for_user(
        user=user,
        kind=values["kind"],
        stage=values["stage"],
        village=values["village"],
        state=values["state"],
        overdue=values["overdue"],
        text=values["q"],
        today=today,
    )
    page = keyset_page_tied(
        cases, order="household__household_no", after=values["after"], before=values["before"], size=PAGE_SIZE
    )
    for case in page.rows:
        _decorate(case, today)
    context = {
        "form": form,
        "page": page,
        "query": query_without_paging(request),
        "counts": selectors.open_counts_for_user(user=user, today=today),
        "may_import": getattr(user, "role", "") == "county",
    }
    return render(request, "adjustments/case_list.html", context)


# --- applying -------------------------------------------------------------------------------------------------


def _household(request: HttpRequest, household_no: str) -> Household:
    try:
        return household_get_for_user(user=request.user, household_no=household_no)
    except Household.DoesNotExist:
        raise Http404 from None


def _kinds_for(household: Household) -> list[str]:
    """The changes a household may be proposed for today: the status changes its status allows, and member
    changes."""
    kinds = [kind for kind in STATUS_KINDS if not services.status_problem(kind, household.poverty_status)]
    return [*kinds, *MEMBER_KINDS]


@require_http_methods(["GET", "POST"])
@capability_required(Capability.EDIT_PEOPLE)
def case_new(request: HttpRequest, household_no: str) -> HttpResponse:
    user = request.user
    household = _household(request, household_no)
    members = list(household.members.filter(status="active").order_by("id"))
    choices = [(str(m.pk), f"{m.name}（{m.get_relation_display()}）") for m in members]
    form = ApplicationForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        members=choices,
        kinds=_kinds_for(household),
    )
    context: dict[str, Any] = {
        "household": household,
        "head": next((m.name for m in members if m.relation == "head"), ""),
        "status_text": STATUS_WORD.get(household.poverty_status, ""),
        "form": form,
        "may_apply": getattr(user, "role", "") in APPLICANTS,
        "cases": [_decorate(c, timezone.localdate()) for c in selectors.cases_of_household(household=household)[:20]],
        "error": "",
    }
    if request.method == "GET":
        return render(request, "adjustments/case_new.html", context)
    if not context["may_apply"]:
        context["error"] = _("Your role cannot apply for a registry adjustment.")
        return render(request, "adjustments/case_new.html", context, status=403)
    if not form.is_valid():
        context["error"] = _("Please correct the fields marked below.")
        return render(request, "adjustments/case_new.html", context, status=400)
    values = form.cleaned_data
    member = next((m for m in members if str(m.pk) == values["member"]), None)
    upload = values.get("file")
    application = Application(
        kind=values["kind"],
        applied_on=values["applied_on"],
        reason=values["reason"],
        member_id_number=member.id_number if member else "",
        member_values=form.member_values(),
        member_status=values["member_status"],
        note=values["note"],
        attachments=[(AdjustmentAttachment.Kind.APPLICATION, upload)] if upload else [],
    )
    try:
        case = services.adjustment_open(household=household, user=user, application=application)
    except (AdjustmentRefused, PermissionDenied) as refused:
        context["error"] = str(refused)
        return render(request, "adjustments/case_new.html", context, status=400)
    messages.success(request, _("Adjustment application recorded."))
    return redirect("adjustments:case_detail", adjustment_id=case.pk)


# --- one case -------------------------------------------------------------------------------------------------


def _step_label(case: AdjustmentCase, action: str) -> str:
    rule = services.workflow_of(case.kind).rule(action)
    if rule:
        return rule.label
    return {"open": _("Application recorded"), "decision_import": _("Decision imported")}.get(action, action)


def _history(case: AdjustmentCase) -> list[dict[str, Any]]:
    rows = selectors.case_history(case=case)
    for row in rows:
        step = row["step"]
        data = step.data or {}
        row["label"] = _step_label(case, step.action)
        row["role"] = services.ROLE_TEXT.get(step.role, step.role)
        row["stage"] = STAGE_TEXT.get(step.to_stage, step.to_stage)
        items: list[tuple[str, str]] = []
        if "passed" in data:
            items.append((_("Result"), _("Passed") if data["passed"] else _("Not passed")))
        for key, label in (
            ("reason", _("Reason")),
            ("decision_no", _("Decision document number")),
            ("assessment", _("Latest assessment")),
            ("override_reason", _("Override reason")),
        ):
            if data.get(key):
                items.append((label, str(data[key])))
        row["data"] = items
        for attachment in row["attachments"]:
            attachment.kind_text = ATTACHMENT_TEXT.get(attachment.kind, attachment.kind)
    return rows


def _step_form(rule: Any, case: AdjustmentCase, data: Any = None, files: Any = None) -> StepForm:
    return StepForm(data, files, rule=rule, version=case.version, kind=case.kind)


def _member_facts(case: AdjustmentCase) -> list[tuple[str, str]]:
    """What a member change is about, for the page: the fields in words (the number masked, as everywhere)."""
    facts: list[tuple[str, str]] = []
    if case.member_id_number:
        facts.append((_("ID number"), idnumber.mask(case.member_id_number)))
    if case.member_id and case.member:
        facts.append((_("Member concerned"), case.member.name))
    for name, value in (case.member_values or {}).items():
        if name == "id_number":
            if case.kind == Kind.MEMBER_CORRECT:
                facts.append((_("Corrected ID number"), idnumber.mask(str(value))))
            continue
        try:
            field = Member._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not isinstance(field, Field):
            continue
        if isinstance(value, bool):
            shown = _("yes") if value else _("no")
        else:
            shown = str(dict(field.choices or ()).get(value, value))
        facts.append((str(field.verbose_name), shown))
    return facts


def _detail_context(
    request: HttpRequest, case: AdjustmentCase, *, bound: StepForm | None = None, error: str = ""
) -> dict[str, Any]:
    today = timezone.localdate()
    role = getattr(request.user, "role", "")
    _decorate(case, today)
    workflow = services.workflow_of(case.kind)
    steps = []
    for rule in workflow.next_steps(case.stage):
        form = None
        if role in rule.roles:
            form = bound if bound is not None and bound.rule.action == rule.action else _step_form(rule, case)
        steps.append(
            {
                "rule": rule,
                "form": form,
                "waiting": workflow.roles_text(rule.roles),
                "attachment": ATTACHMENT_TEXT.get(rule.attachment, "") if rule.attachment else "",
                "exit_problem": services.exit_standard_problem(household=case.household)
                if rule.action == "county_decide" and case.kind == "exit"
                else "",
            }
        )
    household = case.household
    return {
        "case": case,
        "household": household,
        "head": household.members.filter(relation="head").values_list("name", flat=True).first(),
        "member_facts": _member_facts(case),
        "history": _history(case),
        "steps": steps,
        "error": error,
    }


@require_http_methods(["GET", "POST"])
@view_people
def case_detail(request: HttpRequest, adjustment_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=adjustment_id)
    if request.method == "GET":
        return render(request, "adjustments/case_detail.html", _detail_context(request, case))
    rule = services.workflow_of(case.kind).rule(request.POST.get("action", ""))
    if rule is None:
        stage = STAGE_TEXT.get(case.stage, case.stage)
        error = _("This step cannot be taken now (the case is at: %(stage)s). Reload the page.") % {"stage": stage}
        return render(request, "adjustments/case_detail.html", _detail_context(request, case, error=error), status=400)
    form = _step_form(rule, case, request.POST, request.FILES)
    if not form.is_valid():
        context = _detail_context(request, case, bound=form, error=_("Please correct the fields marked below."))
        return render(request, "adjustments/case_detail.html", context, status=400)
    values = form.cleaned_data
    upload = values.get("file")
    kind = rule.attachment or (AdjustmentAttachment.Kind.DECISION if rule.action == "county_decide" else "")
    step = StepInput(
        on=values["on"],
        note=values.get("note", ""),
        passed=values.get("passed", True),
        reason=values.get("reason", ""),
        decision_no=values.get("decision_no", ""),
        override_reason=values.get("override_reason", ""),
        attachments=[(kind, upload)] if kind and upload else [],
    )
    try:
        services.adjustment_step(
            case_id=case.pk, action=rule.action, user=request.user, expected_version=values["version"], step=step
        )
    except AdjustmentStale as refused:
        fresh = selectors.case_get_for_user(user=request.user, case_id=adjustment_id)
        return render(
            request, "adjustments/case_detail.html", _detail_context(request, fresh, error=str(refused)), status=409
        )
    except AdjustmentRefused as refused:
        context = _detail_context(request, case, bound=form, error=str(refused))
        return render(request, "adjustments/case_detail.html", context, status=400)
    except PermissionDenied as refused:
        context = _detail_context(request, case, bound=form, error=str(refused))
        return render(request, "adjustments/case_detail.html", context, status=403)
    messages.success(request, _("%(step)s recorded.") % {"step": rule.label})
    return redirect("adjustments:case_detail", adjustment_id=case.pk)


@require_GET
@view_people
def attachment_download(request: HttpRequest, adjustment_attachment_id: int) -> FileResponse:
    attachment = selectors.attachment_get_for_user(user=request.user, attachment_id=adjustment_attachment_id)
    return stored_file_download(
        user=request.user,
        file=attachment.file,
        name=attachment.original_name,
        allowed=ATTACHMENT_TYPES,
        target=f"adjustment-attachment:{attachment.pk}",
        detail={"case": attachment.case_id, "name": attachment.original_name},
    )


# --- 托底清零: the year's changes and the transition table ---------------------------------------------------------


@require_GET
@view_people
def year_changes(request: HttpRequest) -> HttpResponse:
    user = request.user
    this_year = timezone.localdate().year
    year = query_int(request.GET, "year", low=2013, high=this_year) or this_year
    by = query_choice(request.GET, "by", ("town", "village"), default="town")
    changes = selectors.year_changes_for_user(user=user, year=year, by=by)
    prefix = scope_prefix(user) or ""
    runs = list(policy.runs_for_user(user=user).order_by("-id")[:50])
    from_run = _run(runs, query_int(request.GET, "from_run")) or next((r for r in runs if r.year < year), None)
    to_run = _run(runs, query_int(request.GET, "to_run"))
    counts = None
    if from_run is not None:
        counts = policy.transition_counts_cached(from_run=from_run, to_run=to_run, area_prefix=prefix)
    context = {
        "year": year,
        "years": list(range(this_year, 2013, -1)),
        "by": by,
        "changes": changes,
        "kind_text": KIND_TEXT,
        "runs": runs,
        "from_run": from_run,
        "to_run": to_run,
        "table": policy.transition_matrix(counts=counts) if counts is not None else None,
        "decided": (Stage.DECIDED, Stage.ANNOUNCED),
    }
    return render(request, "adjustments/year_changes.html", context)


def _run(runs: list[Any], run_id: int | None) -> Any:
    return next((r for r in runs if r.pk == run_id), None) if run_id else None
