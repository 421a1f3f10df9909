"""The form of recording an exit (摘帽) of a poor village or a county."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.core.params import RecordDateField

from .services import EARLIEST_EXIT_YEAR


class AreaExitForm(forms.Form):
    """The exit's fields; its documents come as ``documents`` (several files), checked by the service."""

    year = forms.IntegerField(label=_("exit year"), min_value=EARLIEST_EXIT_YEAR, max_value=2099)
    document_no = forms.CharField(label=_("decision document number"), max_length=100)
    decided_on = RecordDateField(label=_("decided on"))
    note = forms.CharField(label=_("note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    override_reason = forms.CharField(
        label=_("override reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the latest assessment says the exit test is not met."),
    )
