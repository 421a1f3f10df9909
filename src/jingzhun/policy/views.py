"""The assessment pages: runs, and one run's outcomes and transition table in the user's scope."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingzhun.accounts.decorators import people_viewer
from jingzhun.accounts.downloads import stored_file_download
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.params import query_choice, query_int
from jingzhun.core.scope import household_limited, scope_prefix
from jingzhun.core.uploads import (
    JobBusy,
    upload_job_active,
    upload_job_or_404,
    upload_job_progress,
)
from jingzhun.registry.vocab import PovertyStatus

from . import selectors
from .forms import AreaExitForm
from .jobs import KIND, StartRefused, assessment_job_start, assessment_scope, pack_choices
from .models import ABSENT, AssessmentRun
from .packs import DEFAULT_PACK
from .services import EXIT_DOCUMENT_TYPES, ExitInput, ExitRefused, area_exit_record, area_exit_unit

RUNS_SHOWN = 100
CELL_HOUSEHOLDS = 200


def _run_list_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    runs = selectors.runs_for_user(user=request.user).select_related("user").order_by("-id")[:RUNS_SHOWN]
    context: dict[str, Any] = {"runs": runs, "error": error}
    if assessment_scope(request.user) is not None:
        packs = pack_choices()
        context["start"] = {
            "packs": packs,
            "years": sorted({year for pack in packs for year in pack.years}, reverse=True),
            "pack": request.POST.get("pack", DEFAULT_PACK),
            "year": request.POST.get("year", ""),
            "active": upload_job_active(kind=KIND),
        }
    return render(request, "policy/run_list.html", context, status=status)


@login_required
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    people_viewer(request)
    return _run_list_page(request)


@login_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    """Start an assessment run in the background (a county user who may run assessments); its progress page."""
    people_viewer(request)
    if assessment_scope(request.user) is None:
        raise PermissionDenied
    year_text, pack = request.POST.get("year", "").strip(), request.POST.get("pack", "").strip()
    if not (len(year_text) == 4 and year_text.isascii() and year_text.isdigit()):
        return _run_list_page(request, error="请选择评估年度", status=400)
    try:
        job = assessment_job_start(user=request.user, year=int(year_text), pack=pack[:60] or DEFAULT_PACK)
    except StartRefused as exc:
        return _run_list_page(request, error=str(exc), status=400)
    except JobBusy as exc:
        return _run_list_page(request, error=str(exc), status=409)
    return redirect("policy:job_detail", assessment_job=job.pk)


@login_required
@require_GET
def job_detail(request: HttpRequest, assessment_job: UUID) -> HttpResponse:
    """An assessment run started in the browser: its progress (polled by htmx), then the run or the reason."""
    people_viewer(request)
    job = upload_job_or_404(user=request.user, kind=KIND, job_id=assessment_job)
    context = {"job": job, "progress": upload_job_progress(job=job)}
    template = "policy/job_progress.html" if request.headers.get("HX-Request") else "policy/job_detail.html"
    return render(request, template, context)


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    people_viewer(request)
    user = request.user
    prefix = scope_prefix(user) or ""
    try:
        run = selectors.run_for_user(user=user, run_id=run_id)
    except LookupError:
        raise Http404 from None
    others = list(selectors.runs_for_user(user=user).exclude(pk=run.pk).order_by("-id")[:RUNS_SHOWN])
    against: AssessmentRun | None = None
    against_id = query_int(request.GET, "against")
    if against_id is not None:
        against = next((other for other in others if other.pk == against_id), None)
    counts = selectors.transition_counts_cached(from_run=run, to_run=against, area_prefix=prefix)
    cell: dict[str, Any] | None = None
    known = {*PovertyStatus.values, ABSENT}
    from_status = query_choice(request.GET, "from", known, default=None)
    to_status = query_choice(request.GET, "to", known, default=None)
    if from_status is not None and to_status is not None:
        cell = {
            "from_label": selectors.status_label(from_status),
            "to_label": selectors.status_label(to_status),
            "households": selectors.transition_cell_for_scope(
                from_run=run,
                to_run=against,
                from_status=from_status,
                to_status=to_status,
                area_prefix=prefix,
                limit=CELL_HOUSEHOLDS,
            ),
            "limit": CELL_HOUSEHOLDS,
        }
    summary = selectors.run_summary(run=run, area_prefix=prefix)
    context = {
        "run": run,
        "summary": summary,
        "tiers": selectors.tier_counts(summary=summary),
        "villages": selectors.village_incidence_for_scope(run=run, area_prefix=prefix),
        "others": others,
        "against": against,
        "table": selectors.transition_matrix(counts=counts),
        "cell": cell,
    }
    return render(request, "policy/run_detail.html", context)


# --- poor villages (贫困村) and their exits (摘帽) ----------------------------------------------------------------


@login_required
@require_GET
def poor_villages(request: HttpRequest) -> HttpResponse:
    """The poor villages of the user's area with the exit test of docs/RULES.md §5 and their exits."""
    people_viewer(request)
    if household_limited(request.user):
        raise PermissionDenied
    context = selectors.poor_villages_for_user(user=request.user)
    context["may_record"] = user_can(request.user, Capability.RECORD_AREA_EXIT)
    return render(request, "policy/poor_villages.html", context)


def _exit_page(
    request: HttpRequest, area: Any, form: AreaExitForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    context = selectors.area_exit_view(user=request.user, area=area)
    context.update(
        area=area,
        form=form,
        error=error,
        unit=area_exit_unit(area),
        may_record=user_can(request.user, Capability.RECORD_AREA_EXIT),
    )
    return render(request, "policy/area_exit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def area_exit(request: HttpRequest, area_code: str) -> HttpResponse:
    """A poor village's or the county's exit test and exit; a county user records the exit here."""
    people_viewer(request)
    try:
        area = selectors.area_for_exit(user=request.user, area_code=area_code)
    except LookupError:
        raise Http404 from None
    if request.method == "GET":
        return _exit_page(request, area, AreaExitForm())
    if not user_can(request.user, Capability.RECORD_AREA_EXIT):
        raise PermissionDenied
    form = AreaExitForm(request.POST)
    if not form.is_valid():
        return _exit_page(request, area, form, status=400)
    data = form.cleaned_data
    entry = ExitInput(
        year=data["year"],
        document_no=data["document_no"],
        decided_on=data["decided_on"],
        note=data["note"],
        override_reason=data["override_reason"],
        documents=request.FILES.getlist("documents"),
    )
    try:
        area_exit_record(user=request.user, area_code=area.code, entry=entry)
    except ExitRefused as exc:
        return _exit_page(request, area, form, error=str(exc), status=400)
    return redirect("policy:area_exit", area_code=area.code)


@login_required
@require_GET
def exit_document_download(request: HttpRequest, document_id: int) -> FileResponse:
    """A document of an exit in the user's area, as a download; every download is logged."""
    people_viewer(request)
    try:
        document = selectors.exit_document_get_for_user(user=request.user, document_id=document_id)
    except LookupError:
        raise Http404 from None
    return stored_file_download(
        user=request.user,
        file=document.file,
        name=document.original_name,
        allowed=EXIT_DOCUMENT_TYPES,
        target=f"area-exit-document:{document.pk}",
        detail={"area": document.exit.area_id, "name": document.original_name},
    )
