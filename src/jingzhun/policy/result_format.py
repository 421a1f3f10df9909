"""The machine formats of assessment results (docs/LEDGER.md §3): CSV, UTF-8, fixed columns in a fixed order."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import TextIO

from .engine import TIER_NAMES
from .models import INDICATORS, OUTCOMES, AreaResult, HouseholdResult

_FLAGS = (*INDICATORS, *OUTCOMES)
HOUSEHOLD_COLUMNS = (
    "household_no",
    "size",
    "net_income",
    "income_per_capita",
    *_FLAGS,
    "monitoring_triggers",
    "tier",
    "reasons",
)
AREA_COLUMNS = ("area_code", "level", "population", "poor_population", "incidence_pct", "exit_eligible")
# docs/LEDGER.md §3 specifies both files as UTF-8 with the header as written there, for programs to read: no BOM,
# although the tier and reasons are Chinese (every other CSV with Chinese in it carries one for Excel).
CSV_BOM = False


def _boolean(value: bool | None) -> str:
    return "true" if value else "false"


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def household_rows_write(stream: TextIO, results: Iterable[HouseholdResult]) -> int:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(HOUSEHOLD_COLUMNS)
    count = 0
    for result in results:
        writer.writerow(
            [
                result.household_no,
                result.size,
                _amount(result.net_income),
                _amount(result.income_per_capita),
                *(_boolean(getattr(result, flag)) for flag in _FLAGS),
                ";".join(result.triggers),
                TIER_NAMES.get(result.tier, ""),
                result.reasons,
            ]
        )
        count += 1
    return count


def area_rows_write(stream: TextIO, results: Iterable[AreaResult]) -> int:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(AREA_COLUMNS)
    count = 0
    for result in results:
        writer.writerow(
            [
                result.area_code,
                result.level,
                "" if result.population is None else result.population,
                result.poor_population,
                _amount(result.incidence_pct),
                _boolean(result.exit_eligible),
            ]
        )
        count += 1
    return count
