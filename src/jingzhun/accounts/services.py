"""Writes for accounts: users and the access log."""

from __future__ import annotations

import getpass
from typing import Any

from django.db import transaction

from jingzhun.areas.models import Area

from .models import AccessLog, Role, User


@transaction.atomic
def user_ensure(*, username: str, role: Role, area: Area, display_name: str, password: str) -> User:
    """Create the user, or reset an existing one to this role, area, display name and password."""
    user, _ = User.objects.get_or_create(username=username)
    user.role = role
    user.area = area
    user.first_name = display_name
    user.is_active = True
    user.set_password(password)
    user.save()
    return user


def access_log_record(*, user: Any, action: str, target: str, detail: dict[str, Any] | None = None) -> AccessLog:
    """Record an export or unmasked view. ``user`` None means the command line (the OS user is kept)."""
    if user is not None and getattr(user, "pk", None):
        return AccessLog.objects.create(
            user=user, actor=user.get_username(), action=action, target=target, detail=detail or {}
        )
    return AccessLog.objects.create(actor=f"cli:{getpass.getuser()}", action=action, target=target, detail=detail or {})
