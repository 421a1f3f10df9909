"""The project pages. Each part of the app declares its own pages in its own module; this one puts them
under /projects/."""

from django.urls import include, path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("funds/", include("jingzhun.projects.fund_urls")),
    path("dividends/", include("jingzhun.projects.dividend_urls")),
    path("archive/", include("jingzhun.projects.archive_urls")),
    path("evaluations/", include("jingzhun.projects.evaluation_urls")),
    path("import/", include("jingzhun.projects.import_urls")),
]
