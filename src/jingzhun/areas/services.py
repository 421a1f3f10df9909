"""Writes to the area tree: creating villages with their parents, and importing village facts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.db import transaction
from stdnum import numdb

from jingzhun.spreadsheets.cells import CellError
from jingzhun.spreadsheets.reading import Table, UnusableFile, clean_cell, open_table
from jingzhun.spreadsheets.report import report_path_for, write_report

from .models import Area, Level
from .village_format import VILLAGE_COLUMNS

_YEARS = re.compile(r"^\[[^\]]*\]")


@lru_cache(maxsize=4096)
def division_name(code6: str) -> str:
    """Name of a province (``370000``), city (``371500``) or county from the table python-stdnum ships."""
    info = numdb.get("cn/loc").info(code6)
    merged: dict[str, str] = {}
    for _part, props in info:
        merged.update(props)
    # The table files cities under the key "county" too; provinces have their own key.
    name = merged.get("province" if code6.endswith("0000") else "county", "")
    # Entries look like "[1997-]冠县" or "[1989-2018]济阳县,[2018-]济阳区": take the newest name.
    return _YEARS.sub("", name.split(",")[-1]) if name else ""


def _parent_chain(code: str) -> list[tuple[str, str, str | None]]:
    """(code, level, parent code) from province down to the village, for a 12-digit village code."""
    province = code[:2] + "0" * 10
    city = code[:4] + "0" * 8
    county = code[:6] + "0" * 6
    town = code[:9] + "000"
    return [
        (province, Level.PROVINCE, None),
        (city, Level.CITY, province),
        (county, Level.COUNTY, city),
        (town, Level.TOWN, county),
        (code, Level.VILLAGE, town),
    ]


def _default_name(code: str, level: str) -> str:
    if level == Level.PROVINCE:
        return division_name(code[:2] + "0000") or f"省（{code[:2]}）"
    if level == Level.CITY:
        return division_name(code[:4] + "00") or f"市（{code[:4]}）"
    if level == Level.COUNTY:
        return division_name(code[:6]) or f"县（{code[:6]}）"
    if level == Level.TOWN:
        return f"乡镇（{code[:9]}）"
    return f"村（{code}）"


@transaction.atomic
def villages_ensure(*, villages: Iterable[tuple[str, str]], town_names: dict[str, str] | None = None) -> list[str]:
    """Create missing villages and their missing parents; return the codes of villages created.

    Names of provinces, cities and counties come from the national division table; towns without a
    known name get a placeholder that a village-facts import replaces.
    """
    wanted = dict(villages)
    existing = set(Area.objects.filter(code__in=wanted).values_list("code", flat=True))
    missing = sorted(set(wanted) - existing)
    if not missing:
        return []
    chain: dict[str, tuple[str, str | None]] = {}
    for code in missing:
        for area_code, level, parent in _parent_chain(code):
            chain.setdefault(area_code, (level, parent))
    present = set(Area.objects.filter(code__in=chain).values_list("code", flat=True))
    town_names = town_names or {}
    new_areas = []
    for area_code, (level, parent) in chain.items():  # parents come before children in insertion order
        if area_code in present:
            continue
        if level == Level.VILLAGE:
            name = wanted[area_code] or _default_name(area_code, level)
        elif level == Level.TOWN and town_names.get(area_code):
            name = town_names[area_code]
        else:
            name = _default_name(area_code, level)
        new_areas.append(Area(code=area_code, name=name, level=level, parent_id=parent))
    Area.objects.bulk_create(new_areas)
    return missing


@dataclass
class VillageImportOutcome:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[tuple[object, ...]] = field(default_factory=list)
    warnings: list[tuple[object, ...]] = field(default_factory=list)
    report_path: Path | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


FACT_FIELDS = (
    "name",
    "population",
    "west",
    "water_scarce",
    "poor_village",
    "paved_road",
    "power",
    "clinic",
    "collective_economy",
)


def village_facts_import(*, path: Path) -> VillageImportOutcome:
    """Create or update villages and their towns from a village-facts file (docs/LEDGER.md §1b).

    Rows with an invalid cell are rejected (each village stands alone); the rest are written in one
    transaction. Re-importing the same file changes nothing.
    """
    with open_table(path) as table:
        return _village_facts_import(path=path, table=table)


def _village_facts_import(*, path: Path, table: Table) -> VillageImportOutcome:
    by_header = {c.header: c for c in VILLAGE_COLUMNS}
    present: dict[str, int] = {}
    outcome = VillageImportOutcome()
    for index, header in enumerate(table.headers):
        if header in by_header:
            if header in present:
                raise UnusableFile(f"表头“{header}”出现了两次")
            present[header] = index
        elif header:
            outcome.warnings.append((1, "", header, "", f"未知的列“{header}”，已忽略"))
    missing = [c.header for c in VILLAGE_COLUMNS if c.required_header and c.header not in present]
    if missing:
        raise UnusableFile("缺少必需的列：" + "、".join(missing))
    columns = [(present[c.header], c) for c in VILLAGE_COLUMNS if c.header in present]
    parsed: dict[str, dict[str, object]] = {}
    first_row: dict[str, int] = {}
    for row_no, cells in table.rows:
        outcome.rows += 1
        values: dict[str, object] = {}
        bad = False
        for index, column in columns:
            text = clean_cell(cells[index]) if index < len(cells) else ""
            try:
                values[column.field] = column.parse(text)
            except CellError as exc:
                outcome.errors.append((row_no, "", column.header, text, str(exc)))
                bad = True
        if bad:
            outcome.rejected += 1
            continue
        code = str(values["code"])
        if code in parsed:
            outcome.errors.append((row_no, "", "村代码", code, f"与第 {first_row[code]} 行的村代码重复"))
            outcome.rejected += 1
            continue
        parsed[code] = values
        first_row[code] = row_no

    town_names = {code[:9] + "000": str(v["town_name"]) for code, v in parsed.items() if v.get("town_name")}
    with transaction.atomic():
        created = set(villages_ensure(villages=[(c, str(v["name"])) for c, v in parsed.items()], town_names=town_names))
        for town in Area.objects.filter(code__in=town_names).select_for_update():
            if town.name != town_names[town.code]:
                town.name = town_names[town.code]
                town.save(update_fields=["name", "updated_at"])
        # A county has a few hundred villages: comparing them one by one is cheap and keeps the
        # "unchanged" count exact.
        existing = {a.code: a for a in Area.objects.filter(code__in=parsed).select_for_update()}
        changed = []
        for code, values in parsed.items():
            area = existing[code]
            fields = [f for f in FACT_FIELDS if f in values and getattr(area, f) != values[f]]
            for f in fields:
                setattr(area, f, values[f])
            if fields:
                changed.append(area)
        Area.objects.bulk_update(changed, [f for f in FACT_FIELDS if any(f in v for v in parsed.values())])
    outcome.created = len(created)
    outcome.updated = sum(1 for a in changed if a.code not in created)
    outcome.unchanged = len(parsed) - outcome.created - outcome.updated
    report = report_path_for(path)
    if outcome.errors or outcome.warnings:
        write_report(
            report,
            errors=outcome.errors,
            warnings=outcome.warnings,
            summary=[("文件", str(path)), ("行数", outcome.rows), ("未导入的行", outcome.rejected)],
        )
        outcome.report_path = report
    elif report.exists():
        report.unlink()
    return outcome
