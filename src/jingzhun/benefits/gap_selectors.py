"""Entitlements and gaps (应享未享) of a household (TEMPORARY stub of the card part: the engine part writes the
real module; the card takes it when it lands)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .catalogue import Benefit


@dataclass(frozen=True)
class EntitlementLine:
    benefit: Benefit
    member: Any  # registry.Member, None for a household benefit
    amount: Decimal
    paid: Decimal
    received: bool


def household_entitlements(*, household: Any, year: int) -> list[EntitlementLine]:
    """What ``household`` is entitled to in ``year`` and whether it received it (stub: nothing)."""
    return []
