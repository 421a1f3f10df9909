"""The standard tables an office files upward, by name, and how one is built for a user: scope checked, cached.

A table of the current year is cached under the registry's version (any import or change makes a new key, so a
stale figure never shows); a past year's figures are read back from history and never change, so they are cached
by year alone. A table read from elsewhere (the assessment runs, the monitoring cases, the payments) is cached
under that data's own version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from jingzhun.areas.selectors import area_names, area_tree
from jingzhun.assistance.selectors import measures_version
from jingzhun.benefits.selectors import benefit_year_default, payments_version
from jingzhun.core.cache import computed_once
from jingzhun.core.scope import covers, scope_key, scope_prefix
from jingzhun.monitoring.selectors import cases_version
from jingzhun.policy.selectors import run_latest, runs_version
from jingzhun.projects.fund_selectors import fund_years, funds_version
from jingzhun.registry.selectors import registry_version
from jingzhun.supervision.selectors import findings_version

from . import (
    assessment_tables,
    benefit_tables,
    finding_tables,
    household_tables,
    monitoring_tables,
    population,
    work_tables,
)
from .tables import StandardTable


def _runs(_year: int) -> str:
    return runs_version()


def _cases(_year: int) -> str:
    return cases_version()  # any step of any case, and the date


def _payments(year: int) -> str:
    return f"{payments_version()}:{population.as_of_date(year).isoformat()}"


def _measures(year: int) -> str:
    return f"{measures_version()}:{population.as_of_date(year).isoformat()}"


def _funds(year: int) -> str:
    return f"{funds_version()}:{population.as_of_date(year).isoformat()}"


def _findings(_year: int) -> str:
    return findings_version()


def _registry_version(year: int) -> str:
    if population.year_end(year) is None:
        return f"{registry_version()}:{population.as_of_date(year).isoformat()}"
    return "past"  # read back from history as at the end of the year: it never changes


def _this_year(_user: Any) -> int:
    return timezone.localdate().year


def _run_year(_user: Any) -> int:
    run = run_latest()
    return int(run.year) if run is not None else timezone.localdate().year


def _fund_year(user: Any) -> int:
    years = fund_years(user=user)
    return years[0] if years else timezone.localdate().year


def _benefit_year(_user: Any) -> int:
    return benefit_year_default()


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    build: Callable[..., StandardTable]
    # A text that changes whenever the data the table of a year is counted from changes: its cache key.
    version: Callable[[int], str] = _registry_version
    # The year a page opens on: where the data is (the latest assessment's year, the latest budget year …).
    default_year: Callable[[Any], int] = _this_year


REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        Report(population.NAME, population.TITLE, population.population_table),
        Report("causes", household_tables.CAUSES_TITLE, household_tables.causes_table),
        Report("exits", household_tables.EXITS_TITLE, household_tables.exits_table),
        # A new run of the year (or a deleted one) changes the table.
        Report(assessment_tables.NAME, assessment_tables.TITLE, assessment_tables.assurances_table, _runs, _run_year),
        Report("monitoring", monitoring_tables.MONITORING_TITLE, monitoring_tables.monitoring_table, _cases),
        Report("help", monitoring_tables.HELP_TITLE, monitoring_tables.help_table, _cases),
        Report("measures", work_tables.MEASURES_TITLE, work_tables.measures_table, _measures),
        Report("funds", work_tables.FUNDS_TITLE, work_tables.funds_table, _funds, _fund_year),
        Report(benefit_tables.NAME, benefit_tables.TITLE, benefit_tables.benefits_table, _payments, _benefit_year),
        Report(finding_tables.NAME, finding_tables.TITLE, finding_tables.findings_table, _findings),
    )
}

FIRST_YEAR = 2013  # 建档立卡 began in 2014; a table reads the end of 2013 as "before it"


def report_names() -> list[tuple[str, str]]:
    """``(name, title)`` of every standard table, in the order an office files them."""
    return [(r.name, r.title) for r in REPORTS.values()]


def report_default_year(*, name: str, user: Any) -> int:
    """The year the page of table ``name`` opens on for ``user``."""
    return REPORTS[name].default_year(user)


def scope_name(prefix: str) -> str:
    """The name of the area a scope prefix stands for: for the whole database, its county when it holds one
    ("全部区划" otherwise)."""
    if not prefix:
        counties = [name for _code, name, level in area_tree(prefix="") if level == "county"]
        return counties[0] if len(counties) == 1 else "全部区划"
    code = prefix.ljust(12, "0")
    return area_names(codes=[code]).get(code, code)


def report_table(*, name: str, user: Any, year: int, area_prefix: str | None = None) -> StandardTable:
    """Standard table ``name`` of ``year`` for the user's scope, or for ``area_prefix`` inside it
    (``PermissionDenied`` outside; ``KeyError`` for an unknown name)."""
    report = REPORTS[name]
    prefix = scope_prefix(user)
    if prefix is None:
        raise PermissionDenied("您没有区划范围。")
    area = prefix if area_prefix is None else area_prefix
    if not covers(user, area):
        raise PermissionDenied("该区划不在您的范围内。")
    key = f"jingzhun:report:{name}:{year}:{scope_key(user)}:{area}:{report.version(year)}"
    return computed_once(
        key,
        lambda: report.build(user=user, year=year, area_prefix=area, scope_name=scope_name(area)),
        timeout=24 * 3600,
    )
