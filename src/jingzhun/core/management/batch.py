"""The base of the commands that work through the data in bulk (import, assess, crosscheck)."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class BatchCommand(BaseCommand):
    """A command over the data, not the site: Django's system checks (URL configuration, admin, API schema)
    import every view, ~1.6 s at start-up; they are the web server's and ``jingzhun check``'s to run, and a
    test runs them."""

    requires_system_checks: list[str] = []
