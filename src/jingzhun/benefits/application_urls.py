"""The applications queue and one application's page, under /benefits/applications/."""

from django.urls import path

from . import application_views as views

urlpatterns = [
    path("", views.application_list, name="application_list"),
    path("<int:application_id>/", views.application_detail, name="application_detail"),
]
