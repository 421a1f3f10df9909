"""Writes for accounts: users, the three administrators' actions, the audit trail and the access log.

Every administrator action checks the acting user's capability here as well as in the view, so a
command or a future API route cannot skip it, and records an :class:`AuditEvent`.
"""

from __future__ import annotations

import datetime as dt
import getpass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.areas.models import Area

from .models import AccessLog, AuditEvent, Role, User
from .permissions import Capability, user_can
from .selectors import id_number_shown


@transaction.atomic
def user_ensure(
    *,
    username: str,
    role: Role,
    area: Area | None,
    display_name: str,
    password: str,
    must_change_password: bool = True,
) -> User:
    """Create the user, or reset an existing one to this role, area, display name and password.

    A password chosen by someone else must be changed at the first login, so ``must_change_password``
    is True by default. The demo passes False: its users share a documented password on purpose, for
    trying the software on one's own machine, and should go straight to the data.
    """
    user, created = User.objects.get_or_create(username=username)
    user.role = role
    user.area = area
    user.first_name = display_name
    user.is_active = True
    user.set_password(password)
    user.must_change_password = must_change_password
    user.save()
    audit_event_record(
        user=None,
        action=AuditEvent.Action.ACCOUNT_CREATED if created else AuditEvent.Action.ACCOUNT_CHANGED,
        target=username,
        detail={"role": role, "area": area.code if area else None, "via": "user_ensure"},
    )
    return user


def access_log_record(*, user: Any, action: str, target: str, detail: dict[str, Any] | None = None) -> AccessLog:
    """Record an export or unmasked view. ``user`` None means the command line (the OS user is kept)."""
    if user is not None and getattr(user, "pk", None):
        return AccessLog.objects.create(
            user=user, actor=user.get_username(), action=action, target=target, detail=detail or {}
        )
    return AccessLog.objects.create(actor=_cli_actor(), action=action, target=target, detail=detail or {})


def unmasked_view_record(*, user: Any, target: str, detail: dict[str, Any] | None = None) -> AccessLog | None:
    """Log that a page or API response showed ``user`` full ID numbers of ``target`` (e.g. ``household:<no>``).

    Call it once per response that went through :func:`~jingzhun.accounts.selectors.id_number_shown`;
    it records nothing (and returns None) when the user only saw masked numbers.
    """
    from .permissions import user_sees_id_numbers

    if not user_sees_id_numbers(user):
        return None
    return access_log_record(user=user, action=AccessLog.Action.UNMASK, target=target, detail=detail)


def id_number_reveal(*, user: Any, id_number: str | None, household_no: str) -> str:
    """The number as ``user`` may see it; a full number shown is logged as an unmasked view of the household.

    For a page that shows one member; a list shows many numbers through ``id_number_shown`` and calls
    ``unmasked_view_record`` once.
    """
    shown = id_number_shown(user=user, id_number=id_number)
    if id_number and shown == id_number:
        unmasked_view_record(user=user, target=f"household:{household_no}")
    return shown


