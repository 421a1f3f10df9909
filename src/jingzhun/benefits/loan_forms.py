"""Forms of the micro-credit register. They only parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.params import RecordDateField

from .register_forms import MONEY_ATTRS, IdNumberField, MoneyField


class RateField(forms.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 6)
        kwargs.setdefault("decimal_places", 3)
        kwargs.setdefault("widget", forms.TextInput(attrs=MONEY_ATTRS))
        super().__init__(**kwargs)


class LoanForm(forms.Form):
    borrower = IdNumberField(label=_("Borrower's ID number"))
    bank = forms.CharField(label=_("Bank"), max_length=100)
    contract_no = forms.CharField(label=_("Contract number"), max_length=60)
    amount = MoneyField(label=_("Loan amount (yuan)"))
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=120, initial=36)
    annual_rate = RateField(label=_("Annual rate (%)"))
    subsidy_rate = RateField(label=_("Interest subsidy rate (%)"))
    issued_on = RecordDateField(label=_("Loan issued on"))
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issued_on"].initial = timezone.localdate()


class RepaymentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    paid_on = RecordDateField(label=_("Repayment date"))
    principal = MoneyField(label=_("Principal (yuan)"), initial=0)
    interest = MoneyField(label=_("Interest (yuan)"), initial=0)
    interest_subsidy = MoneyField(label=_("Interest subsidy (yuan)"), initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()
