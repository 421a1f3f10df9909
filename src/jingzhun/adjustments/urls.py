from django.urls import path

from . import views

app_name = "adjustments"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("year/", views.year_changes, name="year_changes"),
    path("new/<str:household_no>/", views.case_new, name="case_new"),
    path("attachments/<int:adjustment_attachment_id>/", views.attachment_download, name="attachment_download"),
    path("<int:adjustment_id>/", views.case_detail, name="case_detail"),
]
