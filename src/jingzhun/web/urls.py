from django.urls import path

from . import dashboard as views
from . import preassessment

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("preassessment/", preassessment.preassessment, name="preassessment"),
]
