"""The departments an account may belong to (a department clerk's ``User.department``), as a hook.

The departments are declared above this app (docs/LEDGER.md §2, ``crosscheck.models.Department``; the benefit
catalogue's departments); the apps that know them register them here in their ``AppConfig.ready`` (supervision and
benefits do), so the account form offers them without importing upwards. Any other department's name may still be
typed.
"""

from __future__ import annotations

from collections.abc import Iterable

_CHOICES: list[tuple[str, str]] = []


def department_choices_register(choices: Iterable[tuple[str, str]]) -> None:
    """Declare known departments as ``(key, name)`` pairs; a key declared before keeps its first name."""
    known = {key for key, _name in _CHOICES}
    for key, name in choices:
        if str(key) not in known:
            _CHOICES.append((str(key), str(name)))
            known.add(str(key))


def department_choices() -> list[tuple[str, str]]:
    return list(_CHOICES)
