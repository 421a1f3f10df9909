"""The supervision pages, mounted at /supervision/ (app ``supervision``)."""

from django.urls import URLPattern, URLResolver, path

from . import import_urls, report_urls, views

app_name = "supervision"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.finding_list, name="finding_list"),
    path("queue/", views.queue, name="queue"),
    path("new/", views.finding_new, name="finding_new"),
    path("from-clue/<int:clue_id>/", views.finding_from_clue, name="finding_from_clue"),
    path(
        "from-project-problem/<int:item_id>/", views.finding_from_project_problem, name="finding_from_project_problem"
    ),
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence_download"),
    path("<int:finding_id>/", views.finding_detail, name="finding_detail"),
]

# The statistics, the escalation lists per level and the rectification ledger (report_views.py); a findings file
# imported in the browser (import_views.py, a job of core.uploads).
urlpatterns += report_urls.urlpatterns
urlpatterns += import_urls.urlpatterns
