"""Forms of the adjustment pages: the list's filters, an application, a step of the procedure."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.params import RecordDateField
from jingzhun.core.workflow import StepRule
from jingzhun.registry.vocab import Education, Health, Labor, MedicalInsurance, Relation, SchoolStatus

from .models import Kind
from .services import ATTACHMENT_TEXT, ATTACHMENT_TYPES, KIND_TEXT, STAGE_TEXT

EVERY = [("", _("All"))]
KIND_CHOICES = [(str(kind), text) for kind, text in KIND_TEXT.items()]
BLANK = [("", "—")]
ACCEPT = ",".join(s for kind in ATTACHMENT_TYPES for s in kind.suffixes)


class CaseFilterForm(forms.Form):
    """Filters of the case list. Every field is optional; an invalid one is ignored."""

    q = forms.CharField(label=_("Household number"), required=False, max_length=40)
    state = forms.ChoiceField(
        label=_("Cases"),
        required=False,
        choices=[("open", _("Open")), ("closed", _("Closed")), ("all", _("All"))],
    )
    kind = forms.ChoiceField(label=_("Adjustment"), required=False, choices=[*EVERY, *KIND_CHOICES])
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[*EVERY, *((str(s), t) for s, t in STAGE_TEXT.items())]
    )
    village = forms.ChoiceField(label=_("Village"), required=False)
    overdue = forms.BooleanField(label=_("County decision overdue"), required=False)
    after = forms.CharField(required=False, max_length=60)
    before = forms.CharField(required=False, max_length=60)

    FILTERS = ("q", "kind", "stage", "village", "overdue")

    def __init__(self, *args: Any, villages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [*EVERY, *villages]  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        """The valid values, blank for any field that did not validate; the state defaults to open cases."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        values = {name: cleaned.get(name) or "" for name in self.fields}
        values["state"] = values["state"] or "open"
        values["overdue"] = bool(cleaned.get("overdue"))
        return values


class ApplicationForm(forms.Form):
    """An application or discovery. Which of the member fields count depends on the kind; the service says what
    is missing."""

    kind = forms.ChoiceField(label=_("Adjustment"), choices=KIND_CHOICES)
    applied_on = RecordDateField(label=_("Applied on"))
    reason = forms.CharField(
        label=_("Reason for the adjustment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    file = forms.FileField(label=_("Application or verification material"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    # The member concerned (remove, correct).
    member = forms.ChoiceField(label=_("Member concerned"), required=False)
    member_status = forms.ChoiceField(
        label=_("Member status after removal"),
        required=False,
        choices=[*BLANK, ("deceased", _("deceased")), ("moved_out", _("moved out"))],
    )
    # The new member (add), or the corrected values (correct): blank = unchanged.
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=30)
    name = forms.CharField(label=_("Name"), required=False, max_length=60)
    relation = forms.ChoiceField(label=_("Relation to the head"), required=False, choices=[*BLANK, *Relation.choices])
    education = forms.ChoiceField(label=_("Education level"), required=False, choices=[*BLANK, *Education.choices])
    school_status = forms.ChoiceField(label=_("School status"), required=False, choices=[*BLANK, *SchoolStatus.choices])
    health = forms.ChoiceField(label=_("Health"), required=False, choices=[*BLANK, *Health.choices])
    labor = forms.ChoiceField(label=_("Labor"), required=False, choices=[*BLANK, *Labor.choices])
    medical_insurance = forms.ChoiceField(
        label=_("Basic medical insurance"), required=False, choices=[*BLANK, *MedicalInsurance.choices]
    )

    MEMBER_VALUES = (
        "id_number",
        "name",
        "relation",
        "education",
        "school_status",
        "health",
        "labor",
        "medical_insurance",
    )

    def __init__(self, *args: Any, members: list[tuple[str, str]], kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, t) for k, t in KIND_CHOICES if k in kinds]  # type: ignore[attr-defined]
        self.fields["member"].choices = [*BLANK, *members]  # type: ignore[attr-defined]
        self.fields["applied_on"].initial = timezone.localdate()
        self.fields["file"].widget.attrs["accept"] = ACCEPT

    def member_values(self) -> dict[str, Any]:
        values = self.cleaned_data
        return {
            name: values[name].strip() if name in ("id_number", "name") else values[name]
            for name in self.MEMBER_VALUES
            if values.get(name)
        }


class StepForm(forms.Form):
    """What a user enters for one step; which fields it has depends on the step's rule."""

    action = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    on = RecordDateField(label=_("Date"))
    passed = forms.TypedChoiceField(
        label=_("Result"),
        choices=[("yes", _("Passed")), ("no", _("Not passed"))],
        coerce=lambda value: value == "yes",
        initial="yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason (when not passed)"), required=False, max_length=500)
    decision_no = forms.CharField(label=_("Decision document number"), required=False, max_length=100)
    override_reason = forms.CharField(
        label=_("Override reason (exit against the assessment)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    file = forms.FileField(label=_("Attachment"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, rule: StepRule, version: int, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.fields["action"].initial = rule.action
        self.fields["version"].initial = version
        self.fields["on"].initial = timezone.localdate()
        if not rule.refusable:
            del self.fields["passed"]
            del self.fields["reason"]
        if rule.attachment:
            self.fields["file"].label = ATTACHMENT_TEXT[rule.attachment]
        elif rule.action == "county_decide":
            self.fields["file"].label = ATTACHMENT_TEXT["decision"]
        else:
            del self.fields["file"]
        if "file" in self.fields:
            self.fields["file"].widget.attrs["accept"] = ACCEPT
        if rule.action != "county_decide":
            del self.fields["decision_no"]
            del self.fields["override_reason"]
        elif kind != Kind.EXIT:
            del self.fields["override_reason"]
