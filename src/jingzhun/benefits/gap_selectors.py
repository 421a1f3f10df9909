"""Placeholder until the engine part lands: the benefits a household is entitled to in a year (empty)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .catalogue import Benefit


@dataclass(frozen=True)
class EntitlementLine:
    benefit: Benefit
    member: Any
    amount: Decimal
    paid: Decimal
    received: bool


def household_entitlements(*, household: Any, year: int) -> list[EntitlementLine]:
    """Every benefit ``household`` is entitled to in ``year`` (the engine's; empty until it lands)."""
    return []
