"""Writes for accounts: users, the three administrators' actions, the audit trail and the access log.

Every administrator action checks the acting user's capability here as well as in the view, so a
command or a future API route cannot skip it, and records an :class:`AuditEvent`.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from jingzhun.areas.models import Area

from .models import AccessLog, AccountChangeRequest, ApiToken, AuditEvent, Role, User
from .permissions import ADMINISTRATORS, Capability, is_administrator, role_grants_more, user_can, user_sees_id_numbers
from .selectors import account_change_refusal, id_number_search_misses, id_number_shown
from .validators import password_history_remember


@dataclass(frozen=True)
class EnsuredAccount:
    """One account for :func:`users_ensure`."""

    username: str
    role: Role
    area: Area | None
    display_name: str
    department: str = ""  # a department clerk's department (User.department)


@transaction.atomic
def users_ensure(
    *, accounts: Sequence[EnsuredAccount], password: str, must_change_password: bool = True
) -> list[User | ValidationError]:
    """Create the users, or reset existing ones to this role, area, display name and password; for each, the
    user or the refusal.

    A password chosen by someone else must be changed at the first login, so ``must_change_password``
    is True by default. The demo passes False: its users share a documented password on purpose, for
    trying the software on one's own machine, and should go straight to the data.

    An account that already is all of this is left alone (no write, no audit entry), so running the demo again
    changes nothing. An administrator role (三员分立) is given only while no other active account holds it,
    as ``account_bootstrap`` does: otherwise the separation would have two holders nobody approved. The
    password is hashed (or checked) once for all the accounts: the hash is deliberately slow.
    """
    existing = {user.username: user for user in User.objects.filter(username__in=[a.username for a in accounts])}
    hashes = {user.password for user in existing.values()}
    verified = {stored for stored in hashes if check_password(password, stored)}
    hashed = next(iter(verified), None) or make_password(password)
    outcome: list[User | ValidationError] = []
    for account in accounts:
        user = existing.get(account.username)
        if (
            user is not None
            and user.role == account.role
            and user.area_id == (account.area.pk if account.area else None)
            and user.first_name == account.display_name
            and user.department == account.department
            and user.is_active
            and user.must_change_password == must_change_password
            and user.password in verified
        ):
            outcome.append(user)
            continue
        if account.role in ADMINISTRATORS:
            holder = (
                User.objects.filter(role=account.role, is_active=True)
                .exclude(username=account.username)
                .order_by("username")
                .first()
            )
            if holder is not None:
                outcome.append(
                    ValidationError(
                        f"已有在用的{Role(account.role).label}（{holder.username}）；"
                        "新增或更换须在网页上申请并经另一名管理员批准。"
                    )
                )
                continue
        created = user is None
        user = user or User(username=account.username)
        user.role = account.role
        user.area = account.area
        user.first_name = account.display_name
        user.department = account.department
        user.is_active = True
        user.password = hashed
        user.password_changed_at = timezone.now()
        user.must_change_password = must_change_password
        user.save()
        audit_event_record(
            user=None,
            action=AuditEvent.Action.ACCOUNT_CREATED if created else AuditEvent.Action.ACCOUNT_CHANGED,
            target=account.username,
            detail={
                "role": account.role,
                "area": account.area.code if account.area else None,
                "department": account.department,
                "via": "user_ensure",
            },
        )
        outcome.append(user)
    return outcome


def user_ensure(
    *,
    username: str,
    role: Role,
    area: Area | None,
    display_name: str,
    password: str,
    must_change_password: bool = True,
) -> User:
    """:func:`users_ensure` for one account; raises its refusal (``ValidationError``)."""
    (result,) = users_ensure(
        accounts=[EnsuredAccount(username, role, area, display_name)],
        password=password,
        must_change_password=must_change_password,
    )
    if isinstance(result, ValidationError):
        raise result
    return result


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


ID_NUMBER_SEARCH_WINDOW = dt.timedelta(hours=1)


class IdNumberSearchRefused(Exception):
    """Too many of the user's full-ID-number searches found nobody within the hour; ``str()`` is for the user."""

    def __init__(self, *, retry_after: int) -> None:
        self.retry_after = retry_after  # seconds until a search is allowed again
        super().__init__(
            _(
                "In the past hour %(limit)s searches by a full ID number found nobody. Searching by full ID "
                "number is paused for about %(minutes)s minutes; you can still search by name, household number "
                "or the last four characters. This has been recorded."
            )
            % {"limit": settings.ID_NUMBER_SEARCH_MISSES_PER_HOUR, "minutes": max(1, math.ceil(retry_after / 60))}
        )


