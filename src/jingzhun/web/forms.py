"""Forms of the registry's pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.policy.models import FLAG_LABELS, INDICATORS, Tier
from jingzhun.policy.selectors import LIST_FLAGS
from jingzhun.registry.vocab import PovertyStatus


class HouseholdFilterForm(forms.Form):
    """Search and filters of the household list. Every field is optional; an invalid one is ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=60)
    village = forms.ChoiceField(label=_("Village"), required=False)
    status = forms.ChoiceField(label=_("poverty status"), required=False)
    tier = forms.ChoiceField(label=_("Tier"), required=False)
    failed = forms.ChoiceField(label=_("Indicator failed"), required=False)
    flag = forms.ChoiceField(label=_("Flag"), required=False)
    after = forms.CharField(required=False, max_length=40)
    before = forms.CharField(required=False, max_length=40)

    def __init__(self, *args: object, villages: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        every = [("", _("All"))]
        self.fields["village"].choices = every + villages  # type: ignore[attr-defined]
        self.fields["status"].choices = every + list(PovertyStatus.choices)  # type: ignore[attr-defined]
        self.fields["tier"].choices = every + list(Tier.choices)  # type: ignore[attr-defined]
        self.fields["failed"].choices = every + [(name, FLAG_LABELS[name]) for name in INDICATORS]  # type: ignore[attr-defined]
        self.fields["flag"].choices = every + [(name, FLAG_LABELS[name]) for name in LIST_FLAGS]  # type: ignore[attr-defined]

    def values(self) -> dict[str, str]:
        """The valid values, blank for any field that did not validate."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned.get(name) or "" for name in self.fields}
