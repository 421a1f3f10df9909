"""Forms of the project library and asset pages. The services check everything again; a form only reads the
request into typed values within bounds."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.core.params import RecordDateField
from jingzhun.core.widgets import DateInput

from .models import AssetKind, AssetState, ProjectKind, ProjectLevel, Stage
from .services import AssetInput, ProjectInput

EVERY = [("", _("All"))]
WAYS = [("by_dividend", "分红"), ("by_work", "务工"), ("by_land", "土地流转"), ("by_other", "其他")]


class ProjectFilterForm(forms.Form):
    """Filters of the project list; an invalid one is ignored."""

    q = forms.CharField(label=_("Project number or name"), required=False, max_length=60)
    year = forms.TypedChoiceField(label=_("Approval year"), required=False, coerce=int, empty_value=None)
    stage = forms.ChoiceField(label=_("Project stage"), required=False, choices=[*EVERY, *Stage.choices])
    kind = forms.ChoiceField(label=_("Project type"), required=False, choices=[*EVERY, *ProjectKind.choices])
    level = forms.ChoiceField(label=_("Project level"), required=False, choices=[*EVERY, *ProjectLevel.choices])
    town = forms.ChoiceField(label=_("Town"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False)
    after = forms.CharField(required=False, max_length=60)
    before = forms.CharField(required=False, max_length=60)

    def __init__(
        self,
        *args: Any,
        years: list[int],
        towns: list[tuple[str, str]],
        villages: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [*EVERY, *((y, str(y)) for y in years)]  # type: ignore[attr-defined]
        self.fields["town"].choices = [*EVERY, *towns]  # type: ignore[attr-defined]
        self.fields["village"].choices = [*EVERY, *villages]  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned.get(name) or ("" if name != "year" else None) for name in self.fields}


class ProjectForm(forms.Form):
    code = forms.CharField(label=_("Project number"), max_length=40)
    name = forms.CharField(label=_("Project name"), max_length=200)
    kind = forms.ChoiceField(label=_("Project type"), choices=ProjectKind.choices)
    level = forms.ChoiceField(label=_("Project level"), choices=ProjectLevel.choices)
    area_code = forms.ChoiceField(label=_("Area served"))
    year = forms.IntegerField(label=_("Approval year"), min_value=2013, max_value=2099)
    planned_investment = forms.DecimalField(
        label=_("Planned investment (yuan)"), max_digits=14, decimal_places=2, min_value=0
    )
    responsible_unit = forms.CharField(label=_("Responsible unit"), max_length=200, required=False)
    operator = forms.CharField(label=_("Operator"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    on = RecordDateField(label=_("Declared on"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, areas: list[tuple[str, str]], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = areas  # type: ignore[attr-defined]
        if editing:
            self.fields["code"].disabled = True
            self.fields["on"].label = _("Date of the change")

    def project_input(self) -> ProjectInput:
        v = self.cleaned_data
        return ProjectInput(
            name=v["name"],
            kind=v["kind"],
            level=v["level"],
            area_code=v["area_code"],
            year=v["year"],
            planned_investment=v["planned_investment"],
            responsible_unit=v["responsible_unit"],
            operator=v["operator"],
            description=v["description"],
        )


class StepForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    on = RecordDateField(label=_("Date"))
    operator = forms.CharField(label=_("Operator"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BeneficiaryForm(forms.Form):
    household_no = forms.CharField(label=_("Household number"), max_length=40)
    ways = forms.MultipleChoiceField(label=_("How it benefits"), choices=WAYS, widget=forms.CheckboxSelectMultiple)
    refused_post = forms.BooleanField(label=_("Refused an offered job or public-welfare post"), required=False)
    refusal_reason = forms.CharField(label=_("Reason for the refusal"), max_length=500, required=False)


class AssetForm(forms.Form):
    code = forms.CharField(label=_("Asset number"), max_length=40)
    name = forms.CharField(label=_("Asset name"), max_length=200)
    kind = forms.ChoiceField(label=_("Asset type"), choices=AssetKind.choices)
    state = forms.ChoiceField(label=_("Asset state"), choices=AssetState.choices)
    value = forms.DecimalField(label=_("Book value (yuan)"), max_digits=14, decimal_places=2, min_value=0)
    formed_on = RecordDateField(label=_("Formed on"))
    owner = forms.CharField(label=_("Owner (ownership right)"), max_length=200)
    operator = forms.CharField(label=_("Operator (operating right)"), max_length=200, required=False)
    operating_mode = forms.CharField(label=_("Operating mode"), max_length=100, required=False)
    contract_no = forms.CharField(label=_("Contract number"), max_length=100, required=False)
    contract_start = forms.DateField(label=_("Contract from"), required=False, widget=DateInput())
    contract_end = forms.DateField(label=_("Contract until"), required=False, widget=DateInput())
    income_beneficiary = forms.CharField(label=_("Income goes to (income right)"), max_length=200, required=False)
    income_method = forms.CharField(label=_("How the income is shared"), max_length=200, required=False)
    supervisor = forms.CharField(label=_("Supervisor (supervision right)"), max_length=200, required=False)
    published_at = forms.CharField(label=_("Published at"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def asset_input(self) -> AssetInput:
        v = self.cleaned_data
        return AssetInput(**{name: v[name] for name in AssetInput.__dataclass_fields__})


class AssetIncomeForm(forms.Form):
    period_start = forms.DateField(label=_("Period from"), widget=DateInput())
    period_end = forms.DateField(label=_("Period until"), widget=DateInput())
    amount = forms.DecimalField(label=_("Income (yuan)"), max_digits=14, decimal_places=2, min_value=0)
    received_on = RecordDateField(label=_("Received on"))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