def id_number_search_key(number: str) -> str:
    """What the access log keeps of a searched ID number: a hash keyed with ``SECRET_KEY``.

    The same number gives the same key, so repeated searches for one number, or one number searched by two
    users, show; but the log's readers, who have no ``SECRET_KEY``, cannot turn it back into the number, and
    the log of someone's guesses is not a list of candidate numbers for whoever reads it. The server's
    operator, who has the key, can check whether a given number was searched. Changing ``SECRET_KEY`` changes
    the keys of later searches.
    """
    return salted_hmac("jingzhun.id-number-search", number, algorithm="sha256").hexdigest()[:16]


def id_number_search_record(*, user: Any, number: str, found: bool, target: str) -> None:
    """Log a search of people data by the full ID number ``number`` (``found``: whether it matched someone).

    A user without the right to see full numbers learns from the answer whether a guess of a masked number is
    right, so after ``ID_NUMBER_SEARCH_MISSES_PER_HOUR`` searches that found nobody within the hour the next
    is refused (:class:`IdNumberSearchRefused`) whatever it would find, and the refusal is logged for the
    security administrator. A user with the right is logged but not limited: such a user may see every number
    in scope anyway, and looking people up by the number on their ID card is everyday work.
    """
    detail: dict[str, Any] = {"number_key": id_number_search_key(number)}
    found_or_not = AccessLog.Action.ID_SEARCH_FOUND if found else AccessLog.Action.ID_SEARCH_MISS
    if user_sees_id_numbers(user):
        access_log_record(user=user, action=found_or_not, target=target, detail=detail)
        return
    limit = settings.ID_NUMBER_SEARCH_MISSES_PER_HOUR
    refused_for: int | None = None
    with transaction.atomic():
        now = timezone.now()
        # Concurrent searches of one user count and log one after the other (a lock on the user's row in
        # PostgreSQL; SQLite's IMMEDIATE transactions already run one at a time), so that a burst of parallel
        # requests cannot all pass the count before any of them is logged.
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        misses = id_number_search_misses(user=user, since=now - ID_NUMBER_SEARCH_WINDOW)
        if len(misses) >= limit:
            # Allowed again once fewer than ``limit`` misses are left within the hour.
            refused_for = max(1, math.ceil((misses[-limit] + ID_NUMBER_SEARCH_WINDOW - now).total_seconds()))
            detail["misses"] = len(misses)
            access_log_record(user=user, action=AccessLog.Action.ID_SEARCH_REFUSED, target=target, detail=detail)
        else:
            access_log_record(user=user, action=found_or_not, target=target, detail=detail)
    if refused_for is not None:
        # Raised after the transaction, which keeps the refusal in the log.
        raise IdNumberSearchRefused(retry_after=refused_for)


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
#
# Who may do what to whom (三员分立; the same table is in docs/账号与安全.md):
#
#   action                   ordinary account            administrator account (or becoming one)
#   create                   system admin (no role)      -- (an administrator is an account given the role)
#   name and area            system admin                system admin files, another approves
#   deactivate / activate    system admin                system admin files, another approves
#   role, ID-number right    security admin              security admin files, another approves
#   password reset           system admin                security admin files, another approves
#   unlock                   security admin              security admin files, another approves
#   own account              nobody (own password only)  nobody (own password only)
#
# "Another" is an active administrator of a role other than the requester's, and not the account concerned.
# The system administrator never resets an administrator's password: knowing it, they could log in as that
# administrator and do that job too (the takeover this table exists to prevent).


