"""The window pages, under /benefits/window/."""

from django.urls import path

from . import window_views as views

urlpatterns = [
    path("", views.window, name="window"),
    path("<str:household_no>/", views.window_household, name="window_household"),
]
