"""The monitoring pages (docs/RULES.md §6): the case list and ledgers, a case with its history and next step, opening
a case, attachments and ledger downloads.

Every read goes through the scoped selectors (another area's case is "not found"); what a user may *do* to a
case is decided by the services, whose refusals — in Chinese — are shown on the page as they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.downloads import stored_file_download
from jingzhun.accounts.export_pages import ExportPages
from jingzhun.accounts.permissions import Capability
from jingzhun.areas.selectors import towns_in_scope, villages_in_scope
from jingzhun.core.pages import htmx_fragment
from jingzhun.core.paging import keyset_page_rows, query_without_paging
from jingzhun.core.params import query_choice, query_page_key, query_text
from jingzhun.core.scope import scope_prefix
from jingzhun.registry.models import Household
from jingzhun.registry.selectors import household_get_for_user

from . import export_jobs, selectors, services
from .forms import CaseFilterForm, CaseOpenForm, StepForm, TierForm
from .models import CATEGORY_TEXT, IDENTIFYING, Attachment, MonitoringCase, RiskType
from .services import (
    ATTACHMENT_TEXT,
    ATTACHMENT_TYPES,
    CHANNEL_TEXT,
    ROLE_TEXT,
    STAGE_TEXT,
    STEPS,
    CaseRefused,
    CaseStale,
    StepInput,
    StepRule,
)

PAGE_SIZE = 50
ELIMINATION_CHECKED = ("propose_elimination", "county_eliminate")

view_people = capability_required(Capability.VIEW_PEOPLE)


# --- what the pages show of a case ----------------------------------------------------------------------------


def _risk_labels(codes: list[str] | None) -> list[str]:
    return [RiskType(code).label for code in codes or [] if code in RiskType.values]


def _help_state(case: MonitoringCase, today: dt.date) -> dict[str, str]:
    """Where the case's instant help stands: a badge style and its text."""
    if not case.help_tier or case.help_due is None:
        return {}
    if case.help_started_on:
        if case.help_started_on > case.help_due:
            return {"style": "warn", "text": _("help given late")}
        return {"style": "good", "text": _("help given")}
    if case.help_due < today:
        return {"style": "bad", "text": _("overdue, no help yet")}
    return {"style": "muted", "text": _("awaiting help")}


def _decorate(case: MonitoringCase, today: dt.date) -> MonitoringCase:
    case.stage_text = STAGE_TEXT.get(case.stage, case.stage)  # type: ignore[attr-defined,call-overload]
    case.channel_text = CHANNEL_TEXT.get(case.channel, case.channel)  # type: ignore[attr-defined,call-overload]
    case.category_text = CATEGORY_TEXT.get(case.category, "")  # type: ignore[attr-defined,call-overload]
    case.risk_labels = _risk_labels(case.risk_types)  # type: ignore[attr-defined]
    case.help_state = _help_state(case, today)  # type: ignore[attr-defined]
    if not hasattr(case, "decision_overdue"):
        case.decision_overdue = case.stage in IDENTIFYING and case.decision_due < today  # type: ignore[attr-defined]
        case.help_overdue = case.help_state.get("style") == "bad"  # type: ignore[attr-defined]
    return case


def _paged(cases: QuerySet[MonitoringCase], values: dict[str, str]) -> Any:
    """A keyset page by village and household number (:data:`selectors.LIST_ORDER`); the case id breaks ties (a
    household's closed and open cases). Read from the cases' list index: a page costs the same anywhere."""
    return keyset_page_rows(
        cases, order=selectors.LIST_ORDER, after=values["after"], before=values["before"], size=PAGE_SIZE
    )


