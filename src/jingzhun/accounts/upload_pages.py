"""The three pages every browser import has, declared once: the upload form with the user's recent jobs, the job's
progress and outcome (a fragment for htmx's polling), and its error report as a logged download.

An app declares its import with :class:`UploadPages` — the upload kind of :mod:`jingzhun.core.uploads`, who may
import, the form, its templates, the URL name of the outcome and the name of the job's URL parameter, the words the
access log gives the report — and routes to its ``new``, ``detail`` and ``report`` views. The job is read through
``upload_job_or_404`` (another user's or another kind's job is "not found"); the report repeats the file's cells
(household numbers, names), so each download is logged as an export. Here, above ``core``, because the access log
is the accounts app's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from jingzhun.core.uploads import (
    UploadRefused,
    upload_job_create,
    upload_job_or_404,
    upload_job_progress,
    upload_jobs_for_user,
)

from .models import AccessLog
from .services import access_log_record

View = Callable[..., HttpResponseBase]


@dataclass(frozen=True)
class UploadPages:
    kind: str  # the upload kind (core.uploads)
    may_import: Callable[[Any], bool]  # whether a user may import (and see its jobs)
    form: type[forms.Form]  # with a ``file`` field
    templates: str  # "supervision/import": …_new.html, …_detail.html, …_progress.html
    detail_url: str  # the URL name of a job's page
    job_kwarg: str  # the name of the job's parameter in the URLs
    report_what: str  # the report in the access log: "督导问题导入错误报告"
    extra_context: Callable[[HttpRequest], dict[str, Any]] = field(default=lambda request: {})
    recent: int = 10

    def _check(self, request: HttpRequest) -> None:
        if not self.may_import(request.user):
            raise PermissionDenied

    @property
    def new(self) -> View:
        @login_required
        @require_http_methods(["GET", "POST"])
        def import_new(request: HttpRequest) -> HttpResponseBase:
            self._check(request)
            error = ""
            form = self.form(request.POST, request.FILES) if request.method == "POST" else self.form()
            if request.method == "POST" and form.is_valid():
                try:
                    job = upload_job_create(kind=self.kind, user=request.user, upload=form.cleaned_data["file"])
                except UploadRefused as refused:
                    error = str(refused)
                else:
                    return redirect(self.detail_url, permanent=False, **{self.job_kwarg: job.pk})
            recent = upload_jobs_for_user(user=request.user, kind=self.kind).order_by("-created_at")[: self.recent]
            context = {
                "form": form,
                "error": error,
                "recent": recent,
                "detail_url": self.detail_url,
                **self.extra_context(request),
            }
            status = 400 if error or form.errors else 200
            return render(request, f"{self.templates}_new.html", context, status=status)

        return import_new

    @property
    def detail(self) -> View:
        @login_required
        @require_GET
        def import_detail(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            self._check(request)
            job = upload_job_or_404(user=request.user, kind=self.kind, job_id=kwargs[self.job_kwarg])
            context = {"job": job, "progress": upload_job_progress(job=job)}
            part = "progress" if request.headers.get("HX-Request") else "detail"
            return render(request, f"{self.templates}_{part}.html", context)

        return import_detail

    @property
    def report(self) -> View:
        @login_required
        @require_GET
        def import_report(request: HttpRequest, **kwargs: Any) -> FileResponse:
            self._check(request)
            job = upload_job_or_404(user=request.user, kind=self.kind, job_id=kwargs[self.job_kwarg])
            path = Path(job.report_path) if job.report_path else None
            if path is None or not path.is_file():
                raise Http404
            access_log_record(
                user=request.user,
                action=AccessLog.Action.EXPORT,
                target=f"{self.report_what} {job.file_name}",
                detail={"job": str(job.pk)},
            )
            return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)

        return import_report
