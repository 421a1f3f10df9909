"""What a request may carry: query parameters read by type and within bounds, and the window of a record's date.

Every view reads its query parameters here (or through a form or serializer whose fields are bounded), never by
hand: a value that is not of its type, or outside its bounds (a number past 64 bits, a date in year 1 or 9999, a
text with a NUL, which PostgreSQL refuses), reads as *absent* — the page shows what it shows without the
parameter — and never reaches the database, where it would overflow (SQLite) or be refused (PostgreSQL) as a
server error.

Dates of records (a discovery, a visit, a pairing, a sudden event) lie in one window: from the start of targeted
poverty alleviation (建档立卡, 2013-01-01) to today in Beijing. :func:`record_date_problem` says why a date is
outside it, in Chinese; :class:`RecordDateField` is the form field that checks it, and the services check it
again through the same function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any, TypeVar, overload

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .widgets import DateInput

_T = TypeVar("_T")

# Records start with targeted poverty alleviation (建档立卡); nothing is recorded before it, nothing ahead of today.
EARLIEST_RECORD = dt.date(2013, 1, 1)
# Dates a filter (the audit trail's "from"/"to", a report's period) may name: wide, but far from the calendar's
# ends, so that a day added or a time of day attached never overflows.
EARLIEST_FILTER = dt.date(2000, 1, 1)
LATEST_FILTER = dt.date(2099, 12, 31)
# The largest value of a 64-bit integer column (SQLite's and PostgreSQL's bigint).
INTEGER_MAX = 2**63 - 1
# The longest text a query parameter is read as: a search, a code, a page key.
TEXT_MAX = 200


def today() -> dt.date:
    """Today in Beijing (the project's time zone)."""
    return timezone.localdate()


def record_date_problem(on: dt.date, *, what: str = "日期", today: dt.date | None = None) -> str:
    """Why ``on`` cannot be the date of a record ("" when it can): before 2013-01-01 or after today (Beijing)."""
    latest = today or timezone.localdate()
    if on < EARLIEST_RECORD:
        return f"{what}不能早于 {EARLIEST_RECORD:%Y-%m-%d}（建档立卡之前的不登记，填写的是 {on:%Y-%m-%d}）"
    if on > latest:
        return f"{what}不能晚于今天（{latest:%Y-%m-%d}），不能预先登记"
    return ""


def _filter_date(on: dt.date) -> None:
    if not EARLIEST_FILTER <= on <= LATEST_FILTER:
        raise ValidationError(
            f"日期须在 {EARLIEST_FILTER:%Y-%m-%d} 至 {LATEST_FILTER:%Y-%m-%d} 之间。", code="date_window"
        )


class RecordDateField(forms.DateField):
    """The date of a record: 2013-01-01 .. today (Beijing); the date picker offers only that window. The error
    names the field by its label (走访日期不能早于 2013-01-01 …)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", DateInput())
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        problem = record_date_problem(value, what=str(self.label or "日期")) if value else ""
        if problem:
            raise ValidationError(problem + "。", code="date_window")

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # The bounds as the browser's date picker takes them; "today" is the page's day, the service checks again.
        return super().widget_attrs(widget) | {"min": EARLIEST_RECORD.isoformat(), "max": today().isoformat()}


class FilterDateField(forms.DateField):
    """A date to filter by: 2000-01-01 .. 2099-12-31; anything further reads as an error on the field."""

    default_validators = [_filter_date]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", DateInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


# --- query parameters ------------------------------------------------------------------------------------------


def query_text(params: Mapping[str, Any], name: str, *, max_length: int = TEXT_MAX) -> str:
    """The text of ``name``, stripped; "" when absent, longer than ``max_length`` or holding a NUL."""
    value = params.get(name) or ""
    if not isinstance(value, str) or "\x00" in value or len(value) > max_length:
        return ""
    return value.strip()


@overload
def query_choice(params: Mapping[str, Any], name: str, choices: Collection[str]) -> str: ...
@overload
def query_choice(params: Mapping[str, Any], name: str, choices: Collection[str], *, default: _T) -> str | _T: ...
def query_choice(params: Mapping[str, Any], name: str, choices: Collection[str], *, default: Any = "") -> Any:
    """``name`` if it is given and one of ``choices`` (which may include ""), else ``default``."""
    if name not in params:
        return default
    value = query_text(params, name)
    return value if value in choices else default


def query_int(params: Mapping[str, Any], name: str, *, low: int = 0, high: int = INTEGER_MAX) -> int | None:
    """``name`` as a whole number of ASCII digits (a sign allowed) within ``low`` .. ``high``, else None."""
    value = query_text(params, name, max_length=20)
    digits = value[1:] if value[:1] in "+-" else value
    if not (digits.isascii() and digits.isdigit()):
        return None
    number = int(value)
    return number if low <= number <= high else None


def query_date(
    params: Mapping[str, Any], name: str, *, low: dt.date = EARLIEST_FILTER, high: dt.date = LATEST_FILTER
) -> dt.date | None:
    """``name`` as an ISO date (2026-01-05) within ``low`` .. ``high``, else None."""
    value = query_text(params, name, max_length=10)
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return day if low <= day <= high else None


def month_from_text(text: str) -> tuple[int, int] | None:
    """A month written ``2019-10`` (or ``2019-1``) as ``(year, month)`` with the year within the filter window
    (2000..2099); else None."""
    year, dash, month = text.strip().partition("-")
    if not dash or not (len(year) == 4 and year.isascii() and year.isdigit()):
        return None
    if not (1 <= len(month) <= 2 and month.isascii() and month.isdigit()):
        return None
    value = (int(year), int(month))
    in_window = EARLIEST_FILTER.year <= value[0] <= LATEST_FILTER.year and 1 <= value[1] <= 12
    return value if in_window else None


def query_month(params: Mapping[str, Any], name: str) -> tuple[int, int] | None:
    """``name`` as a month (``2019-10``, see :func:`month_from_text`), else None."""
    return month_from_text(query_text(params, name, max_length=7))


def query_page_key(params: Mapping[str, Any], name: str) -> str:
    """A keyset pager's ``after``/``before`` key: text of at most 200 characters without NUL, else "" (the first
    page). :func:`jingzhun.core.paging.keyset_page` checks it against its column (a number past 64 bits)."""
    return query_text(params, name)
