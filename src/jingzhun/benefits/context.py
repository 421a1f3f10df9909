"""The line of links that heads every benefits page (a context processor: each part of the app adds its pages
here, and every template includes ``benefits/_nav.html``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.permissions import Capability, user_can

# (name, url name, label, the capability that shows it)
PAGES = (
    ("index", "benefits:index", _("Overview"), Capability.VIEW_BENEFITS),
    ("window", "benefits:window", _("Window"), Capability.TAKE_APPLICATIONS),
    (
        "applications",
        "benefits:application_list",
        _("Applications"),
        (Capability.TAKE_APPLICATIONS, Capability.DECIDE_APPLICATIONS),
    ),
    ("payments", "benefits:payment_list", _("Benefit payments"), Capability.VIEW_BENEFITS),
    ("gaps", "benefits:gap_list", _("Entitled, not received"), Capability.VIEW_BENEFITS),
    ("unentitled", "benefits:unentitled_list", _("Received, not entitled"), Capability.VIEW_BENEFITS),
    ("posts", "benefits:post_list", _("Public-welfare posts"), Capability.VIEW_BENEFITS),
    ("loans", "benefits:loan_list", _("Micro-credit"), Capability.VIEW_BENEFITS),
    ("students", "benefits:student_list", _("雨露计划 students"), Capability.VIEW_BENEFITS),
    ("catalogue", "benefits:catalogue", _("Catalogue"), Capability.VIEW_BENEFITS),
    ("cards", "web:card_index", _("Benefit cards"), Capability.VIEW_BENEFITS),
)


def benefit_nav(request: HttpRequest) -> dict[str, Any]:
    # A page answered before the authentication middleware ran (a refused path) has no user.
    user = getattr(request, "user", None)
    if not request.path.startswith("/benefits/") or not user_can(user, Capability.VIEW_BENEFITS):
        return {}
    return {
        "benefit_nav": [
            (name, reverse(url_name), label)
            for name, url_name, label, capability in PAGES
            if any(user_can(user, c) for c in (capability if isinstance(capability, tuple) else (capability,)))
        ]
    }
