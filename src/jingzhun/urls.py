from django.urls import include, path

urlpatterns = [
    path("accounts/", include("jingzhun.accounts.urls")),
    path("", include("jingzhun.core.urls")),
]
