"""The registry's pages: the household list and the household record (一户一档)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from jingzhun.accounts.decorators import people_viewer
from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.permissions import Capability, user_can, user_sees_id_numbers
from jingzhun.accounts.services import IdNumberSearchRefused, access_log_record
from jingzhun.adjustments import selectors as adjustment_selectors
from jingzhun.adjustments.services import KIND_TEXT, STAGE_TEXT
from jingzhun.areas.selectors import towns_in_scope, villages_in_scope
from jingzhun.assistance import selectors as assistance_selectors
from jingzhun.benefits import gap_selectors as benefit_gaps
from jingzhun.benefits import selectors as benefit_selectors
from jingzhun.core.fonts import FontMissing
from jingzhun.core.idnumber import mask
from jingzhun.core.pages import htmx_fragment
from jingzhun.core.paging import keyset_page, query_without_paging
from jingzhun.core.scope import scope_prefix
from jingzhun.monitoring import selectors as monitoring_selectors
from jingzhun.monitoring.services import CaseRefused, sudden_event_record
from jingzhun.policy import selectors as policy_selectors
from jingzhun.projects import dividend_selectors
from jingzhun.projects import selectors as project_selectors
from jingzhun.registry import selectors
from jingzhun.registry import services as registry_services
from jingzhun.registry.models import Household, Member
from jingzhun.spreadsheets.writing import written_in_memory

from .forms import HouseholdFilterForm, SuddenEventForm
from .household_record_pdf import household_record_pdf

PAGE_SIZE = 50


@login_required
@require_GET
@vary_on_headers("HX-Request")
def household_list(request: HttpRequest) -> HttpResponse:
    people_viewer(request)
    user = request.user
    prefix = scope_prefix(user)
    form = HouseholdFilterForm(
        request.GET, towns=towns_in_scope(prefix=prefix), villages=villages_in_scope(prefix=prefix)
    )
    values = form.values()
    try:
        registry_services.id_number_search_check(user=user, text=values["q"], target=request.path)
        refused = ""
    except IdNumberSearchRefused as refusal:
        refused = str(refusal)
    run = policy_selectors.run_latest_for_user(user=user)
    households = selectors.household_search_for_user(
        user=user, text=values["q"], town=values["town"], village=values["village"], status=values["status"]
    )
    households = policy_selectors.households_with_results(
        households=households, run=run, tier=values["tier"], failed=values["failed"], flag=values["flag"]
    )
    if refused:
        households = households.none()
    page = keyset_page(households, key="household_no", after=values["after"], before=values["before"], size=PAGE_SIZE)
    context = {
        "form": form,
        "page": page,
        "run": run,
        "query": query_without_paging(request),
        "filtered": any(values[name] for name in ("q", "town", "village", "status", "tier", "failed", "flag")),
        "refused": refused,
    }
    if htmx_fragment(request):
        # 200 even when refused: htmx shows no 4xx answer, and the user must read why the results are empty.
        return render(request, "web/_household_results.html", context)
    return render(request, "web/household_list.html", context, status=429 if refused else 200)


def _household(request: HttpRequest, household_no: str) -> Household:
    people_viewer(request)
    try:
        return selectors.household_get_for_user(user=request.user, household_no=household_no)
    except Household.DoesNotExist:
        # Another area's household is "not found": its existence is not for this user to learn.
        raise Http404 from None


def _member_rows(members: list[Member], *, unmasked: bool) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [
        {
            "member": member,
            "id_number": member.id_number if unmasked else mask(member.id_number),
            "age": member.age_shown(today, unmasked=unmasked),
        }
        for member in members
    ]


def _record_context(
    request: HttpRequest, household: Household, *, unmasked: bool, event_form: SuddenEventForm | None = None
) -> dict[str, Any]:
    record = selectors.household_record(household=household)
    result = policy_selectors.household_result_latest(household=household)
    explained = policy_selectors.result_explained(result=result) if result is not None else None
    size = record["active_members"]
    incomes = [
        {
            "income": income,
            "business": income.business_income - income.business_expense,
            "property": income.dividend + income.other_property,
            "transfer": income.family_planning
            + income.dibao
            + income.tekun
            + income.pension
            + income.eco_compensation
            + income.other_transfer,
            "net": income.net,
            "per_capita": (income.net / size) if size else None,
        }
        for income in record["incomes"]
    ]
    return {
        "household": household,
        "record": record,
        "members": _member_rows(record["members"], unmasked=unmasked),
        "unmasked": unmasked,
        "may_unmask": user_sees_id_numbers(request.user),
        "incomes": incomes,
        "result": result,
        "explained": explained,
        # The record is the household's whole file: its monitoring cases are shown here too (read-only).
        "monitoring_cases": list(monitoring_selectors.cases_for_household(household=household)),
        "monitorable": monitoring_selectors.household_monitorable(household=household),
        "assistance": assistance_selectors.assistance_for_household(household=household),
        "adjustment_cases": adjustments_for_record(household),
        **_projects_context(request, household),
        **_benefits_context(request, household),
        "may_apply_adjustment": getattr(request.user, "role", "") in ("village", "town", "county"),
        **_event_context(request, household, event_form),
    }


def _projects_context(request: HttpRequest, household: Household) -> dict[str, Any]:
    """The projects the household benefits from and its dividend shares, for the users who see projects (the
    panel is not shown to the others): only projects the user may see, and the shares of those."""
    if not user_can(request.user, Capability.VIEW_PROJECTS):
        return {"project_rows": None, "dividend_shares": []}
    rows = project_selectors.projects_of_household(user=request.user, household=household)
    visible = {row.project.code for row in rows}
    shares = dividend_selectors.household_dividend_shares(household=household)
    return {"project_rows": rows, "dividend_shares": [s for s in shares if s["project_code"] in visible]}


def _benefits_context(request: HttpRequest, household: Household) -> dict[str, Any]:
    """The household's benefits of the benefit year (政策兑现): what it is entitled to, computed live by the same
    plan as the county's lists, with what was paid; its payments; payments no entitlement explains. For the users
    who see benefits (the panel is not shown to the others)."""
    if not user_can(request.user, Capability.VIEW_BENEFITS):
        return {"benefit_lines": None}
    year = benefit_selectors.benefit_year_default()
    lines = benefit_gaps.household_entitlements(household=household, year=year)
    payments = benefit_selectors.payments_for_user(user=request.user).filter(household=household)
    return {
        "benefit_year": year,
        "benefit_lines": lines,
        "benefit_gaps": sum(1 for line in lines if not line.received),
        "benefit_payments": list(payments.select_related("member").order_by("-paid_on", "-id")[:30]),
        "benefit_unentitled": benefit_gaps.household_unentitled_payments(household=household, year=year),
        "may_take_application": user_can(request.user, Capability.TAKE_APPLICATIONS),
    }


def adjustments_for_record(household: Household) -> list[Any]:
    """The household's registry adjustments (newest first) with their kind and stage in words."""
    cases = list(adjustment_selectors.cases_of_household(household=household)[:20])
    for case in cases:
        case.kind_text = KIND_TEXT.get(case.kind, case.kind)  # type: ignore[attr-defined]
        case.stage_text = STAGE_TEXT.get(case.stage, case.stage)  # type: ignore[attr-defined]
    return cases


