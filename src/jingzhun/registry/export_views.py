"""Downloading the household ledger from the browser (users who may export people data): written in the background
(:mod:`jingzhun.accounts.export_pages`) for the user's whole area, as .xlsx or (``?format=csv``) .csv, then
downloaded from the job's page; each download is logged."""

from __future__ import annotations

from django.urls import reverse

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.export_pages import ExportPages
from jingzhun.accounts.permissions import Capability
from jingzhun.core.params import query_choice

from .export_jobs import LEDGER

LEDGER_EXPORT = ExportPages(
    kind=LEDGER,
    title="贫困人口台账",
    guard=capability_required(Capability.EXPORT_PEOPLE),
    params=lambda request, query: {"format": query_choice(query, "format", ["xlsx", "csv"], default="xlsx")},
    url_name="registry:ledger_export",
    back=lambda job: reverse("registry:household_list"),
)
