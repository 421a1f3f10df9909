"""The departments an account may belong to (a department clerk's ``User.department``), as a hook.

The departments are declared above this app (docs/LEDGER.md §2, ``crosscheck.models.Department``); the app that
knows them registers them here in its ``AppConfig.ready`` (supervision does), so the account form offers them
without importing upwards. Any other department's name may still be typed.
"""

from __future__ import annotations

from collections.abc import Iterable

_CHOICES: list[tuple[str, str]] = []


def department_choices_register(choices: Iterable[tuple[str, str]]) -> None:
    """Declare the known departments as ``(key, name)`` pairs (replacing any declared before)."""
    _CHOICES[:] = [(str(key), str(name)) for key, name in choices]


def department_choices() -> list[tuple[str, str]]:
    return list(_CHOICES)
