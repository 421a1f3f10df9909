from django.urls import path

from . import import_views

app_name = "imports"
urlpatterns = [
    path("", import_views.import_new, name="new"),
    path("<uuid:job_id>/", import_views.import_detail, name="detail"),
    path("<uuid:job_id>/report/", import_views.import_report, name="report"),
]
