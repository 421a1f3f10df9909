"""The forms of the payment pages: the list's filters, a payment entered at the window, the upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.core.params import RecordDateField
from jingzhun.registry.models import Member

from .catalogue import Benefit
from .models import PaymentSource
from .payment_selectors import PaymentFilters
from .payment_services import MAX_AMOUNT

EVERY = [("", _("All"))]


class PaymentFilterForm(forms.Form):
    """Filters of the payment list; an invalid one is ignored."""

    household_no = forms.CharField(label=_("Household number"), required=False, max_length=40)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    benefit = forms.ChoiceField(label=_("Benefit"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    town = forms.ChoiceField(label=_("Town"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False)
    source = forms.ChoiceField(label=_("Entered by"), required=False, choices=[*EVERY, *PaymentSource.choices])
    after = forms.CharField(required=False, max_length=30)
    before = forms.CharField(required=False, max_length=30)

    SELECTS = ("year", "benefit", "department", "town", "village", "source")

    def __init__(
        self,
        *args: Any,
        years: list[int],
        benefits: list[Benefit],
        departments: list[tuple[str, str]],
        towns: list[tuple[str, str]],
        villages: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [*EVERY, *((y, str(y)) for y in years)]  # type: ignore[attr-defined]
        self.fields["benefit"].choices = [*EVERY, *((b.code, f"{b.code} {b.name}") for b in benefits)]  # type: ignore[attr-defined]
        self.fields["department"].choices = [*EVERY, *departments]  # type: ignore[attr-defined]
        self.fields["town"].choices = [*EVERY, *towns]  # type: ignore[attr-defined]
        self.fields["village"].choices = [*EVERY, *villages]  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned.get(name) or ("" if name != "year" else None) for name in self.fields}

    def filters(self) -> PaymentFilters:
        v = self.values()
        return PaymentFilters(
            year=v["year"],
            benefit=v["benefit"],
            department=v["department"],
            town=v["town"],
            village=v["village"],
            source=v["source"],
            household_no=v["household_no"].strip(),
        )


class PaymentForm(forms.Form):
    """A payment entered at the window for one household (found by its number first)."""

    household_no = forms.CharField(label=_("Household number"), max_length=40, widget=forms.HiddenInput)
    benefit = forms.ChoiceField(label=_("Benefit"))
    member = forms.TypedChoiceField(
        label=_("Member paid"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("For a benefit paid to a member; leave blank for a household benefit."),
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=14, decimal_places=2, min_value=0.01, max_value=MAX_AMOUNT
    )
    paid_on = RecordDateField(label=_("Paid on"))
    department = forms.CharField(
        label=_("Paying department"),
        max_length=100,
        required=False,
        help_text=_("Blank: the benefit's department in the catalogue."),
    )

    def __init__(self, *args: Any, benefits: list[Benefit], members: list[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["benefit"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((b.code, f"{b.code} {b.name}（{'成员' if b.per_member else '整户'}）") for b in benefits),
        ]
        self.fields["member"].choices = [  # type: ignore[attr-defined]
            ("", _("(the household)")),
            *(
                (
                    m.pk,
                    f"{m.name}（{m.get_relation_display()}{'' if m.status == 'active' else '，' + m.get_status_display()}）",
                )
                for m in members
            ),
        ]
        self.members = {m.pk: m for m in members}


class PaymentUploadForm(forms.Form):
    file = forms.FileField(label=_("Payments file (.xlsx or .csv)"))
