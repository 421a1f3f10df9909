"""The browser's import of the year's decision workbook (docs/LEDGER.md §8), under ``/adjustments/import/`` in a
namespace of its own (the adjustment pages keep ``adjustments``)."""

from django.urls import URLPattern, URLResolver, path

from . import import_views

app_name = "adjustment_imports"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", import_views.import_new, name="new"),
    path("<uuid:decisions_job>/", import_views.import_detail, name="detail"),
    path("<uuid:decisions_job>/report/", import_views.import_report, name="report"),
]
