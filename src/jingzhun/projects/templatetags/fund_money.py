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
