"""The payment pages of the benefits center: the list of payments (filters, paging, totals, IDs masked unless
allowed) and its office Excel table, a payment entered at the window, and the upload of a payments file
(docs/LEDGER.md §5) with its progress and error report.

Every read goes through :func:`selectors.payments_for_user` (the user's area; a department clerk its department's
benefits) and every write through :func:`payment_services.payment_record` or the import, which check again."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.export_pages import ExportPages
from jingzhun.accounts.permissions import Capability, user_can, user_sees_id_numbers
from jingzhun.accounts.selectors import id_number_shown
from jingzhun.accounts.services import unmasked_view_record
from jingzhun.accounts.upload_pages import UploadPages
from jingzhun.areas.selectors import towns_in_scope, villages_in_scope
from jingzhun.core.paging import keyset_page, query_without_paging
from jingzhun.core.params import query_text
from jingzhun.core.scope import scope_prefix

from . import export_jobs
from . import payment_selectors as selectors
from .payment_forms import PaymentFilterForm, PaymentForm, PaymentUploadForm
from .payment_import_jobs import KIND
from .payment_services import PaymentRefused, payment_record
from .selectors import catalogue_in_force

PAGE_SIZE = 50
view_benefits = capability_required(Capability.VIEW_BENEFITS)
record_payments = capability_required(Capability.RECORD_BENEFIT_PAYMENTS)


def _may_record(user: Any) -> bool:
    # No area: an empty prefix would mean every area.
    return user_can(user, Capability.RECORD_BENEFIT_PAYMENTS) and bool(scope_prefix(user))


def _filter_form(request: HttpRequest, params: QueryDict | None = None) -> PaymentFilterForm:
    """The list's filters from ``params`` (default: the request's query)."""
    user = request.user
    prefix = scope_prefix(user)
    catalogue = catalogue_in_force()
    benefits = selectors.benefits_visible_to(user=user)
    departments = sorted({b.department for b in benefits})
    return PaymentFilterForm(
        request.GET if params is None else params,
        years=selectors.payment_years_for_user(user=user),
        benefits=benefits,
        departments=[(key, catalogue.department_name(key)) for key in departments],
        towns=towns_in_scope(prefix=prefix),
        villages=villages_in_scope(prefix=prefix),
    )


@require_GET
@view_benefits
def payment_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = _filter_form(request)
    values = form.values()
    filters = form.filters()
    payments = selectors.payment_search_for_user(user=user, filters=filters)
    page = keyset_page(
        payments.select_related("household__village", "member"),
        key="pk",
        after=values["after"],
        before=values["before"],
        size=PAGE_SIZE,
        descending=True,
    )
    for payment in page.rows:
        member = payment.member
        payment.shown_id = id_number_shown(user=user, id_number=member.id_number if member else "")  # type: ignore[attr-defined]
    if page.rows and any(p.member_id for p in page.rows):
        unmasked_view_record(user=user, target="benefit-payments", detail={"payments": [p.pk for p in page.rows]})
    context = {
        "form": form,
        "page": page,
        "query": query_without_paging(request),
        "totals": selectors.payment_totals(payments),
        "may_record": _may_record(user),
        "unmasked": user_sees_id_numbers(user),
        "export_query": urlencode(filters.as_query()),
        "filtered": bool(filters.as_query()),
    }
    return render(request, "benefits/payment_list.html", context)


# The office's table (.xlsx) of the payments the list shows with the same filters, written in the background
# (accounts.export_pages).
PAYMENT_EXPORT = ExportPages(
    kind=export_jobs.PAYMENTS,
    title="政策兑现发放明细表",
    guard=view_benefits,
    params=lambda request, query: _filter_form(request, query).filters().as_query(),
    url_name="benefits:payment_export",
    back=lambda job: f"{reverse('benefits:payment_list')}?{urlencode(job.params)}",
)


@require_http_methods(["GET", "POST"])
@record_payments
def payment_new(request: HttpRequest) -> HttpResponse:
    """Find the household by its number, then enter one payment for it (or one of its members)."""
    user = request.user
    if not scope_prefix(user):
        raise PermissionDenied
    params, name = (request.POST, "household_no") if request.method == "POST" else (request.GET, "household")
    number = query_text(params, name, max_length=40)  # "" for a NUL, which PostgreSQL refuses in text
    household = selectors.household_for_payment(user=user, household_no=number)
    context: dict[str, Any] = {"number": number, "household": household, "error": ""}
    if household is None:
        # A number outside the user's area is "not found", like one that does not exist.
        status = 404 if number else 200
        if number:
            context["error"] = _("No household %(number)s in your area.") % {"number": number}
        return render(request, "benefits/payment_new.html", context, status=status)
    members = selectors.household_members(household=household)
    benefits = selectors.benefits_payable_by(user=user)
    initial = {"household_no": household.household_no, "paid_on": timezone.localdate()}
    if request.method == "POST":
        form = PaymentForm(request.POST, benefits=benefits, members=members)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment = payment_record(
                    user=user,
                    benefit_code=data["benefit"],
                    household=household,
                    member=form.members.get(data["member"]) if data["member"] else None,
                    amount=data["amount"],
                    paid_on=data["paid_on"],
                    department=data["department"].strip(),
                )
            except PaymentRefused as refused:
                context["error"] = str(refused)
            else:
                messages.success(
                    request,
                    _("Recorded: %(benefit)s, %(amount)s yuan, paid on %(date)s.")
                    % {"benefit": payment.benefit_name, "amount": f"{payment.amount:,.2f}", "date": payment.paid_on},
                )
                return redirect(f"{reverse('benefits:payment_list')}?{urlencode({'household_no': number})}")
    else:
        form = PaymentForm(initial=initial, benefits=benefits, members=members)
    context.update(
        {
            "form": form,
            "members": [(m, id_number_shown(user=user, id_number=m.id_number)) for m in members],
        }
    )
    unmasked_view_record(user=user, target=f"household:{household.household_no}")
    status = 400 if context["error"] or form.errors else 200
    return render(request, "benefits/payment_new.html", context, status=status)


IMPORT_PAGES = UploadPages(
    kind=KIND,
    may_import=_may_record,
    form=PaymentUploadForm,
    templates="benefits/payment_import",
    detail_url="benefits:payment_import_detail",
    job_kwarg="payments_job",
    report_what="政策发放导入错误报告",
)
payment_import_new = IMPORT_PAGES.new
payment_import_detail = IMPORT_PAGES.detail
payment_import_report = IMPORT_PAGES.report
