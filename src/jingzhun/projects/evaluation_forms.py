"""The evaluation form: the date, a score and a problem for every indicator of the bank, and a note.

Built from the bank in force (``data/indicators.toml``): each indicator is a number between 0 and its weight,
preset to the weight (a reviewer lowers the scores where a problem is found and writes the problem), so that on
a phone at the project site only the problems need typing. The service checks everything again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.params import RecordDateField

from .datafiles import Indicator, IndicatorBank
from .evaluation_services import NOTE_MAX, PROBLEM_MAX, Score


class EvaluationForm(forms.Form):
    evaluated_on = RecordDateField(label=_("Evaluated on"))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, bank: IndicatorBank, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bank = bank
        self.fields["evaluated_on"].initial = timezone.localdate()
        for indicator in bank.indicators:
            self.fields[f"score_{indicator.code}"] = forms.DecimalField(
                label=indicator.text,
                min_value=Decimal(0),
                max_value=indicator.weight,
                max_digits=6,
                decimal_places=2,
                initial=indicator.weight,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "class": "num-inline"}),
            )
            self.fields[f"problem_{indicator.code}"] = forms.CharField(
                label=_("Problem found"),
                required=False,
                max_length=PROBLEM_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for indicator in self.bank.indicators:
            score = cleaned.get(f"score_{indicator.code}")
            problem = (cleaned.get(f"problem_{indicator.code}") or "").strip()
            if score is None:
                continue
            if score < indicator.weight and not problem:
                self.add_error(f"problem_{indicator.code}", _("Below the full score: write down the problem found."))
            elif score == indicator.weight and problem:
                self.add_error(f"problem_{indicator.code}", _("Full score: lower the score if there is a problem."))
        return cleaned

    def groups(self) -> list[tuple[str, list[tuple[Indicator, forms.BoundField, forms.BoundField]]]]:
        """The indicators by dimension, each with its score and problem fields, for the template."""
        return [
            (dimension, [(i, self[f"score_{i.code}"], self[f"problem_{i.code}"]) for i in indicators])
            for dimension, indicators in self.bank.dimensions()
        ]

    def scores(self) -> dict[str, Score]:
        return {
            i.code: (self.cleaned_data[f"score_{i.code}"], self.cleaned_data.get(f"problem_{i.code}") or "")
            for i in self.bank.indicators
        }
