"""Importing the year's decision workbook (动态调整决定, docs/LEDGER.md §8) from the browser, for the county office
(decisions are the county's): the upload form, the import's progress, its outcome and the error report. The import
is the command line's, run as an upload job (:mod:`jingzhun.core.uploads`) as the uploader, in their area scope."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.accounts.services import access_log_record
from jingzhun.core.scope import scope_prefix
from jingzhun.core.uploads import (
    UploadRefused,
    upload_job_create,
    upload_job_or_404,
    upload_job_progress,
    upload_jobs_for_user,
)

from .import_jobs import KIND

RECENT_JOBS = 10


class DecisionsUploadForm(forms.Form):
    file = forms.FileField(label=_("Decision workbook (.xlsx or .csv)"))


def _importer(request: HttpRequest) -> None:
    if getattr(request.user, "role", "") != Role.COUNTY or not scope_prefix(request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    _importer(request)
    error = ""
    form = DecisionsUploadForm()
    if request.method == "POST":
        form = DecisionsUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = upload_job_create(kind=KIND, user=request.user, upload=form.cleaned_data["file"])
            except UploadRefused as exc:
                error = str(exc)
            else:
                return redirect("adjustment_imports:detail", decisions_job=job.pk)
    recent = upload_jobs_for_user(user=request.user, kind=KIND).order_by("-created_at")[:RECENT_JOBS]
    status = 400 if error or form.errors else 200
    return render(
        request, "adjustments/import_new.html", {"form": form, "error": error, "recent": recent}, status=status
    )


@login_required
def import_detail(request: HttpRequest, decisions_job: UUID) -> HttpResponse:
    _importer(request)
    job = upload_job_or_404(user=request.user, kind=KIND, job_id=decisions_job)
    context = {"job": job, "progress": upload_job_progress(job=job)}
    htmx = request.headers.get("HX-Request")
    return render(request, "adjustments/import_progress.html" if htmx else "adjustments/import_detail.html", context)


@login_required
def import_report(request: HttpRequest, decisions_job: UUID) -> FileResponse:
    _importer(request)
    job = upload_job_or_404(user=request.user, kind=KIND, job_id=decisions_job)
    path = Path(job.report_path) if job.report_path else None
    if path is None or not path.is_file():
        raise Http404
    # The report repeats the file's cells (household numbers, masked ID numbers): downloading it is an export.
    access_log_record(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        target=f"动态调整决定导入错误报告 {job.file_name}",
        detail={"job": str(job.pk)},
    )
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
