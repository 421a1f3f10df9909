"""No capability is granted with nothing behind it: each one guards at least one view, decorator, API permission
or service (it is passed to ``user_can``, ``capability_required`` or a service's ``_require``)."""

from __future__ import annotations

import ast
from pathlib import Path

import jingzhun
from jingzhun.accounts.permissions import Capability

SOURCE = Path(jingzhun.__file__).parent
DEFINED_IN = SOURCE / "accounts" / "permissions.py"
GUARDS = {"user_can", "capability_required", "_require"}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _capability(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """``Capability.X`` itself, or a module-level name bound to it (``VIEW = Capability.VIEW_PEOPLE``)."""
    if isinstance(node, ast.Attribute) and _name(node.value) == "Capability":
        return node.attr
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    return None


def _guarding() -> set[str]:
    """The capabilities some guard is called with, anywhere in the package but where they are defined."""
    used: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if path == DEFINED_IN or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {
            target.id: name
            for statement in tree.body
            if isinstance(statement, ast.Assign) and (name := _capability(statement.value, {})) is not None
            for target in statement.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in GUARDS:
                for argument in node.args:
                    if (name := _capability(argument, aliases)) is not None:
                        used.add(name)
    return used


def test_every_capability_guards_something():
    unused = {capability.name for capability in Capability} - _guarding()
    assert not unused, f"capabilities defined but checked nowhere: {sorted(unused)}"


def test_the_scan_sees_the_guards_it_should():
    # The test above is only as good as its scan: a decorator, a view's user_can and a service's _require.
    assert {"EXPORT_PEOPLE", "IMPORT_LEDGER", "MANAGE_ACCOUNTS", "RUN_ASSESSMENT"} <= _guarding()
