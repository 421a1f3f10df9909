"""The benefits pages. Each part of the app declares its own pages in its own module; this one puts them
under /benefits/."""

from django.urls import include, path

from . import views

app_name = "benefits"

urlpatterns = [
    path("", views.index, name="index"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("window/", include("jingzhun.benefits.window_urls")),
    path("applications/", include("jingzhun.benefits.application_urls")),
    path("payments/", include("jingzhun.benefits.payment_urls")),
    path("gaps/", include("jingzhun.benefits.gap_urls")),
    path("registers/", include("jingzhun.benefits.register_urls")),
]
