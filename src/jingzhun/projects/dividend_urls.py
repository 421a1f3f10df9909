"""The dividend pages, under /projects/dividends/ (docs/RULES.md §9)."""

from django.urls import path

from . import dividend_views as views

urlpatterns = [
    path("", views.dividend_list, name="dividend_list"),
    path("project/<str:code>/", views.project_dividends, name="project_dividends"),
    path("<int:distribution_id>/", views.distribution_detail, name="distribution_detail"),
    path("<int:distribution_id>/pay/", views.distribution_pay_view, name="distribution_pay"),
    *views.DIVIDEND_LIST_EXPORT.urls("<int:distribution_id>/export/", "export/"),
]
