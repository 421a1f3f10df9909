"""Working days on the official Chinese holiday calendar (docs/RULES.md §6: the county decision is due within 20
working days of discovery).

The ``chinese-calendar`` package carries the State Council's yearly holiday notices up to the year it was
released. A deadline can reach into a year it does not know yet (in December, 20 working days end in January):
for those years the rule pack's ``calendar_holidays`` and ``calendar_workdays`` apply — a county enters the
new notice when it is published — and without them Monday to Friday count, and the deadline says it is an
estimate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar

from .packs import MonitoringRules

_KNOWN = chinese_calendar.constants.holidays
FIRST_KNOWN_YEAR = min(_KNOWN).year
LAST_KNOWN_YEAR = max(_KNOWN).year


def _year_known(year: int) -> bool:
    return FIRST_KNOWN_YEAR <= year <= LAST_KNOWN_YEAR


def _year_entered(year: int, rules: MonitoringRules) -> bool:
    return any(day.year == year for day in rules.extra_holidays)


def is_working_day(day: dt.date, rules: MonitoringRules) -> bool:
    if _year_known(day.year):
        return bool(chinese_calendar.is_workday(day))
    if day in rules.extra_workdays:
        return True
    if day in rules.extra_holidays:
        return False
    return day.weekday() < 5


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    estimated: bool  # part of the span lies in a year whose holidays nobody has entered yet


def working_days_after(start: dt.date, days: int, rules: MonitoringRules) -> Deadline:
    """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day, rules):
            counted += 1
    years = range(start.year, day.year + 1)
    estimated = any(not _year_known(y) and not _year_entered(y, rules) for y in years)
    return Deadline(due=day, estimated=estimated)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day when it is shorter (31 Aug + 6 months = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")
