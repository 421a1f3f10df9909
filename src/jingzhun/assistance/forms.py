"""Input forms of the assistance pages: they parse and check formats; the services check the business rules."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jingzhun.core.params import FilterDateField, RecordDateField

from .models import AttendanceStatus, HelperKind, MeasureKind
from .selectors import DEFAULT_VISIT_DAYS


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos from one input; the service sniffs each file's type and checks its size."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


def _today() -> dt.date:
    return timezone.localdate()


class HelperForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=60)
    kind = forms.ChoiceField(label=_("kind"), choices=HelperKind.choices, initial=HelperKind.HELPER)
    unit = forms.CharField(label=_("unit"), max_length=200)
    phone = forms.CharField(label=_("phone"), max_length=40, required=False)
    area = forms.ChoiceField(label=_("area"))
    account = forms.CharField(
        label=_("account (user name)"),
        max_length=150,
        required=False,
        help_text=_("Optional: the user name of a helper account of your area, not yet linked."),
    )

    def __init__(self, *args: Any, areas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = areas


class HelperEditForm(HelperForm):
    """A helper's details as they may be corrected (the login account is linked when the helper is added)."""

    def __init__(self, *args: Any, areas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, areas=areas, **kwargs)
        del self.fields["account"]


class EndForm(forms.Form):
    """The date and the reason a helper is deactivated or a work team's stay ends."""

    ended_on = RecordDateField(label=_("ended on"), initial=_today)
    end_reason = forms.CharField(label=_("end reason"), max_length=200)


class PairingForm(forms.Form):
    household_no = forms.CharField(label=_("household number"), max_length=40)
    started_on = RecordDateField(label=_("started on"), initial=_today)


class PairingEndForm(forms.Form):
    ended_on = RecordDateField(label=_("ended on"), initial=_today)
    end_reason = forms.CharField(label=_("end reason"), max_length=200)


class WorkTeamForm(forms.Form):
    village = forms.ChoiceField(label=_("village"))
    unit = forms.CharField(label=_("dispatching unit"), max_length=200)
    leader = forms.TypedChoiceField(label=_("leader (first secretary)"), coerce=int, required=False, empty_value=None)
    members = forms.TypedMultipleChoiceField(label=pgettext_lazy("work team", "members"), coerce=int, required=False)
    started_on = FilterDateField(label=_("from"), initial=_today, required=True)
    ended_on = FilterDateField(label=_("until"))

    def __init__(
        self,
        *args: Any,
        villages: list[tuple[str, str]],
        leaders: list[tuple[int, str]],
        helpers: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["village"]).choices = villages
        cast(forms.ChoiceField, self.fields["leader"]).choices = [("", "—"), *leaders]
        cast(forms.ChoiceField, self.fields["members"]).choices = helpers


class WorkTeamEditForm(WorkTeamForm):
    """A work team's details as they may be corrected (its village stays)."""

    def __init__(self, *args: Any, leaders: list[tuple[int, str]], helpers: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, villages=[], leaders=leaders, helpers=helpers, **kwargs)
        del self.fields["village"]


class AttendanceForm(forms.Form):
    date = RecordDateField(label=_("date"), initial=_today)
    member = forms.TypedChoiceField(label=pgettext_lazy("work team", "member"), coerce=int)
    status = forms.ChoiceField(label=_("status"), choices=AttendanceStatus.choices, initial=AttendanceStatus.PRESENT)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["member"]).choices = members


class PeriodForm(forms.Form):
    date_from = FilterDateField(label=_("from"))
    date_to = FilterDateField(label=_("to"))

    def period(self) -> tuple[dt.date, dt.date]:
        """The chosen period; this year so far by default."""
        today = _today()
        data = self.cleaned_data if self.is_valid() else {}
        date_to = data.get("date_to") or today
        date_from = data.get("date_from") or date_to.replace(month=1, day=1)
        if date_from > date_to:
            date_from, date_to = date_to, date_from
        return date_from, date_to


class NotVisitedForm(forms.Form):
    days = forms.IntegerField(label=_("days"), min_value=1, max_value=3650, required=False)
    village = forms.ChoiceField(label=_("village"), required=False)

    def __init__(self, *args: Any, villages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["village"]).choices = [("", _("all villages")), *villages]

    def values(self) -> tuple[int, str]:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("days") or DEFAULT_VISIT_DAYS, data.get("village") or ""


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=MeasureKind.choices)
    content = forms.CharField(label=_("content"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    started_on = RecordDateField(label=_("started on"), initial=_today)
    ended_on = FilterDateField(label=_("ended on"))
    amount = forms.DecimalField(label=_("amount (yuan)"), max_digits=12, decimal_places=2, required=False, min_value=0)
    result = forms.CharField(label=_("result"), max_length=500, required=False)


class VisitForm(forms.Form):
    visited_on = RecordDateField(label=_("visit date"), initial=_today)
    helper = forms.TypedChoiceField(label=_("helper"), coerce=int)
    findings = forms.CharField(label=_("findings"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    needs = forms.CharField(label=_("needs"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    follow_ups = forms.CharField(
        label=_("follow-ups"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    follow_up_due = FilterDateField(label=_("follow up by"))
    photos = MultiplePhotoField(label=_("photos"), required=False)

    def __init__(self, *args: Any, helpers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["helper"]).choices = helpers
        if len(helpers) == 1:
            self.fields["helper"].initial = helpers[0][0]
        today = _today().isoformat()
        self.fields["visited_on"].widget.attrs["max"] = today

    def follow_up_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("follow_ups", "").splitlines() if line.strip()]