@transaction.atomic
def account_create(
    *,
    by: Any,
    username: str,
    display_name: str,
    area: Area | None,
    password: str,
    department: str = "",
    request: HttpRequest | None = None,
) -> User:
    """Create an account with an initial password its owner must change, and no role until security assigns one."""
    _require(by, Capability.MANAGE_ACCOUNTS)
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("A user with that username already exists."))
    user = User(
        username=username,
        first_name=display_name,
        area=area,
        department=department,
        role=Role.NONE,
        must_change_password=True,
    )
    user.set_password(password)
    user.save()
    audit_event_record(
        user=by,
        action=AuditEvent.Action.ACCOUNT_CREATED,
        target=username,
        request=request,
        detail={"area": area.code if area else None, **({"department": department} if department else {})},
    )
    return user


def account_change(
    *,
    by: Any,
    user: User,
    display_name: str,
    area: Area | None,
    department: str | None = None,
    request: HttpRequest | None = None,
) -> AccountChangeRequest | None:
    """Set an account's display name, area scope and (a department clerk's) department; ``department=None``
    leaves the department as it is.

    Done at once for an ordinary account; for an administrator account only filed as a request for a second
    administrator's approval, which is returned (None when the change was made, or changed nothing).
    """
    _require(by, Capability.MANAGE_ACCOUNTS)
    _refuse_self(by, user, attempted="account_change", request=request)
    department = user.department if department is None else department
    after = {"display_name": display_name, "area": area.code if area else None}
    if department:
        after["department"] = department
    if after == _profile(user):
        return None
    if is_administrator(user):
        return _request_file(by=by, target=user, kind=AccountChangeRequest.Kind.PROFILE, change=after, request=request)
    with transaction.atomic():
        _profile_apply(user, display_name=display_name, area=area, department=department, actor=by, request=request)
    return None


def account_password_reset(*, by: Any, user: User, password: str, request: HttpRequest | None = None) -> User:
    """Give an ordinary account a new initial password (a forgotten one); its owner must change it at the next login.

    Refused for an administrator account: that reset is the security administrator's, with approval
    (:func:`account_password_reset_request`).
    """
    account_password_reset_check(by=by, user=user, request=request)
    with transaction.atomic():
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


def account_password_reset_check(*, by: Any, user: User, request: HttpRequest | None = None) -> None:
    """Refuse (audited, ``PermissionDenied``) a reset ``by`` may not do: their own, or an administrator's."""
    _require(by, Capability.MANAGE_ACCOUNTS)
    _refuse_self(by, user, attempted="password_reset", request=request)
    if is_administrator(user):
        _refused(
            by=by,
            target=user.username,
            attempted="password_reset",
            reason=_(
                "The password of an administrator account is reset by the security administrator, "
                "with a second administrator's approval."
            ),
            request=request,
        )


def account_active_set(
    *, by: Any, user: User, active: bool, request: HttpRequest | None = None
) -> AccountChangeRequest | None:
    """Deactivate (or reactivate) an account. Accounts are never deleted: the audit trail points at them.

    An administrator account is only filed as a request for approval, which is returned.
    """
    _require(by, Capability.MANAGE_ACCOUNTS)
    _refuse_self(by, user, attempted="account_active", request=request)
    if user.is_active == active:
        return None
    if is_administrator(user):
        change = {"active": active}
        return _request_file(by=by, target=user, kind=AccountChangeRequest.Kind.ACTIVE, change=change, request=request)
    with transaction.atomic():
        _active_apply(user, active=active, actor=by, request=request)
    return None


