"""The fund pages, under /projects/funds/."""

from django.urls import path

from . import fund_views as views

urlpatterns = [
    path("", views.funds_index, name="funds_index"),
    path("new/", views.fund_new, name="fund_new"),
    path("early/", views.funds_early, name="funds_early"),
    *views.FUND_LEDGER_EXPORT.urls("ledger/"),
    path("<int:fund_id>/", views.fund_detail, name="fund_detail"),
    path("project/<str:code>/", views.project_funds, name="project_funds"),
    path("attachments/<int:payment_attachment_id>/", views.payment_attachment, name="payment_attachment"),
]
