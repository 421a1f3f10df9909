"""The payment pages of the benefits center under ``/benefits/payments/``: the list and its Excel table, a payment
entered at the window, the upload of a payments file with its progress and error report."""

from django.urls import URLPattern, path

from . import payment_views

urlpatterns: list[URLPattern] = [
    path("", payment_views.payment_list, name="payment_list"),
    path("new/", payment_views.payment_new, name="payment_new"),
    *payment_views.PAYMENT_EXPORT.urls("export/"),
    path("import/", payment_views.payment_import_new, name="payment_import_new"),
    path("import/<uuid:payments_job>/", payment_views.payment_import_detail, name="payment_import_detail"),
    path("import/<uuid:payments_job>/report/", payment_views.payment_import_report, name="payment_import_report"),
]
