"""Account controls applied to every request: session timeouts, then a password that must be changed."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import AuditEvent
from .selectors import password_change_due
from .services import audit_event_record
from .sessions import session_expiry_reason

API_PREFIX = "/api/"


class SessionTimeoutMiddleware:
    """Logs out a session idle longer than ``SESSION_IDLE_TIMEOUT`` or older than ``SESSION_ABSOLUTE_TIMEOUT``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = session_expiry_reason(request)
            if reason:
                audit_event_record(
                    user=user,
                    action=AuditEvent.Action.SESSION_EXPIRED,
                    target=user.get_username(),
                    request=request,
                    detail={"reason": reason},
                )
                logout(request)
                if request.path.startswith(API_PREFIX):
                    return JsonResponse({"detail": _("Your session has expired. Please log in again.")}, status=401)
                messages.info(request, _("Your session has expired. Please log in again."))
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """Sends a user whose password is an initial one, or has expired, to change it before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and password_change_due(user=user):
            allowed = {reverse("accounts:password_change"), reverse("accounts:logout")}
            if request.path not in allowed:
                if request.path.startswith(API_PREFIX):
                    return JsonResponse({"detail": _("You must change your password first.")}, status=403)
                return redirect("accounts:password_change")
        return self.get_response(request)
