"""Importing the year's decision workbook (动态调整决定, docs/LEDGER.md §8) from the browser, for the county office
(decisions are the county's): the upload form, the import's progress, its outcome and the error report
(:class:`~jingzhun.accounts.upload_pages.UploadPages`). The import is the command line's, run as an upload job
(:mod:`jingzhun.core.uploads`) as the uploader, in their area scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.models import Role
from jingzhun.accounts.upload_pages import UploadPages
from jingzhun.core.scope import scope_prefix

from .import_jobs import KIND


class DecisionsUploadForm(forms.Form):
    file = forms.FileField(label=_("Decision workbook (.xlsx or .csv)"))


def _may_import(user: Any) -> bool:
    return getattr(user, "role", "") == Role.COUNTY and bool(scope_prefix(user))


PAGES = UploadPages(
    kind=KIND,
    may_import=_may_import,
    form=DecisionsUploadForm,
    templates="adjustments/import",
    detail_url="adjustment_imports:detail",
    job_kwarg="decisions_job",
    report_what="动态调整决定导入错误报告",
)
import_new = PAGES.new
import_detail = PAGES.detail
import_report = PAGES.report
