"""Forms of the registry's pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.core.widgets import DateInput
from jingzhun.policy.models import FLAG_LABELS, INDICATORS, Tier
from jingzhun.policy.selectors import LIST_FLAGS
from jingzhun.registry.services import EARLIEST_EVENT, NOTE_MAX, event_date_problem
from jingzhun.registry.vocab import EventKind, PovertyStatus


class HouseholdFilterForm(forms.Form):
    """Search and filters of the household list. Every field is optional; an invalid one is ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=60)
    town = forms.ChoiceField(label=_("Town"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False)
    status = forms.ChoiceField(label=_("poverty status"), required=False)
    tier = forms.ChoiceField(label=_("Tier"), required=False)
    failed = forms.ChoiceField(label=_("Indicator failed"), required=False)
    flag = forms.ChoiceField(label=_("Flag"), required=False)
    after = forms.CharField(required=False, max_length=40)
    before = forms.CharField(required=False, max_length=40)

    def __init__(
        self, *args: object, towns: list[tuple[str, str]], villages: list[tuple[str, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        every = [("", _("All"))]
        self.fields["town"].choices = every + towns  # type: ignore[attr-defined]
        if len(towns) < 2:  # a town's or a village's own users: one town or none, nothing to choose
            del self.fields["town"]
        self.fields["village"].choices = every + villages  # type: ignore[attr-defined]
        self.fields["status"].choices = every + list(PovertyStatus.choices)  # type: ignore[attr-defined]
        self.fields["tier"].choices = every + list(Tier.choices)  # type: ignore[attr-defined]
        self.fields["failed"].choices = every + [(name, FLAG_LABELS[name]) for name in INDICATORS]  # type: ignore[attr-defined]
        self.fields["flag"].choices = every + [(name, FLAG_LABELS[name]) for name in LIST_FLAGS]  # type: ignore[attr-defined]

    def values(self) -> dict[str, str]:
        """The valid values, blank for any field that did not validate."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {"town": ""} | {name: cleaned.get(name) or "" for name in self.fields}


class SuddenEventForm(forms.Form):
    """A sudden event on the household record (docs/RULES.md §6): the format is checked here, the rules (dates,
    who may, the case) by ``monitoring.services.sudden_event_record``."""

    kind = forms.ChoiceField(label=_("kind of event"), choices=EventKind.choices)
    occurred_on = forms.DateField(label=_("date of the event"), widget=DateInput())
    loss = forms.DecimalField(
        label=_("loss (yuan)"),
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("What the household lost, in yuan; leave blank when not yet assessed."),
    )
    note = forms.CharField(
        label=_("event description"), max_length=NOTE_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    open_case = forms.BooleanField(
        label=_("Include in monitoring at once"),
        required=False,
        help_text=_("Opens a monitoring case as a sudden severe hardship household, instant-help tier A."),
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["occurred_on"].widget.attrs.update({"min": EARLIEST_EVENT.isoformat(), "max": today.isoformat()})

    def clean_occurred_on(self) -> dt.date:
        on: dt.date = self.cleaned_data["occurred_on"]
        problem = event_date_problem(on, today=self.today)
        if problem:
            raise forms.ValidationError(problem)
        return on

    def clean_loss(self) -> Decimal:
        return self.cleaned_data.get("loss") or Decimal("0")
