"""Importing a findings file (docs/LEDGER.md §6) from the browser, for the county office and inspectors: the upload
form, the import's progress, its outcome and the error report (:class:`~jingzhun.accounts.upload_pages.UploadPages`).
The import is the command line's, run as an upload job (:mod:`jingzhun.core.uploads`) in the uploader's area scope."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.accounts.upload_pages import UploadPages

from .import_jobs import KIND


class FindingsUploadForm(forms.Form):
    file = forms.FileField(label=_("Findings file (.xlsx or .csv)"))


PAGES = UploadPages(
    kind=KIND,
    may_import=lambda user: user_can(user, Capability.RECORD_FINDINGS),
    form=FindingsUploadForm,
    templates="supervision/import",
    detail_url="supervision:import_detail",
    job_kwarg="findings_job",
    report_what="督导问题导入错误报告",
)
import_new = PAGES.new
import_detail = PAGES.detail
import_report = PAGES.report
