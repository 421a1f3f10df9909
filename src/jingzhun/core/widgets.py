"""Form widgets every page shares."""

from __future__ import annotations

from typing import Any

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker. Its value must be ISO (``2026-01-05``): a date in the locale's format
    (``2026年1月5日``) is ignored by the browser, and the field shows empty although it has a value."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("format", None)
        super().__init__(format="%Y-%m-%d", **kwargs)
