"""Forms of the window and of the application steps. They only parse; the services decide (order, department,
area, dates, duplicates) and their Chinese refusals are shown on the page as they are."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.idnumber import mask
from jingzhun.core.params import RecordDateField

from .catalogue import Benefit

MONEY_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}
NOTE_MAX = 2000


class MoneyField(forms.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("widget", forms.TextInput(attrs=MONEY_ATTRS))
        super().__init__(**kwargs)


def _note(label: Any, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class WindowSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=60)


class ApplicationForm(forms.Form):
    """An application for one benefit: the member (member benefits), the year, the amount (the entitled amount
    by default), the documents received from the catalogue's checklist, the date taken and a note."""

    benefit = forms.CharField(widget=forms.HiddenInput, max_length=20)
    member = forms.TypedChoiceField(label=_("Member"), coerce=int, required=False, empty_value=None)
    year = forms.IntegerField(label=_("Benefit year"), min_value=2013, max_value=2100)
    amount = MoneyField(label=_("Amount applied for (yuan)"))
    documents = forms.MultipleChoiceField(
        label=_("Documents received"), required=False, widget=forms.CheckboxSelectMultiple
    )
    submitted_on = RecordDateField(label=_("Date taken"))
    note = _note(_("Note"))

    def __init__(self, *args: Any, benefit: Benefit, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["benefit"].initial = benefit.code
        if benefit.per_member:
            choices = [(m.pk, f"{m.name}（{m.get_relation_display()}，{mask(m.id_number)}）") for m in members]
            self.fields["member"].choices = [("", "—"), *choices]  # type: ignore[attr-defined]
            self.fields["member"].required = True
        else:
            del self.fields["member"]
        self.fields["documents"].choices = [(d, d) for d in benefit.documents]  # type: ignore[attr-defined]
        if not benefit.documents:
            del self.fields["documents"]
        self.fields["submitted_on"].initial = timezone.localdate()


class StepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class DecideForm(StepForm):
    decision = forms.ChoiceField(
        label=_("Decision on the application"),
        choices=[("approve", _("Approve the application")), ("refuse", _("Refuse the application"))],
        widget=forms.RadioSelect,
        initial="approve",
    )
    decided_on = RecordDateField(label=_("Date decided"))
    reason = _note(_("Reason for refusal"))
    note = _note(_("Note"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decided_on"].initial = timezone.localdate()


class PayForm(StepForm):
    paid_on = RecordDateField(label=_("Date paid"))
    amount = MoneyField(label=_("Amount paid out (yuan)"))
    note = _note(_("Note"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()


class WithdrawForm(StepForm):
    withdrawn_on = RecordDateField(label=_("Date withdrawn"))
    note = _note(_("Why it is withdrawn"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["withdrawn_on"].initial = timezone.localdate()


STEP_FORMS: dict[str, type[StepForm]] = {"decide": DecideForm, "pay": PayForm, "withdraw": WithdrawForm}
