"""Amounts of money as an office writes them: yuan with thousands separated by commas and two decimals
(``720,000.00``), whatever the UI locale's number grouping (Django's ``intcomma`` follows the locale, which groups
nothing for zh-Hans, and drops the cents of a sum the database returned without them)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    """``720000`` → ``720,000.00``; a dash for nothing."""
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(value):,.2f}"
    except (InvalidOperation, ValueError, TypeError):
        return str(value)


@register.filter
def wan(value: Any) -> str:
    """Yuan in 万元 with two decimals: ``9215000`` → ``921.50``; a dash for nothing."""
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(value) / 10000:,.2f}"
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
