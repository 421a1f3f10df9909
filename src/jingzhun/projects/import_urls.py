"""The project library's file pages under ``/projects/import/``: the upload of a project library file, its
progress and error report, and the office's Excel table of the library."""

from django.urls import URLPattern, path

from . import import_views

urlpatterns: list[URLPattern] = [
    path("", import_views.import_new, name="import_new"),
    path("<uuid:projects_job>/", import_views.import_detail, name="import_detail"),
    path("<uuid:projects_job>/report/", import_views.import_report, name="import_report"),
    *import_views.LIBRARY_EXPORT.urls("export/library/"),
]
