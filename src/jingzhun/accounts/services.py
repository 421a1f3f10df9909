"""Writes for accounts: the access log."""

from __future__ import annotations

import getpass
from typing import Any

from .models import AccessLog


def access_log_record(*, user: Any, action: str, target: str, detail: dict[str, Any] | None = None) -> AccessLog:
    """Record an export or unmasked view. ``user`` None means the command line (the OS user is kept)."""
    if user is not None and getattr(user, "pk", None):
        return AccessLog.objects.create(
            user=user, actor=user.get_username(), action=action, target=target, detail=detail or {}
        )
    return AccessLog.objects.create(actor=f"cli:{getpass.getuser()}", action=action, target=target, detail=detail or {})
