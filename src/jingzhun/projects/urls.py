"""The project pages. Each part of the app declares its own pages in its own module; this one puts them
under /projects/."""

from django.urls import include, path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("new/", views.project_new, name="project_new"),
    path("assets/", views.asset_list, name="asset_list"),
    path("assets/<int:asset_id>/", views.asset_detail, name="asset_detail"),
    path("assets/<int:asset_id>/edit/", views.asset_form, name="asset_edit"),
    path("funds/", include("jingzhun.projects.fund_urls")),
    path("dividends/", include("jingzhun.projects.dividend_urls")),
    path("archive/", include("jingzhun.projects.archive_urls")),
    path("evaluations/", include("jingzhun.projects.evaluation_urls")),
    path("import/", include("jingzhun.projects.import_urls")),
    path("p/<str:code>/", views.project_detail, name="project_detail"),
    path("p/<str:code>/edit/", views.project_edit, name="project_edit"),
    path("p/<str:code>/beneficiaries/", views.project_beneficiaries, name="project_beneficiaries"),
    path("p/<str:code>/assets/new/", views.asset_form, name="asset_new"),
]
