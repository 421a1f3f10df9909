"""Forms of the dividend pages: the preview (year and project income) and the payment date."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.params import RecordDateField


class PreviewForm(forms.Form):
    """The year and the project's income to distribute (prefilled with its assets' income of the year)."""

    year = forms.IntegerField(label=_("Dividend year"), min_value=2013, max_value=2100)
    income = forms.DecimalField(
        label=_("Project income (yuan)"),
        min_value=Decimal(0),
        max_value=Decimal("999999999999.99"),
        max_digits=14,
        decimal_places=2,
    )


class PayForm(forms.Form):
    paid_on = RecordDateField(label=_("Paid on"), initial=timezone.localdate)
