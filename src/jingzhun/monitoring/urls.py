from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("instant-help/", views.instant_help, name="instant_help"),
    path("open/", views.case_open, name="case_open"),
    *views.MONITORING_EXPORT.urls("export/monitoring/"),
    *views.INSTANT_HELP_EXPORT.urls("export/instant-help/"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
    path("<int:case_id>/", views.case_detail, name="case_detail"),
    path("<int:case_id>/tier/", views.case_tier, name="case_tier"),
]
