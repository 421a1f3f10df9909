"""Forms of the monitoring pages: the case list's filters, opening a case, a workflow step, a tier change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.params import RecordDateField

from .models import CATEGORY_TEXT, HelpTier, RiskType
from .services import ATTACHMENT_TYPES, CHANNEL_ROLES, CHANNEL_TEXT, STAGE_TEXT, StepRule

EVERY = [("", _("All"))]
CATEGORY_CHOICES = [(str(code), text) for code, text in CATEGORY_TEXT.items()]
RISK_CHOICES = list(RiskType.choices)
TIER_CHOICES = [(str(tier), str(tier)) for tier in HelpTier.values]


class CaseFilterForm(forms.Form):
    """Filters of the case list. Every field is optional; an invalid one is ignored."""

    q = forms.CharField(label=_("Household number"), required=False, max_length=40)
    state = forms.ChoiceField(
        label=_("Cases"),
        required=False,
        choices=[
            ("open", _("Open")),
            ("monitored", _("Under monitoring (incl. elimination in progress)")),
            ("closed", _("Closed")),
            ("all", _("All")),
        ],
    )
    overdue = forms.ChoiceField(
        label=_("Overdue"),
        required=False,
        choices=[
            *EVERY,
            ("any", _("Any deadline passed")),
            ("decision", _("County decision overdue")),
            ("help", _("Instant help overdue")),
        ],
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[*EVERY, *((str(s), t) for s, t in STAGE_TEXT.items())]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[*EVERY, *((str(c), t) for c, t in CHANNEL_TEXT.items())]
    )
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[*EVERY, *CATEGORY_CHOICES])
    risk = forms.ChoiceField(label=_("Risk type"), required=False, choices=[*EVERY, *RISK_CHOICES])
    tier = forms.ChoiceField(label=_("Instant-help tier"), required=False, choices=[*EVERY, *TIER_CHOICES])
    town = forms.ChoiceField(label=_("Town"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False)
    after = forms.CharField(required=False, max_length=60)
    before = forms.CharField(required=False, max_length=60)

    FILTERS = ("q", "overdue", "stage", "channel", "category", "risk", "tier", "town", "village")

    def __init__(
        self, *args: Any, towns: list[tuple[str, str]], villages: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town"].choices = [*EVERY, *towns]  # type: ignore[attr-defined]
        if len(towns) < 2:  # a town's or a village's own users: one town or none, nothing to choose
            del self.fields["town"]
        self.fields["village"].choices = [*EVERY, *villages]  # type: ignore[attr-defined]

    def values(self) -> dict[str, str]:
        """The valid values, blank for any field that did not validate; the state defaults to open cases."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        values = {"town": ""} | {name: cleaned.get(name) or "" for name in self.fields}
        values["state"] = values["state"] or "open"
        return values


class _RiskFields(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[("", "—"), *CATEGORY_CHOICES])
    risk_types = forms.MultipleChoiceField(
        label=_("Risk types"), required=False, choices=RISK_CHOICES, widget=forms.CheckboxSelectMultiple
    )


class CaseOpenForm(_RiskFields):
    channel = forms.ChoiceField(label=_("Channel"), widget=forms.RadioSelect)
    discovered_on = RecordDateField(label=_("Discovered on"))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["channel", "discovered_on", "note", "category", "risk_types"]

    def __init__(self, *args: Any, role: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [  # type: ignore[attr-defined]
            (str(channel), CHANNEL_TEXT[channel]) for channel, roles in CHANNEL_ROLES.items() if role in roles
        ]
        self.fields["discovered_on"].initial = timezone.localdate()


class StepForm(_RiskFields):
    """What a user enters for one workflow step; which fields it has depends on the step's rule."""

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
    reason = forms.CharField(
        label=_("Reason (when not passed)"), required=False, max_length=500, widget=forms.TextInput()
    )
    file = forms.FileField(label=_("Attachment"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["action", "version", "on", "passed", "reason", "category", "risk_types", "file", "note"]

    def __init__(self, *args: Any, rule: StepRule, version: int, attachment_label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.fields["action"].initial = rule.action
        self.fields["version"].initial = version
        self.fields["on"].initial = timezone.localdate()
        if not rule.refusable:
            del self.fields["passed"]
            del self.fields["reason"]
        if rule.attachment:
            self.fields["file"].label = attachment_label or _("Attachment")
            self.fields["file"].widget.attrs["accept"] = ",".join(s for kind in ATTACHMENT_TYPES for s in kind.suffixes)
        else:
            del self.fields["file"]
        if rule.action not in ("home_check", "county_decide"):
            del self.fields["category"]
            del self.fields["risk_types"]
        if rule.action == "compare":
            self.fields["note"].label = _("Comparison result")


class TierForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    tier = forms.ChoiceField(label=_("New tier"), choices=list(HelpTier.choices))
    reason = forms.CharField(label=_("Reason"), max_length=500)
