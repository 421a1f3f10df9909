"""The supervision reports' routes, included into the app's ``urls`` (app_name ``supervision``)."""

from django.urls import path

from . import report_views

urlpatterns = [
    path("statistics/", report_views.statistics, name="statistics"),
    path("late/", report_views.late, name="late"),
    *report_views.LEDGER_EXPORT.urls("export/ledger/"),
]