# --- the security administrator (安全管理员) ------------------------------------------------------------------


def account_role_set(
    *, by: Any, user: User, role: Role, may_see_id_numbers: bool, request: HttpRequest | None = None
) -> AccountChangeRequest | None:
    """Set an account's role and its right to see full ID numbers.

    Nothing is granted to an account whose owner has not yet chosen their own password (``ValidationError``):
    whoever set the initial password could log in first and use it. Withdrawing rights is always possible.
    A change of an administrator account, or one that gives an administrator role, is only filed as a request
    for approval, which is returned.
    """
    _require(by, Capability.MANAGE_SECURITY)
    _refuse_self(by, user, attempted="role_change", request=request)
    after = {"role": str(role), "may_see_id_numbers": may_see_id_numbers}
    if after == _role_of(user):
        return None
    _refuse_grant_on_initial_password(user, role=role, may_see_id_numbers=may_see_id_numbers)
    if is_administrator(user) or role in ADMINISTRATORS:
        return _request_file(by=by, target=user, kind=AccountChangeRequest.Kind.ROLE, change=after, request=request)
    with transaction.atomic():
        _role_apply(user, role=role, may_see_id_numbers=may_see_id_numbers, actor=by, request=request)
    return None


def account_password_reset_request(
    *, by: Any, user: User, password: str, request: HttpRequest | None = None
) -> AccountChangeRequest:
    """Ask for a new initial password of an administrator account (already validated against the policy).

    Only the password's hash is kept in the request; it becomes the account's password when another
    administrator approves, and the owner must change it at the next login. Ordinary accounts' passwords
    are the system administrator's (:func:`account_password_reset`).
    """
    account_password_reset_request_check(by=by, user=user, request=request)
    return _request_file(
        by=by,
        target=user,
        kind=AccountChangeRequest.Kind.PASSWORD,
        change={},
        password=make_password(password),
        request=request,
    )


def account_password_reset_request_check(*, by: Any, user: User, request: HttpRequest | None = None) -> None:
    """Refuse (audited, ``PermissionDenied``) a reset request ``by`` may not file: their own, or an ordinary account's."""
    _require(by, Capability.MANAGE_SECURITY)
    _refuse_self(by, user, attempted="password_reset", request=request)
    if not is_administrator(user):
        _refused(
            by=by,
            target=user.username,
            attempted="password_reset",
            reason=_("The system administrator resets the passwords of other accounts."),
            request=request,
        )


def account_unlock(*, by: Any, username: str, request: HttpRequest | None = None) -> AccountChangeRequest | int:
    """Clear the failed logins of ``username`` (django-axes), ending a lockout. Returns the attempts removed.

    For an administrator account only a request for approval is filed (and returned): unlocking at will would
    let one administrator keep guessing another's password past the lockout.
    """
    from axes.utils import reset

    _require(by, Capability.MANAGE_SECURITY)
    account = User.objects.filter(username=username).first()
    if account is not None and is_administrator(account):
        _refuse_self(by, account, attempted="unlock", request=request)
        return _request_file(by=by, target=account, kind=AccountChangeRequest.Kind.UNLOCK, change={}, request=request)
    removed = reset(username=username)
    audit_event_record(
        user=by, action=AuditEvent.Action.UNLOCKED, target=username, request=request, detail={"attempts": removed}
    )
    return removed


# --- approvals: a second administrator for changes to administrator accounts ---------------------------------


