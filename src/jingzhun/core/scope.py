"""The one area-scope guard: which area codes a user may see and act on.

Area codes nest (a village's 12-digit code begins with its town's and county's significant digits), so a
user's scope is a code prefix: the prefix of the area the account is attached to. Every read of people data
and every write goes through these functions; nothing else looks at ``scope_prefix``.

- A user without an area (the three administrators, an account not yet placed) sees nothing: ``None``.
- Anonymous users see nothing.
- :data:`SYSTEM` is the actor of the command line and of batch jobs, which act on the whole database. It is
  never a default: a service that may run for the system takes it explicitly, so a view that forgets to pass
  its user is refused instead of being given every area.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

    M = TypeVar("M", bound=Model)


class Scoped(Protocol):
    """Anything with a scope: a user account (``accounts.User``) or :data:`SYSTEM`."""

    @property
    def scope_prefix(self) -> str | None: ...


class _System:
    """The command line and batch jobs: every area."""

    scope_prefix: Final = ""
    role: Final = "system"
    is_authenticated: Final = False  # never a logged-in user for Django's checks
    pk = None
    username = "system"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Final = _System()


def scope_prefix(user: object) -> str | None:
    """The area-code prefix of everything ``user`` may see or act on; ``None``: nothing.

    ``""`` (every area) only for :data:`SYSTEM`. ``user`` is a ``User``, an ``AnonymousUser``, ``SYSTEM`` or
    ``None`` (nobody: sees nothing).
    """
    if user is SYSTEM:
        return ""
    prefix = getattr(user, "scope_prefix", None)
    return prefix or None


def in_scope(user: object, area_code: str | None) -> bool:
    """Whether ``user`` may see and act on the area ``area_code`` (a village, town or county code)."""
    prefix = scope_prefix(user)
    return prefix is not None and bool(area_code) and str(area_code).startswith(prefix)


def scoped(queryset: QuerySet[M], user: object, code_field: str) -> QuerySet[M]:
    """``queryset`` restricted to rows whose ``code_field`` (an area code, e.g. ``village__code``) lies in the
    user's scope; empty for a user without one."""
    prefix = scope_prefix(user)
    if prefix is None:
        return queryset.none()
    if not prefix:
        return queryset
    return queryset.filter(**{f"{code_field}__startswith": prefix})


def covers(user: object, area_prefix: str) -> bool:
    """Whether the user's scope contains the whole area of ``area_prefix`` ("" is every area)."""
    prefix = scope_prefix(user)
    return prefix is not None and area_prefix.startswith(prefix)


def scope_key(user: Any) -> str:
    """A cache-key part that differs between scopes (``-`` for nothing)."""
    prefix = scope_prefix(user)
    return "-" if prefix is None else prefix or "*"
