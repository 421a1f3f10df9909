from django.urls import path

from . import dashboard as views

app_name = "core"
urlpatterns = [path("", views.home, name="home")]
