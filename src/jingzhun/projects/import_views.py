"""The project library's files in the browser, for the users who manage projects (county and town offices):
uploading a project library file (docs/LEDGER.md §4) — run as an upload job (:mod:`jingzhun.core.uploads`) as the
uploader, in their scope — its progress, outcome and error report; and the office's Excel table of the library
(项目库台账), filtered by year, stage, type and level, for every user who sees projects.

Every download is logged in the access log: the error report repeats the file's cells (household numbers), the
table lists the projects and counts the households of the user's scope."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from uuid import UUID

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.permissions import Capability
from jingzhun.accounts.services import access_log_record
from jingzhun.core.params import query_choice, query_int
from jingzhun.core.scope import scope_prefix
from jingzhun.core.uploads import (
    UploadRefused,
    upload_job_create,
    upload_job_or_404,
    upload_job_progress,
    upload_jobs_for_user,
)

from .import_jobs import KIND
from .library_export import LibraryFilters, library_office_export
from .models import ProjectKind, ProjectLevel, Stage

RECENT_JOBS = 10
manage_projects = capability_required(Capability.MANAGE_PROJECTS)
view_projects = capability_required(Capability.VIEW_PROJECTS)


class ProjectsUploadForm(forms.Form):
    file = forms.FileField(label=_("Project library (.xlsx with sheets 项目 and 受益户, or .csv)"))


def _scoped(request: HttpRequest) -> None:
    if not scope_prefix(request.user):
        raise PermissionDenied  # no area: an empty prefix would mean every area


@manage_projects
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    _scoped(request)
    error = ""
    form = ProjectsUploadForm()
    if request.method == "POST":
        form = ProjectsUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = upload_job_create(kind=KIND, user=request.user, upload=form.cleaned_data["file"])
            except UploadRefused as exc:
                error = str(exc)
            else:
                return redirect("projects:import_detail", projects_job=job.pk)
    recent = upload_jobs_for_user(user=request.user, kind=KIND).order_by("-created_at")[:RECENT_JOBS]
    status = 400 if error or form.errors else 200
    context = {"form": form, "error": error, "recent": recent, "filters": _filter_choices()}
    return render(request, "projects/import_new.html", context, status=status)


@manage_projects
def import_detail(request: HttpRequest, projects_job: UUID) -> HttpResponse:
    _scoped(request)
    job = upload_job_or_404(user=request.user, kind=KIND, job_id=projects_job)
    context = {"job": job, "progress": upload_job_progress(job=job)}
    htmx = request.headers.get("HX-Request")
    return render(request, "projects/import_progress.html" if htmx else "projects/import_detail.html", context)


@manage_projects
def import_report(request: HttpRequest, projects_job: UUID) -> FileResponse:
    _scoped(request)
    job = upload_job_or_404(user=request.user, kind=KIND, job_id=projects_job)
    path = Path(job.report_path) if job.report_path else None
    if path is None or not path.is_file():
        raise Http404
    # The report repeats the file's cells (household numbers): downloading it is an export.
    access_log_record(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        target=f"项目库导入错误报告 {job.file_name}",
        detail={"job": str(job.pk)},
    )
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


def library_filters(request: HttpRequest) -> LibraryFilters:
    """The table's filters from the query (year, stage, kind, level); a bad value reads as absent."""
    params = request.GET
    return LibraryFilters(
        year=query_int(params, "year", low=2000, high=2099),
        stage=query_choice(params, "stage", Stage.values),
        kind=query_choice(params, "kind", ProjectKind.values),
        level=query_choice(params, "level", ProjectLevel.values),
    )


def _filter_choices() -> list[tuple[str, object, list[tuple[str, str]]]]:
    """The table's filters besides the year: (query name, label, choices)."""
    return [
        ("level", _("Project level"), ProjectLevel.choices),
        ("kind", _("Project type"), ProjectKind.choices),
        ("stage", _("Project stage"), Stage.choices),
    ]


@require_GET
@view_projects
def library_export(request: HttpRequest) -> FileResponse:
    """The office's project library table (.xlsx) of the projects the user sees; logged as an export."""
    prefix = scope_prefix(request.user)
    if not prefix:
        raise PermissionDenied
    today = timezone.localdate()
    folder = Path(tempfile.mkdtemp(prefix="jz-projects-"))
    try:
        path = folder / "library.xlsx"
        library_office_export(path=path, user=request.user, filters=library_filters(request), today=today)
        handle = path.open("rb")  # the open file outlives its directory entry
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return FileResponse(handle, as_attachment=True, filename=f"项目库-{prefix}-{today:%Y%m%d}.xlsx")
