"""Password complexity (等保三级: 口令应有复杂度要求): characters of at least three kinds."""

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
