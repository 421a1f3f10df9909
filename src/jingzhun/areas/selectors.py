"""Reads of the area tree."""

from __future__ import annotations

from .models import Area


def area_prefix_for_code(code: str) -> str:
    """The scope prefix of an existing area (``LookupError`` with a Chinese message when unknown)."""
    try:
        return Area.objects.get(code=code).prefix
    except Area.DoesNotExist:
        raise LookupError(f"没有区划代码为 {code} 的区划") from None
