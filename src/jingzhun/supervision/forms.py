"""Forms of the supervision pages: the findings list's filters, recording a finding, and the steps taken on a
finding's page (交办, 整改, 退回, 核验销号). They parse and bound the input; the services check the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jingzhun.core.params import RecordDateField
from jingzhun.core.widgets import DatalistInput
from jingzhun.crosscheck.models import Department

from .models import Category, PartKind, Source
from .services import DESCRIPTION_MAX, EVIDENCE_TYPES

EVERY = [("", _("All"))]
STATE_CHOICES = [
    ("open", _("Not closed")),
    ("unassigned", _("Not assigned")),
    ("rectifying", _("Being rectified")),
    ("awaiting", _("Awaiting verification")),
    ("closed", _("Closed")),
    ("all", _("All")),
]
LATE_CHOICES = [
    *EVERY,
    ("any", _("Overdue (any)")),
    ("市级", _("Escalated to the city (assignment overdue)")),
    ("县级", _("Escalated to the county (rectification overdue)")),
]
EVIDENCE_ACCEPT = ",".join(suffix for kind in EVIDENCE_TYPES for suffix in kind.suffixes)


class FindingFilterForm(forms.Form):
    """Filters of the findings list. Every field is optional; an invalid one is ignored."""

    state = forms.ChoiceField(label=_("State"), required=False, choices=STATE_CHOICES)
    late = forms.ChoiceField(label=_("Overdue"), required=False, choices=LATE_CHOICES)
    source = forms.ChoiceField(
        label=pgettext_lazy("finding", "Source"), required=False, choices=[*EVERY, *Source.choices]
    )
    category = forms.ChoiceField(
        label=pgettext_lazy("finding", "Category"), required=False, choices=[*EVERY, *Category.choices]
    )
    town = forms.ChoiceField(label=_("Town"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False)
    after = forms.CharField(required=False, max_length=60)
    before = forms.CharField(required=False, max_length=60)

    FILTERS = ("late", "source", "category", "town", "village")

    def __init__(
        self, *args: Any, towns: list[tuple[str, str]], villages: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["town"]).choices = [*EVERY, *towns]
        cast(forms.ChoiceField, self.fields["village"]).choices = [*EVERY, *villages]

    def values(self) -> dict[str, str]:
        """The valid values, blank for any field that did not validate; the state defaults to findings not closed."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        values = {name: cleaned.get(name) or "" for name in self.fields}
        values["state"] = values["state"] or "open"
        return values


class MultipleEvidenceInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several evidence files from one input (photos, PDF, Word, Excel); the service checks each file's type from its
    bytes, its size and how many there are."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleEvidenceInput(attrs={"accept": EVIDENCE_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(EvidenceField, self).clean(f, initial) for f in files]


def department_field(**kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=_("Responsible department"),
        required=False,
        max_length=40,
        widget=DatalistInput(choices=Department.choices),
        help_text=_("Choose a department of the data comparison or type another department's name."),
        **kwargs,
    )


class FindingRecordForm(forms.Form):
    source = forms.ChoiceField(label=pgettext_lazy("finding", "Source"), choices=[("", "—"), *Source.choices])
    found_on = RecordDateField(label=_("Found on"))
    area = forms.ChoiceField(label=_("Where it was found"), required=False)
    household_no = forms.CharField(
        label=_("Household number"),
        required=False,
        max_length=40,
        help_text=_("Optional: the household the finding concerns."),
    )
    category = forms.ChoiceField(label=pgettext_lazy("finding", "Category"), choices=[("", "—"), *Category.choices])
    description = forms.CharField(
        label=_("Description"), max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    town = forms.ChoiceField(label=_("Responsible town"), required=False)
    department = department_field()
    evidence = EvidenceField(label=_("Evidence (photos, PDF, Word, Excel)"), required=False)

    def __init__(self, *args: Any, areas: list[tuple[str, str]], towns: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = [("", "—"), *areas]
        cast(forms.ChoiceField, self.fields["town"]).choices = [("", "—"), *towns]
        self.fields["found_on"].initial = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("area") and not cleaned.get("household_no") and "area" not in self.errors:
            self.add_error("area", _("Choose where it was found, or give the household number."))
        if not cleaned.get("town") and not (cleaned.get("department") or "").strip() and "town" not in self.errors:
            self.add_error("town", _("Give the responsible town, the responsible department, or both."))
        return cleaned


class _StepForm(forms.Form):
    """What every step posts: the finding's version the user saw, and the date (the action, unprefixed, says which
    form it is)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    on = RecordDateField(label=_("Date"))

    ACTION = ""

    def __init__(self, *args: Any, version: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = version
        self.fields["on"].initial = timezone.localdate()


class _PartStepForm(_StepForm):
    kind = forms.ChoiceField(choices=PartKind.choices, widget=forms.HiddenInput)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = kind
        self.part_kind = kind


class AssignForm(_StepForm):
    ACTION = "assign"

    town = forms.ChoiceField(label=_("Responsible town"), required=False)
    department = department_field()
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, towns: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["town"]).choices = [("", "—"), *towns]
        self.fields["on"].label = _("Assigned on")


class RectifyForm(_PartStepForm):
    ACTION = "rectify"

    rectification = forms.CharField(
        label=_("What was done"), max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = EvidenceField(label=_("Evidence (photos, PDF, Word, Excel)"), required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].label = _("Rectified on")


class ReopenForm(_PartStepForm):
    ACTION = "reopen"

    reason = forms.CharField(label=_("Reason for sending it back"), max_length=500)


class VerifyForm(_StepForm):
    ACTION = "verify"

    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].label = _("Verified on")
