"""Importing a household ledger from the browser: upload, follow the progress, download the error report."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

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


def _importer(request: HttpRequest) -> None:
    if not user_can(request.user, Capability.IMPORT_LEDGER):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    _importer(request)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择要导入的台账文件（.xlsx 或 .csv）"
        else:
            try:
                job = upload_job_create(kind=KIND, user=request.user, upload=upload)
            except UploadRefused as exc:
                error = str(exc)
            else:
                return redirect("imports:detail", job_id=job.pk)
    jobs = upload_jobs_for_user(user=request.user, kind=KIND)[:20]
    return render(request, "registry/import_new.html", {"error": error, "jobs": jobs}, status=400 if error else 200)


@login_required
def import_detail(request: HttpRequest, job_id: UUID) -> HttpResponse:
    _importer(request)
    job = upload_job_or_404(user=request.user, kind=KIND, job_id=job_id)
    context = {"job": job, "progress": upload_job_progress(job=job)}
    template = "registry/import_progress.html" if request.headers.get("HX-Request") else "registry/import_detail.html"
    return render(request, template, context)


@login_required
def import_report(request: HttpRequest, job_id: UUID) -> FileResponse:
    _importer(request)
    job = upload_job_or_404(user=request.user, kind=KIND, job_id=job_id)
    path = Path(job.report_path) if job.report_path else None
    if path is None or not path.is_file():
        raise Http404
    # The report repeats rows of people data: downloading it is an export.
    access_log_record(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        target=f"导入错误报告 {job.file_name}",
        detail={"job": str(job.pk)},
    )
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
