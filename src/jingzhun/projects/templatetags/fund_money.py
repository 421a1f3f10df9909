"""``{{ amount|yuan }}``: an amount in yuan as the fund pages write it, 1,234,567.80 (Django's ``intcomma`` follows
the locale, which groups nothing for zh-hans, and drops the cents of a sum the database returned without them)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(value):,.2f}"
    except (InvalidOperation, ValueError, TypeError):
        return str(value)


@register.filter
def wan(value: Any) -> str:
    """An amount in ten thousands of yuan (万元), two decimals: what the summary cards show."""
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(value) / 10000:,.2f}"
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
