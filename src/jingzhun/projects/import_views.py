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
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.accounts.upload_pages import UploadPages
from jingzhun.core.params import query_choice, query_int
from jingzhun.core.scope import scope_prefix

from .import_jobs import KIND
from .library_export import LibraryFilters, library_office_export
from .models import ProjectKind, ProjectLevel, Stage

view_projects = capability_required(Capability.VIEW_PROJECTS)


class ProjectsUploadForm(forms.Form):
    file = forms.FileField(label=_("Project library (.xlsx with sheets 项目 and 受益户, or .csv)"))


def _may_import(user: Any) -> bool:
    # No area: an empty prefix would mean every area.
    return user_can(user, Capability.MANAGE_PROJECTS) and bool(scope_prefix(user))


PAGES = UploadPages(
    kind=KIND,
    may_import=_may_import,
    form=ProjectsUploadForm,
    templates="projects/import",
    detail_url="projects:import_detail",
    job_kwarg="projects_job",
    report_what="项目库导入错误报告",
    extra_context=lambda request: {"filters": _filter_choices()},
)
import_new = PAGES.new
import_detail = PAGES.detail
import_report = PAGES.report


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
