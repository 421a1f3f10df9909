"""The departments an account may belong to (a department clerk's ``User.department``), as a hook.

The departments are declared above this app (docs/LEDGER.md §2, ``crosscheck.models.Department``; the benefit
catalogue's departments); the apps that know them register them here in their ``AppConfig.ready`` (supervision and
benefits do), so the account form offers them without importing upwards. Any other department's name may still be
typed.
"""

from __future__ import annotations

from collections.abc import Iterable

_CHOICES: list[tuple[str, str]] = []


def department_choices_register(choices: Iterable[tuple[str, str]], *, names: bool = False) -> None:
    """Declare known departments as ``(key, name)`` pairs. A key declared before keeps its name unless ``names``
    says these are the names to show (the §2 departments' short names, which clerks type and pick: whichever app
    is ready first, "医保" stays the name of ``medical_insurance``)."""
    position = {key: n for n, (key, _name) in enumerate(_CHOICES)}
    for key, name in choices:
        key, name = str(key), str(name)
        if key not in position:
            position[key] = len(_CHOICES)
            _CHOICES.append((key, name))
        elif names:
            _CHOICES[position[key]] = (key, name)


def department_choices() -> list[tuple[str, str]]:
    return list(_CHOICES)
