"""Reads for accounts: ID numbers as a user may see them, password state, accounts, lockouts and the logs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from jingzhun.core.idnumber import mask

from .models import AccessLog, AccountChangeRequest, ApiToken, AuditEvent, User
from .permissions import Capability, user_can, user_sees_id_numbers


def id_number_shown(*, user: Any, id_number: str | None) -> str:
    """The full number if ``user`` may see full ID numbers, else the masked one (first 6 and last 4).

    Showing a full number must be logged: call ``services.unmasked_view_record`` once per response
    (or use ``services.id_number_reveal`` for a single number).
    """
    if not id_number:
        return ""
    return id_number if user_sees_id_numbers(user) else mask(id_number)


def password_expired(*, user: Any, now: dt.datetime | None = None) -> bool:
    """Whether the password is older than ``PASSWORD_MAX_AGE_DAYS`` (0 or None: passwords never expire)."""
    max_age = getattr(settings, "PASSWORD_MAX_AGE_DAYS", None)
    changed_at = getattr(user, "password_changed_at", None)
    if not max_age or changed_at is None:
        return False
    return (now or timezone.now()) - changed_at > dt.timedelta(days=max_age)


def password_change_due(*, user: Any) -> str | None:
    """Why the user must change their password before anything else: ``"initial"``, ``"expired"`` or None."""
    if getattr(user, "must_change_password", False):
        return "initial"
    if password_expired(user=user):
        return "expired"
    return None


def accounts_list(*, search: str = "") -> QuerySet[User]:
    """Every account, for the system and security administrators (no people data, only the accounts)."""
    accounts = User.objects.select_related("area").order_by("username")
    if search:
        accounts = accounts.filter(Q(username__icontains=search) | Q(first_name__icontains=search))
    return accounts


# The capability the requester must still hold for their request to be carried out.
_REQUESTER_CAPABILITY: dict[str, Capability] = {
    AccountChangeRequest.Kind.PROFILE: Capability.MANAGE_ACCOUNTS,
    AccountChangeRequest.Kind.ACTIVE: Capability.MANAGE_ACCOUNTS,
    AccountChangeRequest.Kind.ROLE: Capability.MANAGE_SECURITY,
    AccountChangeRequest.Kind.PASSWORD: Capability.MANAGE_SECURITY,
    AccountChangeRequest.Kind.UNLOCK: Capability.MANAGE_SECURITY,
}


def account_change_refusal(*, user: Any, change_request: AccountChangeRequest, decision: str) -> str | None:
    """Why ``user`` may not take ``decision`` on the request (None if they may), in the user's language.

    Approving or refusing takes an active administrator of a role other than the requester's who is not the
    account concerned (三员分立: no administrator decides alone, or about themselves). Only the requester
    withdraws. A request whose requester no longer holds the job it needs cannot be approved.
    """
    from django.utils.translation import gettext as _

    if not user_can(user, Capability.APPROVE_ACCOUNT_CHANGES):
        return _("Only an administrator decides on requests.")
    requester = change_request.requested_by
    if decision == "withdraw":
        return None if user.pk == requester.pk else _("Only the administrator who asked withdraws a request.")
    if user.pk == requester.pk:
        return _("An administrator does not decide on their own request.")
    if user.pk == change_request.target_id:
        return _("An administrator does not decide on a change to their own account.")
    if user.role == requester.role:
        return _("The request needs an administrator of another role than the one who asked.")
    if decision == "approve" and not user_can(requester, _REQUESTER_CAPABILITY[change_request.kind]):
        return _("The administrator who asked no longer holds that job: the request cannot be carried out.")
    return None


def account_change_requests_open(*, now: dt.datetime | None = None) -> QuerySet[AccountChangeRequest]:
    """Requests waiting for a decision and not yet expired, oldest first."""
    since = (now or timezone.now()) - AccountChangeRequest.VALID_FOR
    return (
        AccountChangeRequest.objects.filter(status=AccountChangeRequest.Status.PENDING, requested_at__gt=since)
        .select_related("requested_by", "target")
        .order_by("requested_at", "pk")
    )


def account_change_requests_recent(*, limit: int = 50) -> list[AccountChangeRequest]:
    """The latest requests that are no longer open (decided, replaced or expired), newest first."""
    since = timezone.now() - AccountChangeRequest.VALID_FOR
    closed = AccountChangeRequest.objects.exclude(
        status=AccountChangeRequest.Status.PENDING, requested_at__gt=since
    ).select_related("requested_by", "target", "decided_by")
    return list(closed.order_by("-requested_at", "-pk")[:limit])


def api_tokens_of(*, user: Any) -> QuerySet[ApiToken]:
    """A user's API tokens, newest first, for their own page and the security administrator's."""
    return ApiToken.objects.filter(user=user).select_related("issued_by", "revoked_by").order_by("-issued_at", "-pk")


@dataclass(frozen=True)
class Lockout:
    username: str
    failures: int
    last_attempt: dt.datetime


def lockouts_current() -> list[Lockout]:
    """User names locked out by django-axes now (failures at the limit, within the cool-off period)."""
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    cooloff = settings.AXES_COOLOFF_TIME
    if cooloff:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - dt.timedelta(hours=cooloff))
    by_username: dict[str, Lockout] = {}
    for attempt in attempts.order_by("attempt_time"):
        if attempt.username:
            by_username[attempt.username] = Lockout(
                attempt.username, attempt.failures_since_start, attempt.attempt_time
            )
    return sorted(by_username.values(), key=lambda lockout: lockout.last_attempt, reverse=True)


def _day_range(queryset: QuerySet, since: dt.date | None, until: dt.date | None) -> QuerySet:
    zone = timezone.get_current_timezone()
    if since:
        queryset = queryset.filter(at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=zone))
    if until:
        queryset = queryset.filter(at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone))
    return queryset


def audit_events(
    *, actor: str = "", action: str = "", since: dt.date | None = None, until: dt.date | None = None
) -> QuerySet[AuditEvent]:
    """The audit trail, newest first; ``actor`` matches who acted or whom it concerned; days are local and inclusive."""
    events = AuditEvent.objects.order_by("-at", "-pk")
    if actor:
        events = events.filter(Q(actor=actor) | Q(target=actor))
    if action:
        events = events.filter(action=action)
    return _day_range(events, since, until)


def access_log_entries(
    *, actor: str = "", action: str = "", since: dt.date | None = None, until: dt.date | None = None
) -> QuerySet[AccessLog]:
    """Exports, imports, unmasked views and full-ID-number searches, newest first; days are local and inclusive."""
    entries = AccessLog.objects.order_by("-at", "-pk")
    if actor:
        entries = entries.filter(actor=actor)
    if action:
        entries = entries.filter(action=action)
    return _day_range(entries, since, until)


def id_number_search_misses(*, user: Any, since: dt.datetime) -> list[dt.datetime]:
    """When ``user``'s searches by a full ID number found nobody, from ``since`` on, oldest first."""
    return list(
        AccessLog.objects.filter(user=user, action=AccessLog.Action.ID_SEARCH_MISS, at__gte=since)
        .order_by("at")
        .values_list("at", flat=True)
    )


@dataclass(frozen=True)
class IdNumberSearchRefusals:
    username: str
    refusals: int
    misses: int
    last_refused: dt.datetime


def id_number_search_refusals(*, since: dt.datetime) -> list[IdNumberSearchRefusals]:
    """Accounts refused a full-ID-number search since ``since``, with how many refusals and misses, latest first.

    For the security administrator: an account here was guessing masked numbers, or someone was with it.
    """
    rows = (
        AccessLog.objects.filter(
            at__gte=since, action__in=[AccessLog.Action.ID_SEARCH_REFUSED, AccessLog.Action.ID_SEARCH_MISS]
        )
        .values("actor")
        .annotate(
            refusals=Count("pk", filter=Q(action=AccessLog.Action.ID_SEARCH_REFUSED)),
            misses=Count("pk", filter=Q(action=AccessLog.Action.ID_SEARCH_MISS)),
            last_refused=Max("at", filter=Q(action=AccessLog.Action.ID_SEARCH_REFUSED)),
        )
        .filter(refusals__gt=0)
        .order_by("-last_refused")
    )
    return [IdNumberSearchRefusals(row["actor"], row["refusals"], row["misses"], row["last_refused"]) for row in rows]
