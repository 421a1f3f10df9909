"""The pages of 应享未享 and 不应享而享 (under /benefits/gaps/)."""

from django.urls import path

from . import gap_views

urlpatterns = [
    path("", gap_views.gap_list, name="gap_list"),
    *gap_views.GAP_EXPORT.urls("export/"),
    path("compute/", gap_views.gap_compute, name="gap_compute"),
    path("unentitled/", gap_views.unentitled_list, name="unentitled_list"),
    *gap_views.UNENTITLED_EXPORT.urls("unentitled/export/"),
]
