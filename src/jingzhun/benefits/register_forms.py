"""Form pieces the three registers share: money, an ID number, a month (``2025-03``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.core.params import month_from_text

MONEY_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}


class MoneyField(forms.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("widget", forms.TextInput(attrs=MONEY_ATTRS))
        super().__init__(**kwargs)


class IdNumberField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off", "class": "mono"}))
        super().__init__(**kwargs)


class MonthField(forms.CharField):
    """A month as the browser's month picker writes it (``2025-03``), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2025-03"})

    def clean(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        parsed = month_from_text(text)
        if parsed is None:
            raise forms.ValidationError(_("Enter a month as 2025-03."), code="month")
        return dt.date(parsed[0], parsed[1], 1)
