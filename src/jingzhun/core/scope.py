"""The one area-scope guard: which area codes a user may see and act on.

Area codes nest (a village's 12-digit code begins with its town's and county's significant digits), so a
user's scope is a code prefix: the prefix of the area the account is attached to. Every read of people data
and every write goes through these functions; nothing else looks at ``scope_prefix``.

- A user without an area (the three administrators, an account not yet placed) sees nothing: ``None``.
- Anonymous users see nothing.
- :data:`SYSTEM` is the actor of the command line and of batch jobs, which act on the whole database. It is
  never a default: a service that may run for the system takes it explicitly, so a view that forgets to pass
  its user is refused instead of being given every area.

Some roles see only some households of their area: a helper (帮扶责任人) its currently paired households.
Which ones is known only to a layer above the registry (the pairings live in ``assistance``), so that layer
registers it here (:func:`households_limit`, from its ``AppConfig.ready``), and the guard applies it:
:func:`scoped` with ``household=`` (the path to the household's id) for reads, :func:`household_in_scope`
for writes. A read that does not say which household its rows belong to shows such a user nothing, and a
role declared limited without a registered limit sees no household: a forgotten registration never widens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar

from django.db.models import F, Q

from .sql import CodeStartsWith

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


def account_of(actor: Any) -> Any:
    """The user account to record as having done something: ``None`` for :data:`SYSTEM` (the command line),
    for nobody and for an anonymous user, which have no account row."""
    return actor if getattr(actor, "pk", None) else None


def in_scope(user: object, area_code: str | None) -> bool:
    """Whether ``user`` may see and act on the area ``area_code`` (a village, town or county code)."""
    prefix = scope_prefix(user)
    return prefix is not None and bool(area_code) and str(area_code).startswith(prefix)


def scoped(
    queryset: QuerySet[M], user: object, code_field: str, *, household: str | None = None, indexed: bool = False
) -> QuerySet[M]:
    """``queryset`` restricted to rows whose ``code_field`` (an area code, e.g. ``village__code``) lies in the
    user's scope; empty for a user without one.

    ``household`` is the path from the rows to their household's id (``"pk"`` for households, ``"household"``
    for members and cases): for a role limited to some households (see :func:`households_limit`), only their
    rows remain; without it, none do.

    ``indexed``: the prefix spelled as a range that an index beginning with ``code_field`` serves
    (:class:`~jingzhun.core.sql.CodeStartsWith`), for a list read a page at a time in the order of such an index.
    Otherwise it is a ``LIKE``, which SQLite never reads an index for (case-insensitive by default), so its
    planner keeps to the query's other indexes.
    """
    prefix = scope_prefix(user)
    if prefix is None:
        return queryset.none()
    if prefix and indexed:
        queryset = queryset.filter(CodeStartsWith(F(code_field), prefix))
    elif prefix:
        queryset = queryset.filter(**{f"{code_field}__startswith": prefix})
    if _limited(user):
        ids = _limit_ids(user)
        if household is None or ids is None:
            return queryset.none()
        queryset = queryset.filter(**{f"{household}__in": ids})
    return queryset


# The lengths of an area code's significant prefix at each level (province, city, county, town, village).
_PREFIX_LENGTHS = (2, 4, 6, 9, 12)


def scoped_or_above(queryset: QuerySet[M], user: object, code_field: str) -> QuerySet[M]:
    """``queryset`` restricted to rows whose area lies in the user's scope *or contains it*: the county's and the
    town's own records (a county-level project) are seen, read-only, by the towns and villages they serve. For
    records that are not people data; people data stays with :func:`scoped`."""
    prefix = scope_prefix(user)
    if prefix is None:
        return queryset.none()
    if not prefix:
        return queryset
    above = [prefix[:n].ljust(12, "0") for n in _PREFIX_LENGTHS if n < len(prefix)]
    return queryset.filter(Q(**{f"{code_field}__startswith": prefix}) | Q(**{f"{code_field}__in": above}))


def household_in_scope(user: object, household: Any) -> bool:
    """Whether ``user`` may see and act on ``household`` (a ``registry.Household``): inside its area and, for a
    role limited to some households, one of them. For the write checks of services."""
    if not in_scope(user, household.village_id):
        return False
    if not _limited(user):
        return True
    ids = _limit_ids(user)
    # The household's own table, asked whether its id is among ``ids``: ``ids`` is a queryset of some other model
    # (the assistance app's pairings, ``values("household_id")``), whose own primary key means nothing here.
    return ids is not None and type(household)._default_manager.filter(pk=household.pk, pk__in=ids).exists()


# --- roles limited to some households of their area ------------------------------------------------------------

HouseholdIds = Callable[[Any], "QuerySet[Any]"]
_LIMITS: dict[str, HouseholdIds | None] = {}


def households_limit(role: str, household_ids: HouseholdIds | None = None) -> None:
    """Users of ``role`` see and act on only the households whose ids ``household_ids(user)`` returns (a
    queryset of household ids, used as a subquery), within their area.

    The app defining the role declares the limit (no function); the app that knows which households provides
    it. Until then the role sees no household, and a declaration never replaces a registered function.
    """
    if household_ids is not None or role not in _LIMITS:
        _LIMITS[role] = household_ids


def _limited(user: object) -> bool:
    return user is not SYSTEM and getattr(user, "role", None) in _LIMITS


def _limit_ids(user: object) -> QuerySet[Any] | None:
    ids = _LIMITS.get(getattr(user, "role", ""))
    return ids(user) if ids is not None else None


def covers(user: object, area_prefix: str) -> bool:
    """Whether the user's scope contains the whole area of ``area_prefix`` ("" is every area)."""
    prefix = scope_prefix(user)
    return prefix is not None and area_prefix.startswith(prefix)


def scope_key(user: Any) -> str:
    """A cache-key part that differs between scopes (``-`` for nothing); a user limited to some households
    has a scope of its own."""
    prefix = scope_prefix(user)
    key = "-" if prefix is None else prefix or "*"
    if prefix is not None and _limited(user):
        key += f"~u{getattr(user, 'pk', '')}"
    return key


def household_limited(user: object) -> bool:
    """Whether ``user``'s role sees only some households of its area (area-wide figures are not for it)."""
    return _limited(user)
