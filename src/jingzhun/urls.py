from django.urls import include, path

urlpatterns = [
    path("accounts/", include("jingzhun.accounts.urls")),
    path("api/", include("jingzhun.core.api_urls")),
    path("", include("jingzhun.core.urls")),
]
