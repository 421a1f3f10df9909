from django.urls import path

from . import feedback_views, import_views, review_views, views

app_name = "crosscheck"

urlpatterns: list = [
    path("", views.clue_list, name="clue_list"),
    path("clues/<int:clue_id>/", views.clue_detail, name="clue_detail"),
    path("send-back/", views.clue_send_back, name="clue_send_back"),
    *views.CLUE_EXPORT.urls("export/"),
    path("feedback/", feedback_views.feedback_list, name="feedback_list"),
    path("feedback/<int:clue_id>/", feedback_views.feedback_answer, name="feedback_answer"),
    path("attachments/<int:clue_attachment_id>/", feedback_views.attachment_download, name="attachment_download"),
    path("runs/", views.run_list, name="run_list"),
    path("imports/", import_views.import_new, name="import_new"),
    path("imports/<uuid:list_job>/", import_views.import_detail, name="import_detail"),
    path("imports/<uuid:list_job>/report/", import_views.import_report, name="import_report"),
    path("batches/", import_views.batch_list, name="batch_list"),
    path("review/", review_views.review_list, name="review_list"),
    path("review/<int:match_id>/confirm/", review_views.review_confirm, name="review_confirm"),
    path("review/<int:match_id>/reject/", review_views.review_reject, name="review_reject"),
]