def account_change_decide(
    *, by: Any, change_request: AccountChangeRequest, decision: str, request: HttpRequest | None = None
) -> AccountChangeRequest:
    """Approve (and carry out) or refuse another administrator's request, or withdraw one's own.

    ``decision`` is ``"approve"``, ``"refuse"`` or ``"withdraw"``. Who may decide is
    :func:`~jingzhun.accounts.selectors.account_change_refusal`'s rule; anyone else is refused and audited.
    A request no longer open (decided, replaced, expired) raises ``ValidationError``.
    """
    _require(by, Capability.APPROVE_ACCOUNT_CHANGES)
    if decision not in _DECISIONS:
        raise ValidationError(_("Unknown decision."))
    reason = account_change_refusal(user=by, change_request=change_request, decision=decision)
    if reason:
        _refused(by=by, target=change_request.target.username, attempted=decision, reason=reason, request=request)
    with transaction.atomic():
        locked = AccountChangeRequest.objects.select_for_update().get(pk=change_request.pk)
        if not locked.is_open():
            raise ValidationError(_("This request is no longer open: it was decided, replaced or has expired."))
        status, action = _DECISIONS[decision]
        target = User.objects.select_for_update().get(pk=locked.target_id)
        audit_event_record(
            user=by,
            action=action,
            target=target.username,
            request=request,
            detail={"request": locked.pk, "kind": locked.kind, "requested_by": locked.requested_by.username},
        )
        if decision == "approve":
            _change_apply(locked, target=target, approver=by)
        locked.status = status
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.password = ""
        locked.save(update_fields=["status", "decided_by", "decided_at", "password"])
    return locked


_DECISIONS: dict[str, tuple[str, str]] = {
    "approve": (AccountChangeRequest.Status.APPROVED, AuditEvent.Action.CHANGE_APPROVED),
    "refuse": (AccountChangeRequest.Status.REFUSED, AuditEvent.Action.CHANGE_REFUSED),
    "withdraw": (AccountChangeRequest.Status.WITHDRAWN, AuditEvent.Action.CHANGE_WITHDRAWN),
}


def _request_file(
    *,
    by: Any,
    target: User,
    kind: str,
    change: dict[str, Any],
    password: str = "",
    request: HttpRequest | None = None,
) -> AccountChangeRequest:
    """File a change for approval; it replaces the same kind of request still pending for the account."""
    with transaction.atomic():
        now = timezone.now()
        replaced = AccountChangeRequest.objects.select_for_update().filter(
            target=target, kind=kind, status=AccountChangeRequest.Status.PENDING
        )
        for old in replaced:
            old.status, old.decided_by, old.decided_at, old.password = (
                AccountChangeRequest.Status.WITHDRAWN,
                by,
                now,
                "",
            )
            old.save(update_fields=["status", "decided_by", "decided_at", "password"])
            audit_event_record(
                user=by,
                action=AuditEvent.Action.CHANGE_WITHDRAWN,
                target=target.username,
                request=request,
                detail={"request": old.pk, "kind": kind, "replaced": True},
            )
        filed = AccountChangeRequest.objects.create(
            requested_by=by, target=target, kind=kind, change=change, password=password
        )
        audit_event_record(
            user=by,
            action=AuditEvent.Action.CHANGE_REQUESTED,
            target=target.username,
            request=request,
            detail={"request": filed.pk, "kind": kind, "change": change},
        )
    return filed