# --- the case list and the instant-help ledger ----------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
@view_people
def case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    prefix = scope_prefix(user)
    form = CaseFilterForm(request.GET, towns=towns_in_scope(prefix=prefix), villages=villages_in_scope(prefix=prefix))
    values = form.values()
    cases = selectors.case_search_for_user(
        user=user,
        stage=values["stage"],
        channel=values["channel"],
        category=values["category"],
        risk=values["risk"],
        tier=values["tier"],
        town=values["town"],
        village=values["village"],
        overdue=values["overdue"],
        state=values["state"],
        text=values["q"],
        today=today,
    )
    page = _paged(cases, values)
    for case in page.rows:
        _decorate(case, today)
    context = {
        "form": form,
        "page": page,
        "query": query_without_paging(request),
        "filtered": any(values[name] for name in CaseFilterForm.FILTERS) or values["state"] != "open",
        "summary": selectors.monitoring_summary_cached_for_user(user=user, today=today),
    }
    template = "monitoring/_case_results.html" if htmx_fragment(request) else "monitoring/case_list.html"
    return render(request, template, context)


@require_GET
@view_people
def instant_help(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    tier = query_choice(request.GET, "tier", ("A", "B", "C"))
    overdue = query_choice(request.GET, "overdue", ("help",))
    values = {"after": query_page_key(request.GET, "after"), "before": query_page_key(request.GET, "before")}
    cases = selectors.case_search_for_user(user=user, tier=tier, overdue=overdue, state="open", today=today).exclude(
        help_tier=""
    )
    page = _paged(cases, values)
    for case in page.rows:
        _decorate(case, today)
    context = {
        "page": page,
        "query": query_without_paging(request),
        "counts": selectors.instant_help_counts_cached_for_user(user=user, today=today),
        "tier": tier,
        "overdue": overdue,
    }
    return render(request, "monitoring/instant_help.html", context)


# --- one case -------------------------------------------------------------------------------------------------


def _roles_text(roles: frozenset[str]) -> str:
    order = list(ROLE_TEXT)
    return "、".join(ROLE_TEXT[r] for r in sorted(roles, key=lambda r: order.index(r) if r in order else 99))  # type: ignore[index]


def _step_label(action: str) -> str:
    if action in STEPS:
        return STEPS[action].label
    return {"open": _("Discovery recorded"), "tier_change": _("Instant-help tier changed")}.get(action, action)


def _step_data(step: Any) -> list[tuple[str, str]]:
    """What a step decided, as label–value pairs for the history."""
    data = step.data or {}
    items: list[tuple[str, str]] = []
    if "passed" in data:
        items.append((_("Result"), _("Passed") if data["passed"] else _("Not passed")))
    if data.get("reason") and step.action != "tier_change":
        items.append((_("Reason"), data["reason"]))
    if data.get("channel"):
        items.append((_("Channel"), CHANNEL_TEXT.get(data["channel"], data["channel"])))
    if data.get("category"):
        items.append((_("Category"), CATEGORY_TEXT.get(data["category"], data["category"])))
    if data.get("risk_types"):
        items.append((_("Risk types"), "、".join(_risk_labels(data["risk_types"]))))
    if data.get("tier"):
        items.append((_("Instant-help tier"), data["tier"]))
    if step.action == "tier_change":
        items.append((_("Instant-help tier"), f"{data.get('from') or '—'} → {data.get('to', '')}"))
    if data.get("conditions"):
        items.append((_("Elimination conditions"), data["conditions"]))
    return items


def _history(case: MonitoringCase) -> list[dict[str, Any]]:
    rows = selectors.case_history(case=case)
    for row in rows:
        step = row["step"]
        row["label"] = _step_label(step.action)
        row["role"] = ROLE_TEXT.get(step.role, step.role)  # type: ignore[call-overload]
        row["stage"] = STAGE_TEXT.get(step.to_stage, step.to_stage)  # type: ignore[call-overload]
        row["data"] = _step_data(step)
        for attachment in row["attachments"]:
            attachment.kind_text = ATTACHMENT_TEXT.get(attachment.kind, attachment.kind)  # type: ignore[call-overload]
    return rows


def _step_form(rule: StepRule, case: MonitoringCase, data: Any = None, files: Any = None) -> StepForm:
    label = ATTACHMENT_TEXT.get(rule.attachment, "") if rule.attachment else ""  # type: ignore[call-overload]
    return StepForm(data, files, rule=rule, version=case.version, attachment_label=label)


def _detail_context(
    request: HttpRequest,
    case: MonitoringCase,
    *,
    bound: StepForm | None = None,
    tier_form: TierForm | None = None,
    error: str = "",
) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    role = getattr(user, "role", "")
    _decorate(case, today)
    steps = []
    if case.is_open:
        for rule in services.next_steps(case.stage):
            mine = role in rule.roles
            form = None
            if mine:
                form = bound if bound is not None and bound.rule.action == rule.action else _step_form(rule, case)
            steps.append(
                {
                    "rule": rule,
                    "form": form,
                    "waiting": _roles_text(rule.roles),
                    "attachment": ATTACHMENT_TEXT.get(rule.attachment, "") if rule.attachment else "",  # type: ignore[call-overload]
                    "checks_elimination": rule.action in ELIMINATION_CHECKED,
                    "unmet": services.elimination_unmet(case=case, on=today)
                    if rule.action in ELIMINATION_CHECKED
                    else [],
                }
            )
    may_change_tier = case.is_open and role in ("town", "county")
    if may_change_tier and tier_form is None:
        tier_form = TierForm(prefix="tier", initial={"version": case.version})
    household = case.household
    head = household.members.filter(relation="head").values_list("name", flat=True).first()
    return {
        "case": case,
        "household": household,
        "head": head,
        "history": _history(case),
        "discoveries": [
            {"discovery": d, "channel": CHANNEL_TEXT.get(d.channel, d.channel)}  # type: ignore[call-overload]
            for d in case.discoveries.all()
        ],
        "steps": steps,
        "tier_form": tier_form if may_change_tier else None,
        "error": error,
        "today": today,
    }


@require_http_methods(["GET", "POST"])
@view_people
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    if request.method == "GET":
        return render(request, "monitoring/case_detail.html", _detail_context(request, case))
    rule = STEPS.get(request.POST.get("action", ""))
    if rule is None:  # the services judge the order (and a stale page) themselves
        stage = STAGE_TEXT.get(case.stage, case.stage)  # type: ignore[call-overload]
        error = _("This step cannot be taken now (the case is at: %(stage)s). Reload the page.") % {"stage": stage}
        return render(request, "monitoring/case_detail.html", _detail_context(request, case, error=error), status=400)
    form = _step_form(rule, case, request.POST, request.FILES)
    if not form.is_valid():
        context = _detail_context(request, case, bound=form, error=_("Please correct the fields marked below."))
        return render(request, "monitoring/case_detail.html", context, status=400)
    values = form.cleaned_data
    upload = values.get("file")
    step = StepInput(
        on=values["on"],
        note=values.get("note", ""),
        passed=values.get("passed", True),
        reason=values.get("reason", ""),
        category=values.get("category", ""),
        risk_types=values.get("risk_types", []),
        attachments=[(rule.attachment, upload)] if rule.attachment and upload else [],
    )
    try:
        services.case_step(
            case_id=case.pk, action=rule.action, user=request.user, expected_version=values["version"], step=step
        )
    except CaseStale as refused:
        # The form the user filled in answered a case that has moved on: show the case as it is now.
        fresh = selectors.case_get_for_user(user=request.user, case_id=case_id)
        context = _detail_context(request, fresh, error=str(refused))
        return render(request, "monitoring/case_detail.html", context, status=409)
    except CaseRefused as refused:
        context = _detail_context(request, case, bound=form, error=str(refused))
        return render(request, "monitoring/case_detail.html", context, status=400)
    except PermissionDenied as refused:
        context = _detail_context(request, case, bound=form, error=str(refused))
        return render(request, "monitoring/case_detail.html", context, status=403)
    messages.success(request, _("%(step)s recorded.") % {"step": rule.label})
    return redirect("monitoring:case_detail", case_id=case.pk)


@require_POST
@view_people
def case_tier(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    form = TierForm(request.POST, prefix="tier")
    if not form.is_valid():
        context = _detail_context(request, case, tier_form=form, error=_("Please correct the fields marked below."))
        return render(request, "monitoring/case_detail.html", context, status=400)
    try:
        services.case_tier_change(
            case_id=case.pk,
            tier=form.cleaned_data["tier"],
            reason=form.cleaned_data["reason"],
            user=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except CaseRefused as refused:
        status = 409 if isinstance(refused, CaseStale) else 400
        fresh = selectors.case_get_for_user(user=request.user, case_id=case_id)
        return render(
            request, "monitoring/case_detail.html", _detail_context(request, fresh, error=str(refused)), status=status
        )
    except PermissionDenied as refused:
        return render(
            request, "monitoring/case_detail.html", _detail_context(request, case, error=str(refused)), status=403
        )
    messages.success(request, _("Instant-help tier changed."))
    return redirect("monitoring:case_detail", case_id=case.pk)


@require_GET
@view_people
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment: Attachment = selectors.attachment_get_for_user(user=request.user, attachment_id=attachment_id)
    return stored_file_download(
        user=request.user,
        file=attachment.file,
        name=attachment.original_name,
        allowed=ATTACHMENT_TYPES,
        target=f"monitoring-attachment:{attachment.pk}",
        detail={"case": attachment.case_id, "name": attachment.original_name},
    )


# --- opening a case -------------------------------------------------------------------------------------------


def _household_in_scope(request: HttpRequest, household_no: str) -> Household:
    try:
        return household_get_for_user(user=request.user, household_no=household_no)
    except Household.DoesNotExist:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
@view_people
def case_open(request: HttpRequest) -> HttpResponse:
    user = request.user
    household_no = query_text(request.POST, "household", max_length=40) or query_text(
        request.GET, "household", max_length=40
    )
    if not household_no:
        return render(request, "monitoring/case_open.html", {"household": None})
    household = _household_in_scope(request, household_no)
    role = getattr(user, "role", "")
    form = CaseOpenForm(request.POST if request.method == "POST" else None, role=role)
    context: dict[str, Any] = {
        "household": household,
        "head": household.members.filter(relation="head").values_list("name", flat=True).first(),
        "open_case": selectors.case_open_for_household(household=household),
        "form": form,
        "may_open": bool(form.fields["channel"].choices),  # type: ignore[attr-defined]
        "error": "",
    }
    if request.method == "GET" or not context["may_open"]:
        return render(request, "monitoring/case_open.html", context, status=200 if request.method == "GET" else 403)
    if not form.is_valid():
        context["error"] = _("Please correct the fields marked below.")
        return render(request, "monitoring/case_open.html", context, status=400)
    values = form.cleaned_data
    try:
        opened = services.case_open(
            household=household,
            channel=values["channel"],
            user=user,
            discovered_on=values["discovered_on"],
            note=values["note"],
            category=values["category"],
            risk_types=values["risk_types"],
        )
    except (CaseRefused, PermissionDenied) as refused:
        context["error"] = str(refused)
        return render(request, "monitoring/case_open.html", context, status=400)
    if opened.created:
        messages.success(request, _("Monitoring case opened."))
    else:
        messages.info(
            request,
            _("This household already had an open monitoring case: the discovery was added to it."),
        )
    return redirect("monitoring:case_detail", case_id=opened.case.pk)


# --- ledger downloads -----------------------------------------------------------------------------------------

# Written in the background (accounts.export_pages): the start is a POST from the case list, the file is the
# user's alone, each download is logged.
MONITORING_EXPORT = ExportPages(
    kind=export_jobs.MONITORING,
    title="防止返贫监测对象台账",
    guard=capability_required(Capability.EXPORT_PEOPLE),
    params=lambda request, query: {},
    url_name="monitoring:export_monitoring",
    back=lambda job: reverse("monitoring:case_list"),
)
INSTANT_HELP_EXPORT = ExportPages(
    kind=export_jobs.INSTANT_HELP,
    title="即时帮扶台账",
    guard=capability_required(Capability.EXPORT_PEOPLE),
    params=lambda request, query: {},
    url_name="monitoring:export_instant_help",
    back=lambda job: reverse("monitoring:instant_help"),
)
