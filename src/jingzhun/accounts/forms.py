"""Forms of the account pages; they validate input, the services act."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from jingzhun.areas.models import Area
from jingzhun.core.params import FilterDateField
from jingzhun.core.widgets import DatalistInput

from .departments import department_choices
from .models import AccessLog, AuditEvent, Role, User

# The roles the security administrator hands out; NONE is only where new accounts start.
ASSIGNABLE_ROLES = [(value, label) for value, label in Role.choices if value != Role.NONE]


class AreaCodeField(forms.CharField):
    """An area by its 12-digit statistical code (a select over every village of a county would be huge)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("12-digit area code; empty for none (administrators need none)."))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Area | None:  # type: ignore[override]
        code = super().clean(value).strip()
        if not code:
            return None
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise forms.ValidationError(_("No area has the code %(code)s."), params={"code": code})
        return area


def department_field() -> forms.CharField:
    """A department clerk's department (User.department): one of the known departments, or another's name."""
    return forms.CharField(
        label=_("Department"),
        required=False,
        max_length=40,
        widget=DatalistInput(choices=department_choices),
        help_text=_("For a department clerk: the department whose supervision findings it rectifies."),
    )


class AccountCreateForm(forms.Form):
    username = forms.RegexField(label=_("Username"), max_length=150, regex=r"^[\w.@+-]+\Z")
    display_name = forms.CharField(label=_("Name"), max_length=150)
    area = AreaCodeField(label=_("Area code"))
    department = department_field()
    password1 = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Initial password again"), widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second:
            if first != second:
                self.add_error("password2", _("The two passwords differ."))
            else:
                candidate = User(username=cleaned.get("username", ""), first_name=cleaned.get("display_name", ""))
                try:
                    password_validation.validate_password(first, candidate)
                except forms.ValidationError as error:
                    self.add_error("password1", error)
        return cleaned


class AccountChangeForm(forms.Form):
    display_name = forms.CharField(label=_("Name"), max_length=150)
    area = AreaCodeField(label=_("Area code"))
    department = department_field()


class PasswordResetByAdministratorForm(forms.Form):
    password1 = forms.CharField(label=_("New initial password"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args: Any, account: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account

    def clean_password1(self) -> str:
        password = self.cleaned_data["password1"]
        password_validation.validate_password(password, self.account)
        return password


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ASSIGNABLE_ROLES)
    may_see_id_numbers = forms.BooleanField(label=_("May see full ID numbers"), required=False)


class UnlockForm(forms.Form):
    username = forms.CharField(max_length=150)


class LogFilterForm(forms.Form):
    actor = forms.CharField(label=_("User"), max_length=150, required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    since = FilterDateField(label=_("From"))
    until = FilterDateField(label=_("To"))

    def __init__(self, *args: Any, actions: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All")), *actions]  # type: ignore[attr-defined]


def audit_filter_form(data: Any) -> LogFilterForm:
    return LogFilterForm(data, actions=AuditEvent.Action.choices)


def access_filter_form(data: Any) -> LogFilterForm:
    return LogFilterForm(data, actions=AccessLog.Action.choices)


class ApiTokenIssueForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"), max_length=100, help_text=_("What it is for, e.g. the system or script that uses it.")
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=90)
    may_see_id_numbers = forms.BooleanField(
        label=_("Full ID numbers through this token"),
        required=False,
        help_text=_("Only if the account itself may see them; every response that shows them is logged."),
    )
