"""Helpers every page shares: whether an HTMX request wants only a fragment of the page."""

from __future__ import annotations

from django.http import HttpRequest


def htmx_fragment(request: HttpRequest) -> bool:
    """An HTMX request that wants only a part of the page (a history restore wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"