def _event_context(request: HttpRequest, household: Household, form: SuddenEventForm | None) -> dict[str, Any]:
    """The sudden-event form, for a user who may record events of this household (village, town, its helper)."""
    may = registry_services.event_recorder_may(user=request.user, household=household)
    if not may:
        return {"may_record_event": False, "event_form": None}
    return {"may_record_event": True, "event_form": form or SuddenEventForm(today=timezone.localdate())}


@login_required
@require_GET
def household_detail(request: HttpRequest, household_no: str) -> HttpResponse:
    household = _household(request, household_no)
    return render(request, "web/household_detail.html", _record_context(request, household, unmasked=False))


@login_required
@require_GET
def household_record_print(request: HttpRequest, household_no: str) -> HttpResponse | FileResponse:
    """The household record (一户一档) as A4 pages to file, ID numbers masked; logged as an export (503 with the way
    to install the font when the server has none)."""
    household = _household(request, household_no)
    context = _record_context(request, household, unmasked=False)
    try:
        handle, pages = written_in_memory(lambda path: household_record_pdf(context, path), name="record.pdf")
    except FontMissing as missing:
        return render(request, "web/record_font_missing.html", {"message": str(missing)}, status=503)
    access_log_record(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        target=f"household:{household.household_no}",
        detail={"format": "pdf", "pages": pages, "id_numbers": "masked"},
    )
    response = FileResponse(
        handle, as_attachment=True, filename=f"一户一档-{household.household_no}.pdf", content_type="application/pdf"
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
@never_cache
def household_unmask(request: HttpRequest, household_no: str) -> HttpResponse:
    """Full ID numbers of the household's members, for a user granted the right; each such view is logged."""
    household = _household(request, household_no)
    if not user_sees_id_numbers(request.user):
        raise PermissionDenied
    context = _record_context(request, household, unmasked=True)
    access_log_record(
        user=request.user,
        action=AccessLog.Action.UNMASK,
        target=f"household:{household.household_no}",
        detail={"members": [row["member"].pk for row in context["members"]], "page": "household_detail"},
    )
    if htmx_fragment(request):
        return render(request, "web/_members.html", context)
    return render(request, "web/household_detail.html", context)


@login_required
@require_POST
def household_event_add(request: HttpRequest, household_no: str) -> HttpResponse:
    """Record a sudden event from the household record and, if asked, open a monitoring case at once."""
    household = _household(request, household_no)
    if not registry_services.event_recorder_may(user=request.user, household=household):
        raise PermissionDenied
    form = SuddenEventForm(request.POST, today=timezone.localdate())
    if form.is_valid():
        values = form.cleaned_data
        try:
            recorded = sudden_event_record(
                household=household,
                kind=values["kind"],
                occurred_on=values["occurred_on"],
                loss=values["loss"],
                note=values["note"],
                open_case=values["open_case"],
                user=request.user,
            )
        except (registry_services.EventRefused, CaseRefused, PermissionDenied) as refused:
            form.add_error(None, str(refused))
        else:
            if values["open_case"] and not recorded.case_opened:
                messages.warning(request, recorded.message)
            else:
                messages.success(request, recorded.message)
            return redirect(reverse("registry:household_detail", args=[household.household_no]) + "#events")
    context = _record_context(request, household, unmasked=False, event_form=form)
    return render(request, "web/household_detail.html", context, status=400)
