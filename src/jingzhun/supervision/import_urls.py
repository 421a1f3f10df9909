"""The browser's import of findings files (docs/LEDGER.md §6). Included by the site's URL configuration, e.g.
``path("supervision/imports/", include("jingzhun.supervision.import_urls"))``."""

from django.urls import path

from . import import_views

app_name = "supervision_import"

urlpatterns: list = [
    path("", import_views.import_new, name="import_new"),
    path("<uuid:job_id>/", import_views.import_detail, name="import_detail"),
    path("<uuid:job_id>/report/", import_views.import_report, name="import_report"),
]
