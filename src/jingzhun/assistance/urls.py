from django.urls import path

from . import import_views, views

app_name = "assistance"

urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("helpers/", views.helper_list, name="helper_list"),
    path("helpers/new/", views.helper_create, name="helper_create"),
    path("helpers/import/", import_views.roster_import_new, name="roster_import_new"),
    path("helpers/import/<uuid:roster_job>/", import_views.roster_import_detail, name="roster_import_detail"),
    path("helpers/import/<uuid:roster_job>/report/", import_views.roster_import_report, name="roster_import_report"),
    path("helpers/<int:helper_id>/", views.helper_detail, name="helper_detail"),
    path("helpers/<int:helper_id>/pair/", views.helper_pair, name="helper_pair"),
    path("helpers/<int:helper_id>/edit/", views.helper_edit, name="helper_edit"),
    path("helpers/<int:helper_id>/deactivate/", views.helper_deactivate, name="helper_deactivate"),
    path("pairings/<int:pairing_id>/end/", views.pairing_end, name="pairing_end"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:team_id>/", views.team_detail, name="team_detail"),
    path("teams/<int:team_id>/attendance/", views.team_attendance, name="team_attendance"),
    path("teams/<int:team_id>/edit/", views.team_edit, name="team_edit"),
    path("teams/<int:team_id>/end/", views.team_end, name="team_end"),
    path("households/<str:household_no>/", views.household, name="household"),
    path("households/<str:household_no>/visit/", views.visit_new, name="visit_new"),
    path("visits/<int:visit_id>/", views.visit_detail, name="visit_detail"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("follow-ups/<int:follow_up_id>/close/", views.follow_up_close, name="follow_up_close"),
    path("coverage/", views.coverage, name="coverage"),
    path("not-visited/", views.not_visited, name="not_visited"),
]
