"""Importing a helper roster (docs/LEDGER.md §9) from the browser, for the town and county offices: the upload form,
the import's progress, its outcome and the error report. The import is the command line's, run as an upload job
(:mod:`jingzhun.core.uploads`) in the uploader's area scope."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.accounts.services import access_log_record
from jingzhun.core.uploads import (
    UploadRefused,
    upload_job_create,
    upload_job_or_404,
    upload_job_progress,
    upload_jobs_for_user,
)

from .import_jobs import KIND

RECENT_JOBS = 10


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("Roster file (.xlsx or .csv)"))


def _importer(request: HttpRequest) -> None:
    if not user_can(request.user, Capability.MANAGE_HELPERS):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def roster_import_new(request: HttpRequest) -> HttpResponse:
    _importer(request)
    error = ""
    form = RosterUploadForm()
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = upload_job_create(kind=KIND, user=request.user, upload=form.cleaned_data["file"])
            except UploadRefused as exc:
                error = str(exc)
            else:
                return redirect("assistance:roster_import_detail", roster_job=job.pk)
    recent = upload_jobs_for_user(user=request.user, kind=KIND).order_by("-created_at")[:RECENT_JOBS]
    status = 400 if error or form.errors else 200
    return render(
        request, "assistance/roster_import_new.html", {"form": form, "error": error, "recent": recent}, status=status
    )


@login_required
@require_GET
def roster_import_detail(request: HttpRequest, roster_job: UUID) -> HttpResponse:
    _importer(request)
    job = upload_job_or_404(user=request.user, kind=KIND, job_id=roster_job)
    context = {"job": job, "progress": upload_job_progress(job=job)}
    htmx = request.headers.get("HX-Request")
    template = "assistance/roster_import_progress.html" if htmx else "assistance/roster_import_detail.html"
    return render(request, template, context)


@login_required
@require_GET
def roster_import_report(request: HttpRequest, roster_job: UUID) -> FileResponse:
    _importer(request)
    job = upload_job_or_404(user=request.user, kind=KIND, job_id=roster_job)
    path = Path(job.report_path) if job.report_path else None
    if path is None or not path.is_file():
        raise Http404
    # The report repeats the file's cells (household numbers, names): downloading it is an export.
    access_log_record(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        target=f"帮扶力量名单导入错误报告 {job.file_name}",
        detail={"job": str(job.pk)},
    )
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
