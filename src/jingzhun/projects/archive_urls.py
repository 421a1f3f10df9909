"""The archive pages (三色档案), under /projects/archive/."""

from django.urls import URLPattern, path

from . import archive_views

urlpatterns: list[URLPattern] = [
    path("", archive_views.archive_index, name="archive_index"),
    path("project/<str:code>/", archive_views.project_archive, name="project_archive"),
    path("file/<int:file_id>/", archive_views.archive_file, name="archive_file"),
]
