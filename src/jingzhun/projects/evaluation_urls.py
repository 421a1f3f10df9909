"""The evaluation pages (项目评估), under /projects/evaluations/."""

from django.urls import URLPattern, path

from . import evaluation_views

urlpatterns: list[URLPattern] = [
    path("", evaluation_views.evaluation_index, name="evaluation_index"),
    path("project/<str:code>/", evaluation_views.project_evaluations, name="project_evaluations"),
    path("project/<str:code>/new/", evaluation_views.evaluation_new, name="evaluation_new"),
    path("<int:evaluation_id>/", evaluation_views.evaluation_detail, name="evaluation_detail"),
]