def audit_event_record(
    *,
    user: Any,
    action: str,
    target: str = "",
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the audit trail. ``user`` is who acted; None means the command line or nobody known."""
    if user is not None and getattr(user, "pk", None):
        acting_user, actor = user, user.get_username()
    else:
        acting_user, actor = None, _cli_actor() if request is None else ""
    return AuditEvent.objects.create(
        user=acting_user,
        actor=actor,
        action=action,
        target=target[:150],
        ip_address=_client_ip(request),
        detail=detail or {},
    )


# --- the system administrator (系统管理员) --------------------------------------------------------------------


@transaction.atomic
def account_create(
    *, by: Any, username: str, display_name: str, area: Area | None, password: str, request: HttpRequest | None = None
) -> User:
    """Create an account with an initial password its owner must change, and no role until security assigns one."""
    _require(by, Capability.MANAGE_ACCOUNTS)
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("A user with that username already exists."))
    user = User(username=username, first_name=display_name, area=area, role=Role.NONE, must_change_password=True)
    user.set_password(password)
    user.save()
    audit_event_record(
        user=by,
        action=AuditEvent.Action.ACCOUNT_CREATED,
        target=username,
        request=request,
        detail={"area": area.code if area else None},
    )
    return user


@transaction.atomic
def account_change(
    *, by: Any, user: User, display_name: str, area: Area | None, request: HttpRequest | None = None
) -> User:
    """Set an account's display name and area scope."""
    _require(by, Capability.MANAGE_ACCOUNTS)
    _refuse_self(by, user)
    before = {"display_name": user.first_name, "area": user.area.code if user.area else None}
    user.first_name = display_name
    user.area = area
    user.save(update_fields=["first_name", "area"])
    after = {"display_name": user.first_name, "area": user.area.code if user.area else None}
    if before != after:
        audit_event_record(
            user=by,
            action=AuditEvent.Action.ACCOUNT_CHANGED,
            target=user.username,
            request=request,
            detail={"before": before, "after": after},
        )
    return user


@transaction.atomic
def account_password_reset(*, by: Any, user: User, password: str, request: HttpRequest | None = None) -> User:
    """Give an account a new initial password (a forgotten one); its owner must change it at the next login."""
    _require(by, Capability.MANAGE_ACCOUNTS)
    _refuse_self(by, user)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    audit_event_record(
        user=by,
        action=AuditEvent.Action.PASSWORD_CHANGED,
        target=user.username,
        request=request,
        detail={"by_administrator": True},
    )
    return user


@transaction.atomic
def account_active_set(*, by: Any, user: User, active: bool, request: HttpRequest | None = None) -> User:
    """Deactivate (or reactivate) an account. Accounts are never deleted: the audit trail points at them."""
    _require(by, Capability.MANAGE_ACCOUNTS)
    _refuse_self(by, user)
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_event_record(
            user=by,
            action=AuditEvent.Action.ACCOUNT_ACTIVATED if active else AuditEvent.Action.ACCOUNT_DEACTIVATED,
            target=user.username,
            request=request,
        )
    return user


# --- the security administrator (安全管理员) ------------------------------------------------------------------


@transaction.atomic
def account_role_set(
    *, by: Any, user: User, role: Role, may_see_id_numbers: bool, request: HttpRequest | None = None
) -> User:
    """Set an account's role and its right to see full ID numbers."""
    _require(by, Capability.MANAGE_SECURITY)
    _refuse_self(by, user)
    before = {"role": user.role, "may_see_id_numbers": user.may_see_id_numbers}
    user.role = role
    user.may_see_id_numbers = may_see_id_numbers
    user.save(update_fields=["role", "may_see_id_numbers"])
    after = {"role": user.role, "may_see_id_numbers": user.may_see_id_numbers}
    if before != after:
        audit_event_record(
            user=by,
            action=AuditEvent.Action.ROLE_CHANGED,
            target=user.username,
            request=request,
            detail={"before": before, "after": after},
        )
    return user


def account_unlock(*, by: Any, username: str, request: HttpRequest | None = None) -> int:
    """Clear the failed logins of ``username`` (django-axes), ending a lockout. Returns the attempts removed."""
    from axes.utils import reset

    _require(by, Capability.MANAGE_SECURITY)
    removed = reset(username=username)
    audit_event_record(
        user=by, action=AuditEvent.Action.UNLOCKED, target=username, request=request, detail={"attempts": removed}
    )
    return removed


# --- every user ---------------------------------------------------------------------------------------------


@transaction.atomic
def password_change(*, user: User, password: str, request: HttpRequest | None = None) -> User:
    """The user chose a new password (already validated): it is theirs now, and its age starts again."""
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    audit_event_record(user=user, action=AuditEvent.Action.PASSWORD_CHANGED, target=user.username, request=request)
    return user


# --- retention ---------------------------------------------------------------------------------------------


def audit_retention_cutoff(*, today: dt.date | None = None) -> dt.date:
    """The earliest day ``jingzhun audit purge --before`` accepts: entries younger than the retention are kept."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)


@transaction.atomic
def audit_purge(*, before: dt.date, today: dt.date | None = None) -> dict[str, int]:
    """Delete audit events and access log entries from before ``before`` (a local date).

    Refuses a date later than the retention allows (``AUDIT_RETENTION_DAYS``, at least 180 by 等保三级).
    The only deletion of the append-only tables; it is itself recorded in the audit trail.
    """
    cutoff = audit_retention_cutoff(today=today)
    if before > cutoff:
        raise ValidationError(
            _("Entries of the last %(days)d days are kept: the date must be %(cutoff)s or earlier.")
            % {"days": settings.AUDIT_RETENTION_DAYS, "cutoff": cutoff.isoformat()}
        )
    limit = dt.datetime.combine(before, dt.time.min, tzinfo=timezone.get_current_timezone())
    removed: dict[str, int] = {}
    # Plain SQL on purpose: the models' querysets refuse deletion so that nothing else in the app can delete.
    with connection.cursor() as cursor:
        for model in (AuditEvent, AccessLog):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE at < %s", [limit])  # noqa: S608 - table name from the model
            removed[model.__name__] = cursor.rowcount
    audit_event_record(user=None, action=AuditEvent.Action.PURGED, detail={"before": before.isoformat(), **removed})
    return removed


def _require(user: Any, capability: Capability) -> None:
    if not user_can(user, capability):
        raise PermissionDenied(capability)


def _refuse_self(by: Any, user: User) -> None:
    # An administrator who could change their own account could grant themselves another's job.
    if getattr(by, "pk", None) == user.pk:
        raise PermissionDenied(_("Administrators cannot change their own account."))


def _cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    # django-axes reads the address as configured for the proxy (AXES_IPWARE_*), so both logs agree.
    return getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
