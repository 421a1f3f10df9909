"""The supervision pages, mounted at /supervision/ (app ``supervision``)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "supervision"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.finding_list, name="finding_list"),
    path("queue/", views.queue, name="queue"),
    path("new/", views.finding_new, name="finding_new"),
    path("from-clue/<int:clue_id>/", views.finding_from_clue, name="finding_from_clue"),
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence_download"),
    path("<int:finding_id>/", views.finding_detail, name="finding_detail"),
]

# --- the import and report pages: the lead adds them here -------------------------------------------------------
# urlpatterns += import_urls.urlpatterns   (supervision/import_urls.py: `jingzhun import findings` in the browser)
# urlpatterns += report_urls.urlpatterns   (supervision/report_urls.py: the late list per level, statistics, ledger)
