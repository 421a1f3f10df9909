from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("instant-help/", views.instant_help, name="instant_help"),
    path("open/", views.case_open, name="case_open"),
    path("export/monitoring.xlsx", views.export_monitoring, name="export_monitoring"),
    path("export/instant-help.xlsx", views.export_instant_help, name="export_instant_help"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
    path("<int:case_id>/", views.case_detail, name="case_detail"),
    path("<int:case_id>/tier/", views.case_tier, name="case_tier"),
]
