"""Logins, failed logins, logouts and lockouts into the audit trail; the session's login time."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .models import AuditEvent
from .services import audit_event_record
from .sessions import session_start


@receiver(user_logged_in, dispatch_uid="jingzhun_audit_login")
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None:
        session_start(request)
    audit_event_record(user=user, action=AuditEvent.Action.LOGIN, target=user.get_username(), request=request)


@receiver(user_login_failed, dispatch_uid="jingzhun_audit_login_failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Django has already replaced the password in ``credentials``; only the name typed is kept.
    audit_event_record(
        user=None, action=AuditEvent.Action.LOGIN_FAILED, target=str(credentials.get("username", "")), request=request
    )


@receiver(user_logged_out, dispatch_uid="jingzhun_audit_logout")
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_event_record(user=user, action=AuditEvent.Action.LOGOUT, target=user.get_username(), request=request)


@receiver(user_locked_out, dispatch_uid="jingzhun_audit_lockout")
def _locked_out(sender: Any, request: HttpRequest | None, username: str, **kwargs: Any) -> None:
    audit_event_record(user=None, action=AuditEvent.Action.LOCKOUT, target=username or "", request=request)