def _change_apply(change_request: AccountChangeRequest, *, target: User, approver: Any) -> None:
    """Carry out an approved request; the change is recorded as the requester's, approved by ``approver``."""
    actor = change_request.requested_by
    detail = {"request": change_request.pk, "approved_by": approver.get_username()}
    change = change_request.change
    kind = change_request.kind
    if kind == AccountChangeRequest.Kind.PROFILE:
        area = Area.objects.filter(code=change["area"]).first() if change["area"] else None
        if change["area"] and area is None:
            raise ValidationError(_("No area has the code %(code)s.") % {"code": change["area"]})
        _profile_apply(
            target,
            display_name=change["display_name"],
            area=area,
            department=change.get("department", ""),
            actor=actor,
            detail=detail,
        )
    elif kind == AccountChangeRequest.Kind.ACTIVE:
        _active_apply(target, active=change["active"], actor=actor, detail=detail)
    elif kind == AccountChangeRequest.Kind.ROLE:
        role, may_see = Role(change["role"]), bool(change["may_see_id_numbers"])
        _refuse_grant_on_initial_password(target, role=role, may_see_id_numbers=may_see)
        _role_apply(target, role=role, may_see_id_numbers=may_see, actor=actor, detail=detail)
    elif kind == AccountChangeRequest.Kind.PASSWORD:
        target.password = change_request.password
        target.password_changed_at = timezone.now()
        target.must_change_password = True
        target.save(update_fields=["password", "password_changed_at", "must_change_password"])
        password_history_remember(user=target)
        audit_event_record(
            user=actor,
            action=AuditEvent.Action.PASSWORD_CHANGED,
            target=target.username,
            detail={"by_administrator": True, **detail},
        )
    elif kind == AccountChangeRequest.Kind.UNLOCK:
        from axes.utils import reset

        removed = reset(username=target.username)
        audit_event_record(
            user=actor,
            action=AuditEvent.Action.UNLOCKED,
            target=target.username,
            detail={"attempts": removed, **detail},
        )
    else:  # pragma: no cover - the kinds are a closed set
        raise ValueError(kind)


def _profile(user: User) -> dict[str, Any]:
    """An account's profile as the audit trail records it; the department only where one is set."""
    profile = {"display_name": user.first_name, "area": user.area.code if user.area else None}
    if user.department:
        profile["department"] = user.department
    return profile


def _role_of(user: User) -> dict[str, Any]:
    return {"role": str(user.role), "may_see_id_numbers": user.may_see_id_numbers}


