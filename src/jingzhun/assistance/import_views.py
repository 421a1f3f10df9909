"""Importing a helper roster (docs/LEDGER.md §9) from the browser, for the town and county offices: the upload form,
the import's progress, its outcome and the error report (:class:`~jingzhun.accounts.upload_pages.UploadPages`).
The import is the command line's, run as an upload job (:mod:`jingzhun.core.uploads`) in the uploader's area
scope."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.accounts.upload_pages import UploadPages

from .import_jobs import KIND


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("Roster file (.xlsx or .csv)"))


PAGES = UploadPages(
    kind=KIND,
    may_import=lambda user: user_can(user, Capability.MANAGE_HELPERS),
    form=RosterUploadForm,
    templates="assistance/roster_import",
    detail_url="assistance:roster_import_detail",
    job_kwarg="roster_job",
    report_what="帮扶力量名单导入错误报告",
)
roster_import_new = PAGES.new
roster_import_detail = PAGES.detail
roster_import_report = PAGES.report
