"""The project library's files in the browser, for the users who manage projects (county and town offices):
uploading a project library file (docs/LEDGER.md §4) — run as an upload job (:mod:`jingzhun.core.uploads`) as the
uploader, in their scope — its progress, outcome and error report; and the office's Excel table of the library
(项目库台账), filtered by year, stage, type and level, for every user who sees projects.

Every download is logged in the access log: the error report repeats the file's cells (household numbers), the
table lists the projects and counts the households of the user's scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.export_pages import ExportPages
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.accounts.upload_pages import UploadPages
from jingzhun.core.params import query_choice, query_int
from jingzhun.core.scope import scope_prefix

from . import export_jobs
from .import_jobs import KIND
from .library_export import LibraryFilters
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


def library_filters(params: QueryDict) -> LibraryFilters:
    """The table's filters from a request's query (year, stage, kind, level); a bad value reads as absent."""
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


# The office's project library table (.xlsx) of the projects the user sees, with the filters of the form (or of the
# project list's address), written in the background (accounts.export_pages).
LIBRARY_EXPORT = ExportPages(
    kind=export_jobs.PROJECT_LIBRARY,
    title="项目库台账",
    guard=view_projects,
    params=lambda request, query: {k: v for k, v in vars(library_filters(query)).items() if v},
    url_name="projects:library_export",
    back=lambda job: reverse("projects:project_list"),
)
