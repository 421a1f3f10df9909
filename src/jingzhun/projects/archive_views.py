"""The archive pages (三色档案): completeness for the county and its towns, a project's checklist by colour with
an upload per item (usable on a phone: a photo of a document straight from the camera), and the download of a
filed document through the scope guard, logged."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.downloads import stored_file_download
from jingzhun.accounts.permissions import Capability, user_can

from . import archive_selectors as selectors
from .archive_forms import ACCEPT, ArchiveUploadForm
from .archive_services import ARCHIVE_MAX_BYTES, ARCHIVE_TYPES, ArchiveRefused, archive_file_add
from .selectors import project_editable_by, project_get_for_user

view_projects = capability_required(Capability.VIEW_PROJECTS)


@require_GET
@view_projects
def archive_index(request: HttpRequest) -> HttpResponse:
    context = selectors.archive_overview_for_user(user=request.user)
    return render(request, "projects/archive_index.html", context)


@require_http_methods(["GET", "POST"])
@view_projects
def project_archive(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    project = project_get_for_user(user=user, code=code)
    may_upload = user_can(user, Capability.MANAGE_PROJECTS) and project_editable_by(user=user, project=project)
    context = selectors.project_checklist(project=project)
    form = ArchiveUploadForm(checklist=context["checklist"])
    error = ""
    status = 200
    if request.method == "POST":
        if not may_upload:
            raise PermissionDenied
        form = ArchiveUploadForm(request.POST, request.FILES, checklist=context["checklist"])
        if form.is_valid():
            try:
                filed = archive_file_add(
                    project=project,
                    item=form.cleaned_data["item"],
                    upload=form.cleaned_data["file"],
                    note=form.cleaned_data["note"],
                    user=user,
                )
            except (ArchiveRefused, PermissionDenied) as refused:
                error = str(refused)
            else:
                messages.success(request, _("Filed: %(name)s.") % {"name": filed.original_name})
                return redirect(f"{request.path}#item-{filed.item}")
        else:
            error = "；".join(str(e) for errors in form.errors.values() for e in errors)
        status = 400
    context.update(
        {
            "project": project,
            "may_upload": may_upload,
            "form": form,
            "error": error,
            "accept": ACCEPT,
            "max_mb": ARCHIVE_MAX_BYTES // (1024 * 1024),
        }
    )
    return render(request, "projects/archive_project.html", context, status=status)


@require_GET
@view_projects
def archive_file(request: HttpRequest, file_id: int) -> FileResponse:
    filed = selectors.archive_file_get_for_user(user=request.user, file_id=file_id)
    return stored_file_download(
        user=request.user,
        file=filed.file,
        name=filed.original_name,
        allowed=ARCHIVE_TYPES,
        target=f"project-archive:{filed.pk}",
        detail={"project": filed.project.code, "item": filed.item, "name": filed.original_name},
    )
