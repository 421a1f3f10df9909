"""The browser's import of findings files (docs/LEDGER.md §6), named within the ``supervision`` namespace: the site
adds them to the supervision pages (``urlpatterns += import_urls.urlpatterns`` in ``supervision/urls.py``)."""

from django.urls import URLPattern, URLResolver, path

from . import import_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("imports/", import_views.import_new, name="import_new"),
    path("imports/<uuid:findings_job>/", import_views.import_detail, name="import_detail"),
    path("imports/<uuid:findings_job>/report/", import_views.import_report, name="import_report"),
]
