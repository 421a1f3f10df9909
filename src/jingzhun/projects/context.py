"""The line of links that heads every project page (a context processor: each part of the app adds its pages
here, and every template includes ``projects/_nav.html``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.permissions import Capability, user_can

PAGES = (
    ("library", "projects:project_list", _("Project library")),
    ("funds", "projects:funds_index", _("Funds")),
    ("assets", "projects:asset_list", _("Assets")),
    ("dividends", "projects:dividend_list", _("Dividends")),
    ("archive", "projects:archive_index", _("Archive")),
    ("evaluations", "projects:evaluation_index", _("Evaluation")),
)


def project_nav(request: HttpRequest) -> dict[str, Any]:
    # A page answered before the authentication middleware ran (a refused path) has no user.
    user = getattr(request, "user", None)
    if not request.path.startswith("/projects/") or not user_can(user, Capability.VIEW_PROJECTS):
        return {}
    return {"project_nav": [(name, reverse(url_name), label) for name, url_name, label in PAGES]}
