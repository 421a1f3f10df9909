from django.urls import path

from . import views

app_name = "policy"
urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("<int:run_id>/", views.run_detail, name="run_detail"),
    path("start/", views.run_start, name="run_start"),
    path("jobs/<uuid:assessment_job>/", views.job_detail, name="job_detail"),
    path("villages/", views.poor_villages, name="poor_villages"),
    path("areas/<str:area_code>/exit/", views.area_exit, name="area_exit"),
    path("exit-documents/<int:document_id>/", views.exit_document_download, name="exit_document_download"),
]
