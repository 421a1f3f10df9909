"""The pages of 应享未享 and 不应享而享 (under /benefits/gaps/)."""

from django.urls import path

from . import gap_views

urlpatterns = [
    path("", gap_views.gap_list, name="gap_list"),
    path("export/", gap_views.gap_export, name="gap_export"),
    path("compute/", gap_views.gap_compute, name="gap_compute"),
    path("unentitled/", gap_views.unentitled_list, name="unentitled_list"),
    path("unentitled/export/", gap_views.unentitled_export, name="unentitled_export"),
]
