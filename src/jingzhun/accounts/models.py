"""Users with a role and an area scope; the append-only audit trail and access log (等保三级)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTY = "county", _("county office")
    TOWN = "town", _("town")
    VILLAGE = "village", _("village")
    HELPER = "helper", _("helper")
    DEPARTMENT = "department", _("department clerk")
    INSPECTOR = "inspector", _("inspector")
    SYSTEM_ADMIN = "system_admin", _("system administrator")
    SECURITY_ADMIN = "security_admin", _("security administrator")
    AUDIT_ADMIN = "audit_admin", _("audit administrator")
    # An account the system administrator created and the security administrator has not yet given a role:
    # it can log in and change its password, nothing else (三员分立: creating an account grants nothing).
    NONE = "none", _("no role assigned")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VILLAGE)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area scope"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    may_see_id_numbers = models.BooleanField(_("may see full ID numbers"), default=False)
    # A department clerk's department: a key of docs/LEDGER.md §2 (e.g. "education") or another department's
    # name. It says which department's parts of supervision findings the clerk answers for.
    department = models.CharField(_("department"), max_length=40, blank=True, default="")
    password_changed_at = models.DateTimeField(_("password changed at"), default=timezone.now)
    # Set when someone other than the user chose the password (an administrator, the CLI); the user must
    # choose their own before doing anything else.
    must_change_password = models.BooleanField(_("must change password"), default=False)

    # Set on the request's user (never stored) when the API authenticated it by a token: the token's own
    # limits then apply on top of the account's (see ``permissions.user_sees_id_numbers``).
    api_token: ApiToken | None = None

    @property
    def scope_prefix(self) -> str | None:
        """Code prefix every people-data query of this user is filtered by; None sees nothing."""
        return self.area.prefix if self.area_id and self.area else None

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes: rows of the audit trail are written once and kept.

    The retention purge (``jingzhun audit purge``) is the only deletion, and it goes through
    :func:`jingzhun.accounts.services.audit_purge`, which checks the retention period first.
    """

    def update(self, **kwargs: Any) -> int:
        raise PermissionError(f"{self.model.__name__} entries are never changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(f"{self.model.__name__} entries are never deleted")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError(f"{type(self).__name__} entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(f"{type(self).__name__} entries are never deleted")


class AccessLog(AppendOnlyModel):
    """Append-only record of exports, unmasked views and full-ID-number searches of people data, and of the
    assessment runs started in the browser: who, what, when."""

    class Action(models.TextChoices):
        EXPORT = "export", _("export")
        UNMASK = "unmask", _("unmasked view")
        IMPORT = "import", _("import")
        # A search by a full ID number confirms or refutes a guess of a masked one: each is logged, with the
        # outcome (a miss counts towards the hourly limit) but never the number itself (a keyed hash only).
        ID_SEARCH_FOUND = "id_search_found", _("full ID number search, found")
        ID_SEARCH_MISS = "id_search_miss", _("full ID number search, nobody found")
        ID_SEARCH_REFUSED = "id_search_refused", _("full ID number search refused")
        API = "api", _("API request by token")
        ASSESS = "assess", _("assessment")  # a run started in the browser

    # A default rather than auto_now_add, so that the retention purge can be tested with old entries.
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.CharField(_("actor"), max_length=150, help_text=_("user name, or the OS user for the CLI"))
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    target = models.CharField(_("target"), max_length=500)
    detail = models.JSONField(_("detail"), default=dict)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"


class AuditEvent(AppendOnlyModel):
    """Append-only audit trail of logins and account administration (安全审计): who did what to whom, when."""

    class Action(models.TextChoices):
        LOGIN = "login", _("login")
        LOGIN_FAILED = "login_failed", _("login failed")
        LOGOUT = "logout", _("logout")
        LOCKOUT = "lockout", _("locked out")
        SESSION_EXPIRED = "session_expired", _("session expired")
        PASSWORD_CHANGED = "password_changed", _("password changed")
        ACCOUNT_CREATED = "account_created", _("account created")
        ACCOUNT_CHANGED = "account_changed", _("account changed")
        ACCOUNT_DEACTIVATED = "account_deactivated", _("account deactivated")
        ACCOUNT_ACTIVATED = "account_activated", _("account activated")
        ROLE_CHANGED = "role_changed", _("role changed")
        UNLOCKED = "unlocked", _("account unlocked")
        PURGED = "purged", _("old entries purged")
        # 三员分立: a change to an administrator account asked for, approved, refused or replaced by a newer
        # request; and an attempt the separation refused outright (an administrator reaching for another's job).
        CHANGE_REQUESTED = "change_requested", _("change requested")
        CHANGE_APPROVED = "change_approved", _("change approved")
        CHANGE_REFUSED = "change_refused", _("change refused")
        CHANGE_WITHDRAWN = "change_withdrawn", _("change request withdrawn")
        REFUSED = "refused", _("refused attempt")
        TOKEN_ISSUED = "token_issued", _("API token issued")
        TOKEN_COLLECTED = "token_collected", _("API token collected")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        TOKEN_REFUSED = "token_refused", _("API token refused")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # Who acted: the user (kept even if they are later deactivated) and their name as it was then.
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.CharField(_("actor"), max_length=150, help_text=_("user name, or the OS user for the CLI"))
    action = models.CharField(_("action"), max_length=30, choices=Action.choices, db_index=True)
    # Whom it concerned: a user name (the account created, the name typed at a failed login).
    target = models.CharField(_("target"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"


class PasswordHistory(models.Model):
    """Hashes of a user's last passwords (``PASSWORD_HISTORY_SIZE``), so that a new one cannot be an old one.

    Only salted hashes, as for the password itself; :class:`~jingzhun.accounts.validators.PasswordHistoryValidator`
    writes a row each time a password is saved and drops the older ones.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    password = models.CharField(_("password"), max_length=128)
    set_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("earlier password")
        verbose_name_plural = _("earlier passwords")
        indexes = [models.Index(fields=["user", "-set_at"], name="accounts_pwhistory_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.set_at:%Y-%m-%d %H:%M}"


class AccountChangeRequest(models.Model):
    """A change to an administrator account waiting for a second administrator (三员分立: 双人复核).

    Filed by the administrator whose job the change is; carried out only when another administrator, of a
    different role and not the account itself, approves it within ``VALID_FOR``. Both steps, and the change
    itself, are in the audit trail; this row keeps the request's state.
    """

    VALID_FOR = dt.timedelta(days=3)

    class Kind(models.TextChoices):
        PROFILE = "profile", _("name and area")
        ACTIVE = "active", _("activation")
        ROLE = "role", _("role")
        PASSWORD = "password", _("password reset")
        UNLOCK = "unlock", _("unlock")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")
        WITHDRAWN = "withdrawn", _("withdrawn")  # by the requester, or replaced by a newer request

    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, db_index=True)
    requested_by = models.ForeignKey(User, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(User, verbose_name=_("account"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # What is asked, e.g. {"active": false} or {"role": "village", "may_see_id_numbers": false}; never a password.
    change = models.JSONField(_("change"), default=dict)
    # The new password's hash for a password reset, emptied once the request is decided.
    password = models.CharField(max_length=128, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("account change request")
        verbose_name_plural = _("account change requests")

    def __str__(self) -> str:
        return f"{self.requested_at:%Y-%m-%d %H:%M} {self.kind} {self.target_id} {self.status}"

    @property
    def expires_at(self) -> dt.datetime:
        return self.requested_at + self.VALID_FOR

    def is_open(self, *, now: dt.datetime | None = None) -> bool:
        """Still pending and not yet expired: it may be approved or refused."""
        return self.status == self.Status.PENDING and (now or timezone.now()) < self.expires_at

    def change_lines(self) -> list[str]:
        """What is asked, in words for the approving administrator (the raw ``change`` is for the audit trail)."""
        change = self.change or {}
        lines: list[str] = []
        if "display_name" in change:
            lines.append(_("Name: %(name)s") % {"name": change["display_name"] or "—"})
        if "area" in change:
            lines.append(_("Area: %(area)s") % {"area": change["area"] or _("whole system")})
        if "active" in change:
            lines.append(str(_("Activate the account") if change["active"] else _("Deactivate the account")))
        if "role" in change:
            role = change["role"]
            lines.append(_("Role: %(role)s") % {"role": Role(role).label if role in Role.values else role})
        if "may_see_id_numbers" in change:
            lines.append(
                str(_("May see full ID numbers") if change["may_see_id_numbers"] else _("May not see full ID numbers"))
            )
        return lines


class ApiToken(models.Model):
    """A credential for a script or another system to call the API as one user (接口令牌).

    The security administrator issues it (a name saying what it is for, an expiry, and whether full ID numbers
    may go out through it); the user it is for collects it once, logged in, and only then is the secret made
    and shown, once, to them alone: no administrator ever holds a credential to people data. Only the SHA-256
    of the secret is kept. A token acts with the user's current role and area, never more; it stops working
    when revoked, when it expires, or when the account is deactivated.
    """

    class State(models.TextChoices):
        UNCOLLECTED = "uncollected", _("awaiting collection")
        ACTIVE = "active", _("active")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("revoked")

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("what it is for, e.g. the system that uses it"))
    may_see_id_numbers = models.BooleanField(_("may see full ID numbers"), default=False)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField(_("expires at"))
    # The secret's first characters, to tell tokens apart in lists and logs; empty until collected.
    prefix = models.CharField(_("prefix"), max_length=16, blank=True)
    # SHA-256 of the whole secret (hex). A random 256-bit secret needs no slow hash; None until collected.
    digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"

    def state(self, now: Any = None) -> ApiToken.State:
        if self.revoked_at is not None:
            return self.State.REVOKED
        if (now or timezone.now()) >= self.expires_at:
            return self.State.EXPIRED
        return self.State.ACTIVE if self.digest else self.State.UNCOLLECTED

    @property
    def state_label(self) -> str:
        return str(self.state().label)