def _profile_apply(
    user: User,
    *,
    display_name: str,
    area: Area | None,
    actor: Any,
    department: str = "",
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    before = _profile(user)
    user.first_name = display_name
    user.area = area
    user.department = department
    user.save(update_fields=["first_name", "area", "department"])
    audit_event_record(
        user=actor,
        action=AuditEvent.Action.ACCOUNT_CHANGED,
        target=user.username,
        request=request,
        detail={"before": before, "after": _profile(user), **(detail or {})},
    )


def _active_apply(
    user: User, *, active: bool, actor: Any, request: HttpRequest | None = None, detail: dict[str, Any] | None = None
) -> None:
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_event_record(
        user=actor,
        action=AuditEvent.Action.ACCOUNT_ACTIVATED if active else AuditEvent.Action.ACCOUNT_DEACTIVATED,
        target=user.username,
        request=request,
        detail=detail,
    )


def _role_apply(
    user: User,
    *,
    role: Role,
    may_see_id_numbers: bool,
    actor: Any,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    before = _role_of(user)
    user.role = role
    user.may_see_id_numbers = may_see_id_numbers
    user.save(update_fields=["role", "may_see_id_numbers"])
    audit_event_record(
        user=actor,
        action=AuditEvent.Action.ROLE_CHANGED,
        target=user.username,
        request=request,
        detail={"before": before, "after": _role_of(user), **(detail or {})},
    )


def _refuse_grant_on_initial_password(user: User, *, role: Role, may_see_id_numbers: bool) -> None:
    grants = role_grants_more(
        role=user.role,
        may_see_id_numbers=user.may_see_id_numbers,
        new_role=role,
        new_may_see_id_numbers=may_see_id_numbers,
    )
    if grants and user.must_change_password:
        raise ValidationError(
            _(
                "%(username)s still has an initial password chosen by an administrator: rights are given only "
                "after its owner has logged in and chosen their own password."
            )
            % {"username": user.username}
        )


# --- the command line: the first administrators ---------------------------------------------------------------


@transaction.atomic
def account_bootstrap(*, username: str, role: Role, display_name: str, password: str) -> User:
    """Create an administrator from the server's command line (``jingzhun account create``).

    The only way to the first administrators, and back to one that was lost: it creates an account of an
    administrator role only while no active account holds that role, never another role, and never touches an
    existing account. Anything else goes through the web pages and their approvals. The password must be
    changed at the first login; the creation is audited with the operating-system user.
    """
    if role not in ADMINISTRATORS:
        raise ValidationError(
            "命令行只创建系统管理员、安全管理员和审计管理员；其他账号由系统管理员在网页上新建、安全管理员分配角色。"
        )
    if User.objects.filter(username=username).exists():
        raise ValidationError(f"账号 {username} 已存在；命令行不修改已有账号。")
    holder = User.objects.filter(role=role, is_active=True).order_by("username").first()
    if holder is not None:
        raise ValidationError(
            f"已有在用的{Role(role).label}（{holder.username}）；新增或更换须在网页上申请并经另一名管理员批准。"
        )
    user = User(username=username, first_name=display_name, role=role, must_change_password=True)
    user.set_password(password)
    user.save()
    audit_event_record(
        user=None, action=AuditEvent.Action.ACCOUNT_CREATED, target=username, detail={"role": role, "via": "cli"}
    )
    return user


# --- API tokens (接口令牌) -------------------------------------------------------------------------------------

API_TOKEN_PREFIX = "jz_"  # noqa: S105 - the marker every token starts with, not a secret
API_TOKEN_MAX_DAYS = 365


class TokenRefused(Exception):
    """A request's API token is unknown, revoked, expired, or its account deactivated; the text says which."""


@transaction.atomic
def api_token_issue(
    *,
    by: Any,
    user: User,
    name: str,
    days: int,
    may_see_id_numbers: bool = False,
    request: HttpRequest | None = None,
) -> ApiToken:
    """The security administrator issues a token for ``user``, valid ``days`` days; the user collects it.

    Only for an active account whose role may use the API (view people data), and with full ID numbers only if
    the account itself may see them: a token never gives more than its user has. The secret does not exist yet
    (see :func:`api_token_collect`), so the administrator never sees it.
    """
    _require(by, Capability.MANAGE_SECURITY)
    _refuse_self(by, user, attempted="token_issue", request=request)
    _token_allowed(user=user, days=days, may_see_id_numbers=may_see_id_numbers)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        may_see_id_numbers=may_see_id_numbers,
        issued_by=by,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit_event_record(
        user=by,
        action=AuditEvent.Action.TOKEN_ISSUED,
        target=user.username,
        request=request,
        detail=_token_detail(token),
    )
    return token


@transaction.atomic
def api_token_collect(*, user: User, token: ApiToken, request: HttpRequest | None = None) -> str:
    """Make the secret of an issued token, for its own user, once; returns it (only its SHA-256 is kept)."""
    if token.user_id != user.pk:
        raise PermissionDenied(_("This token is not yours."))
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    # One conditional update, so that two clicks cannot both collect (and the second secret silently replace
    # the first in the script that got it).
    collected = ApiToken.objects.filter(
        pk=token.pk, digest__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).update(digest=_token_digest(secret), prefix=secret[:10], collected_at=timezone.now())
    if not collected:
        raise ValidationError(
            _(
                "This token was already collected, or is revoked or expired; ask the security administrator for a new one."
            )
        )
    token.refresh_from_db()
    audit_event_record(
        user=user,
        action=AuditEvent.Action.TOKEN_COLLECTED,
        target=user.username,
        request=request,
        detail=_token_detail(token),
    )
    return secret


@transaction.atomic
def api_token_revoke(*, by: Any, token: ApiToken, request: HttpRequest | None = None) -> ApiToken:
    """Revoke a token at once: by the security administrator, by its own user (a leaked secret), or from the
    command line (``by`` None)."""
    if by is not None and getattr(by, "pk", None) != token.user_id:
        _require(by, Capability.MANAGE_SECURITY)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit_event_record(
            user=by,
            action=AuditEvent.Action.TOKEN_REVOKED,
            target=token.user.username,
            request=request,
            detail=_token_detail(token),
        )
    return token


def api_token_authenticate(*, secret: str, request: HttpRequest | None = None) -> ApiToken:
    """The token a request presents, checked; each use is written to the access log, each refusal to the audit
    trail (with the secret's prefix only). Raises :class:`TokenRefused` with the reason in Chinese."""
    token = (
        ApiToken.objects.select_related("user", "user__area").filter(digest=_token_digest(secret)).first()
        if secret.startswith(API_TOKEN_PREFIX)
        else None
    )
    now = timezone.now()
    if token is None:
        reason, text = "unknown", _("Invalid token.")
    elif token.revoked_at is not None:
        reason, text = "revoked", _("This token has been revoked.")
    elif now >= token.expires_at:
        reason, text = (
            "expired",
            _("This token expired on %(when)s.") % {"when": f"{timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}"},
        )
    elif not token.user.is_active:
        reason, text = "inactive", _("The account of this token is deactivated.")
    else:
        reason = text = ""
    if token is None or reason:
        detail: dict[str, Any] = {"reason": reason, "path": request.path if request else ""}
        if token is not None:
            detail.update(_token_detail(token))
        elif secret.startswith(API_TOKEN_PREFIX):
            detail["prefix"] = secret[:10]
        audit_event_record(
            user=None,
            action=AuditEvent.Action.TOKEN_REFUSED,
            target=token.user.username if token else "",
            request=request,
            detail=detail,
        )
        raise TokenRefused(text)
    ip = _client_ip(request)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
    token.last_used_at, token.last_used_ip = now, ip
    target = f"{request.method} {request.path}" if request else ""
    access_log_record(
        user=token.user,
        action=AccessLog.Action.API,
        target=target[:500],
        detail={"token": token.pk, "token_name": token.name, "ip": ip},
    )
    return token


def _token_allowed(*, user: User, days: int, may_see_id_numbers: bool) -> None:
    if not user.is_active:
        raise ValidationError(_("The account is deactivated: no token can be issued for it."))
    if not user_can(user, Capability.VIEW_PEOPLE):
        raise ValidationError(_("The account's role cannot use the API: no token can be issued for it."))
    if user.must_change_password:
        raise ValidationError(
            _(
                "%(username)s still has an initial password chosen by an administrator: rights are given only "
                "after its owner has logged in and chosen their own password."
            )
            % {"username": user.username}
        )
    if may_see_id_numbers and not user.may_see_id_numbers:
        raise ValidationError(_("The account may not see full ID numbers itself, so neither may a token of it."))
    if not 1 <= days <= API_TOKEN_MAX_DAYS:
        raise ValidationError(_("A token is valid for 1 to %(days)d days.") % {"days": API_TOKEN_MAX_DAYS})


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _token_detail(token: ApiToken) -> dict[str, Any]:
    return {
        "token": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "expires_at": token.expires_at.isoformat(),
        "may_see_id_numbers": token.may_see_id_numbers,
    }


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


def _refuse_self(by: Any, user: User, *, attempted: str, request: HttpRequest | None) -> None:
    # An administrator who could change their own account could grant themselves another's job.
    if getattr(by, "pk", None) == user.pk:
        reason = _("Administrators cannot change their own account.")
        _refused(by=by, target=user.username, attempted=attempted, reason=reason, request=request)


def _refused(*, by: Any, target: str, attempted: str, reason: str, request: HttpRequest | None) -> NoReturn:
    """Record an attempt the separation of the administrators refuses, then refuse it (403).

    Called before any transaction of the action, so that the entry stays although the action is refused.
    """
    audit_event_record(
        user=by,
        action=AuditEvent.Action.REFUSED,
        target=target,
        request=request,
        detail={"attempted": attempted, "reason": str(reason)},
    )
    raise PermissionDenied(reason)


def _cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    # django-axes reads the address as configured for the proxy (AXES_IPWARE_*), so both logs agree.
    return getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
