"""View guards: logged in, then the role's capability (403 otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from .permissions import Capability, user_can

View = Callable[..., HttpResponseBase]  # pages and file downloads alike


def capability_required(capability: Capability) -> Callable[[View], View]:
    """Anonymous users go to the login page; logged-in users without ``capability`` get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not user_can(request.user, capability):
                raise PermissionDenied(capability)
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorator


def people_viewer(request: HttpRequest) -> None:
    """Refuse (403) a user whose role does not include people data."""
    if not user_can(request.user, Capability.VIEW_PEOPLE):
        raise PermissionDenied
