"""Password rules (等保三级: 口令应有复杂度要求并定期更换): characters of at least three kinds, not the user name,
not one of the last passwords."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHARACTER_KINDS = (str.isupper, str.islower, str.isdigit)


def character_kinds(password: str) -> int:
    """How many of upper case, lower case, digits and symbols (anything else) the password uses."""
    kinds = sum(1 for is_kind in CHARACTER_KINDS if any(is_kind(c) for c in password))
    symbols = any(not (c.isupper() or c.islower() or c.isdigit()) for c in password)
    return kinds + symbols


class CharacterKindsValidator:
    """At least ``min_kinds`` of: upper-case letters, lower-case letters, digits, symbols.

    Letters without case (汉字) count as symbols: they are as hard to guess as punctuation.
    """

    def __init__(self, min_kinds: int = 3) -> None:
        self.min_kinds = min_kinds

    def validate(self, password: str, user: Any = None) -> None:
        if character_kinds(password) < self.min_kinds:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _(
            "Your password must contain at least %(kinds)d of these: upper-case letters, lower-case letters, digits, symbols."
        ) % {"kinds": self.min_kinds}


class UsernameContainedValidator:
    """No password containing the user name, in any case (``village2village2!A`` for ``village2``).

    Django's similarity check compares the whole password with the name, so a name repeated or padded with
    symbols passes it; the name is the first thing an attacker tries. Names shorter than ``min_length`` are
    not looked for: two letters inside a password say little.
    """

    def __init__(self, min_length: int = 3) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        username = (getattr(user, "username", "") or "").casefold()
        if len(username) >= self.min_length and username in password.casefold():
            raise ValidationError(
                _("Your password must not contain your user name."), code="password_contains_username"
            )

    def get_help_text(self) -> str:
        return _("Your password must not contain your user name.")


class PasswordHistoryValidator:
    """Not the current password nor one of the last ``PASSWORD_HISTORY_SIZE`` (等保三级: 口令定期更换).

    So that a forced change (an initial password an administrator chose, an expired one) really changes it.
    Compares with the stored salted hashes, so each check costs one hashing: a password change takes a few
    seconds more with the production hasher, which is rare enough to accept. ``password_changed`` (Django's
    hook, run whenever a password is saved through ``set_password``) keeps the history.
    """

    def validate(self, password: str, user: Any = None) -> None:
        from django.contrib.auth.hashers import check_password

        if user is None or not getattr(user, "pk", None):
            return
        hashes = [user.password] if user.password else []
        hashes += [h for h in _history(user).values_list("password", flat=True) if h not in hashes]
        # The module's check_password, not the user's: that one would upgrade and save the stored hash.
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is not None and getattr(user, "pk", None):
            password_history_remember(user=user)

    def get_help_text(self) -> str:
        return _("Your password must differ from your last %(count)d passwords.") % {"count": _history_size()}


def _history_size() -> int:
    from django.conf import settings

    return int(settings.PASSWORD_HISTORY_SIZE)


def _history(user: Any) -> Any:
    from .models import PasswordHistory

    return PasswordHistory.objects.filter(user=user).order_by("-set_at", "-pk")[: _history_size()]


def password_history_remember(*, user: Any) -> None:
    """Keep the hash of ``user``'s password (just saved) and drop those older than the last ``PASSWORD_HISTORY_SIZE``."""
    from .models import PasswordHistory

    PasswordHistory.objects.create(user=user, password=user.password)
    keep = list(_history(user).values_list("pk", flat=True))
    PasswordHistory.objects.filter(user=user).exclude(pk__in=keep).delete()
