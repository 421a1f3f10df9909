"""Forms of the fund pages: a fund, an allocation, a payment with its vouchers. They only parse; the services
decide (sums under a lock, scope, dates) and their Chinese refusals are shown on the page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.params import RecordDateField

from .fund_services import ATTACHMENT_TYPES
from .models import FundSource

ACCEPT = ",".join(s for kind in ATTACHMENT_TYPES for s in kind.suffixes)
MONEY_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}


class MoneyField(forms.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("widget", forms.TextInput(attrs=MONEY_ATTRS))
        super().__init__(**kwargs)


class FundForm(forms.Form):
    source = forms.ChoiceField(label=_("Fund source"), choices=FundSource.choices)
    year = forms.IntegerField(label=_("Budget year"), min_value=2013, max_value=2100)
    document_no = forms.CharField(label=_("Document number"), max_length=100)
    title = forms.CharField(label=_("Fund title"), max_length=200)
    amount = MoneyField(label=_("Amount (yuan)"))
    issued_on = RecordDateField(label=_("Issued on"))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        self.fields["issued_on"].initial = timezone.localdate()


class AllocationForm(forms.Form):
    project = forms.CharField(
        label=_("Project number"), max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    amount = MoneyField(label=_("Amount allocated (yuan)"))
    allocated_on = RecordDateField(label=_("Allocated on"))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["allocated_on"].initial = timezone.localdate()


class MultipleVoucherInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class VoucherFilesField(forms.FileField):
    """Several scanned vouchers from one input; the service checks each file's type from its bytes, its size and
    how many there are."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleVoucherInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(VoucherFilesField, self).clean(f, initial) for f in files]


class PaymentForm(forms.Form):
    allocation = forms.TypedChoiceField(label=_("Allocation paid from"), coerce=int)
    amount = MoneyField(label=_("Amount paid (yuan)"))
    paid_on = RecordDateField(label=_("Payment date"))
    voucher_no = forms.CharField(label=_("Voucher number"), max_length=100)
    payee = forms.CharField(label=_("Payee"), required=False, max_length=200)
    purpose = forms.CharField(label=_("Purpose"), required=False, max_length=200)
    vouchers = VoucherFilesField(label=_("Vouchers and invoices (PDF, photos, Word, Excel)"), required=False)

    def __init__(self, *args: Any, allocations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["allocation"].choices = allocations  # type: ignore[attr-defined]
        self.fields["paid_on"].initial = timezone.localdate()
