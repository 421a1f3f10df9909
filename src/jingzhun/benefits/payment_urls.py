"""The payment pages of the benefits center (filled in by that part)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
