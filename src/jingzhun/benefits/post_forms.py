"""Forms of the post register. They only parse; the services decide and their Chinese refusals are shown."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.params import RecordDateField

from .post_services import POST_KINDS, post_kind_name
from .register_forms import IdNumberField, MoneyField, MonthField


def kind_choices() -> list[tuple[str, str]]:
    return [(code, post_kind_name(code)) for code in POST_KINDS]


class PostForm(forms.Form):
    benefit = forms.ChoiceField(label=_("Kind of post"))
    village = forms.ChoiceField(label=_("Village"))
    title = forms.CharField(label=_("Post"), max_length=100)
    holder = IdNumberField(label=_("Holder's ID number"))
    monthly_pay = MoneyField(label=_("Monthly pay (yuan)"))
    started_on = RecordDateField(label=_("Start date"))

    def __init__(self, *args: Any, villages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["benefit"].choices = kind_choices()  # type: ignore[attr-defined]
        self.fields["village"].choices = villages  # type: ignore[attr-defined]
        self.fields["started_on"].initial = timezone.localdate()


class PostEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Post"), max_length=100)
    monthly_pay = MoneyField(label=_("Monthly pay (yuan)"))
    started_on = RecordDateField(label=_("Start date"))


class PostEndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    ended_on = RecordDateField(label=_("End date"))
    reason = forms.CharField(label=_("Reason it ended"), max_length=200)


class AttendanceForm(forms.Form):
    month = MonthField(label=_("Month"))
    days_required = forms.IntegerField(label=_("Days required"), min_value=1, max_value=31, initial=22)
    days_worked = forms.IntegerField(label=_("Days worked"), min_value=0, max_value=31)


class PayForm(forms.Form):
    paid_on = RecordDateField(label=_("Paid on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()


class MonthPayForm(PayForm):
    village = forms.ChoiceField(label=_("Village"))
    month = MonthField(label=_("Month"))
    field_order = ["village", "month", "paid_on"]

    def __init__(self, *args: Any, villages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = villages  # type: ignore[attr-defined]
