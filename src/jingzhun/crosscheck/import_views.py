"""Importing department lists from the browser, and the list of batches received.

Department clerks import lists but never see people data: these pages show files, dates and counts only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.accounts.services import access_log_record
from jingzhun.core.params import RecordDateField
from jingzhun.core.scope import scope_prefix
from jingzhun.core.uploads import (
    UploadRefused,
    upload_job_create,
    upload_job_or_404,
    upload_job_progress,
)

from .import_jobs import KIND
from .list_import import batches_visible
from .models import Batch, Department

BATCHES_PER_DEPARTMENT = 5


class ListUploadForm(forms.Form):
    department = forms.ChoiceField(label=_("Department"), choices=Department.choices)
    as_of = RecordDateField(label=_("Data date"), help_text=_("The day the department's data describes."))
    source = forms.CharField(label=_("Source"), max_length=200, required=False, help_text=_("Who sent the list."))
    file = forms.FileField(label=_("List file (.xlsx or .csv)"))

    def clean_as_of(self) -> dt.date:
        as_of: dt.date = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError(_("The data date cannot be later than today."))
        return as_of


def _importer(request: HttpRequest) -> None:
    if not user_can(request.user, Capability.IMPORT_DEPARTMENT_LIST):
        raise PermissionDenied


def batches_for_user(*, user: Any) -> QuerySet[Batch]:
    """Batches imported for the user's area: by an office above or at it ("" is the command line, for the
    whole database), or within it."""
    prefix = scope_prefix(user)
    if not prefix:
        return Batch.objects.none()
    return Batch.objects.filter(batches_visible(area_prefix=prefix))


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    _importer(request)
    error = ""
    form = ListUploadForm(initial={"as_of": timezone.localdate()})
    if request.method == "POST":
        form = ListUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = upload_job_create(
                    kind=KIND,
                    user=request.user,
                    upload=data["file"],
                    params={
                        "department": data["department"],
                        "as_of": data["as_of"].isoformat(),
                        "source": data["source"],
                    },
                )
            except UploadRefused as exc:
                error = str(exc)
            else:
                return redirect("crosscheck:import_detail", list_job=job.pk)
    recent = batches_for_user(user=request.user).filter(user_id=cast(int, request.user.pk))[:20]
    status = 400 if error or form.errors else 200
    return render(
        request, "crosscheck/import_new.html", {"form": form, "error": error, "recent": recent}, status=status
    )


@login_required
def import_detail(request: HttpRequest, list_job: UUID) -> HttpResponse:
    _importer(request)
    job = upload_job_or_404(user=request.user, kind=KIND, job_id=list_job)
    context = {
        "job": job,
        "progress": upload_job_progress(job=job),
        "department_label": Department(job.params["department"]).label,
    }
    htmx = request.headers.get("HX-Request")
    return render(request, "crosscheck/import_progress.html" if htmx else "crosscheck/import_detail.html", context)


@login_required
def import_report(request: HttpRequest, list_job: UUID) -> FileResponse:
    _importer(request)
    job = upload_job_or_404(user=request.user, kind=KIND, job_id=list_job)
    path = Path(job.report_path) if job.report_path else None
    if path is None or not path.is_file():
        raise Http404
    # The report repeats names and ID numbers of the list: downloading it is an export.
    access_log_record(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        target=f"部门数据导入错误报告 {job.file_name}",
        detail={"job": str(job.pk), "department": job.params["department"], "batch": job.result_id},
    )
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    if not (
        user_can(request.user, Capability.IMPORT_DEPARTMENT_LIST) or user_can(request.user, Capability.VIEW_PEOPLE)
    ):
        raise PermissionDenied
    visible = batches_for_user(user=request.user).only(
        "department", "source", "as_of", "file_name", "rows", "invalid_ids", "imported_at"
    )
    departments = [
        (department, list(visible.filter(department=department)[:BATCHES_PER_DEPARTMENT])) for department in Department
    ]
    can_import = user_can(request.user, Capability.IMPORT_DEPARTMENT_LIST)
    return render(request, "crosscheck/import_batch_list.html", {"departments": departments, "can_import": can_import})
