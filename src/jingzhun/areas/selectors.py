"""Reads of the area tree."""

from __future__ import annotations

from typing import Any

from jingzhun.core.sets import model_table

from .models import Area, Level


def area_table() -> Any:
    """The area tree as an unbound Ibis table, for set-based work (incidence, exit)."""
    return model_table(Area)


def area_prefix_for_code(code: str) -> str:
    """The scope prefix of an existing area (``LookupError`` with a Chinese message when unknown)."""
    try:
        return Area.objects.get(code=code).prefix
    except Area.DoesNotExist:
        raise LookupError(f"没有区划代码为 {code} 的区划") from None


def area_first(*, level: Level, prefix: str) -> Area | None:
    """The area of this level with the lowest code under a code prefix."""
    return Area.objects.filter(level=level, code__startswith=prefix).order_by("code").first()


def area_names(*, codes: list[str]) -> dict[str, str]:
    """Names of the areas with these codes (codes not found are left out)."""
    return dict(Area.objects.filter(code__in=codes).values_list("code", "name"))


def villages_in_scope(*, prefix: str | None) -> list[tuple[str, str]]:
    """``(code, name)`` of every village under a scope prefix, in code order; none without a scope."""
    if not prefix:
        return []
    return list(
        Area.objects.filter(level=Level.VILLAGE, code__startswith=prefix).order_by("code").values_list("code", "name")
    )


def towns_in_scope(*, prefix: str | None) -> list[tuple[str, str]]:
    """``(code, name)`` of every town under a scope prefix (a town's own account: its town), in code order; none
    without a scope."""
    if not prefix:
        return []
    return list(
        Area.objects.filter(level=Level.TOWN, code__startswith=prefix).order_by("code").values_list("code", "name")
    )


def areas_in_scope(*, prefix: str | None, levels: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(code, name)`` of every area of these levels under a scope prefix, in code order (a county before its
    towns, a town before its villages); the name of a village carries its town's. None without a scope."""
    if prefix is None:
        return []
    rows = Area.objects.filter(level__in=levels, code__startswith=prefix).select_related("parent").order_by("code")
    return [
        (area.code, f"{area.parent.name} · {area.name}" if area.level == Level.VILLAGE and area.parent else area.name)
        for area in rows
    ]


def area_tree(*, prefix: str) -> list[tuple[str, str, str]]:
    """``(code, name, level)`` of the county, town and village areas a table of scope ``prefix`` has a row for: the
    area whose prefix it is (none for the whole database), its towns and its villages, in code order (each area
    before the areas under it)."""
    rows = Area.objects.filter(level__in=(Level.COUNTY, Level.TOWN, Level.VILLAGE), code__startswith=prefix).order_by(
        "code"
    )
    return [(a.code, a.name, a.level) for a in rows if len(a.prefix) >= len(prefix)]
