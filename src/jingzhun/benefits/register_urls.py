"""The register pages of the benefits center, under /benefits/registers/: public-welfare posts, micro-credit,
雨露计划 students."""

from django.urls import path

from . import loan_views, post_views, student_views

urlpatterns = [
    path("posts/", post_views.post_list, name="post_list"),
    path("posts/new/", post_views.post_new, name="post_new"),
    path("posts/pay-month/", post_views.posts_month_pay_view, name="posts_month_pay"),
    path("posts/<int:post_id>/", post_views.post_detail, name="post_detail"),
    path("posts/<int:post_id>/edit/", post_views.post_edit, name="post_edit"),
    path("posts/<int:post_id>/end/", post_views.post_end_view, name="post_end"),
    path("posts/<int:post_id>/attendance/", post_views.post_attendance, name="post_attendance"),
    path("posts/attendance/<int:attendance_id>/pay/", post_views.attendance_pay_view, name="attendance_pay"),
    path("loans/", loan_views.loan_list, name="loan_list"),
    path("loans/new/", loan_views.loan_new, name="loan_new"),
    path("loans/<int:loan_id>/", loan_views.loan_detail, name="loan_detail"),
    path("loans/<int:loan_id>/repay/", loan_views.loan_repay, name="loan_repay"),
    path("students/", student_views.student_list, name="student_list"),
    path("students/new/", student_views.student_new, name="student_new"),
    path("students/<int:student_id>/pay/", student_views.student_pay_view, name="student_pay"),
]
