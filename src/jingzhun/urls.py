from django.urls import include, path

urlpatterns = [
    path("accounts/", include("jingzhun.accounts.urls")),
    path("api/", include("jingzhun.core.api_urls")),
    path("imports/", include("jingzhun.registry.import_urls")),
    path("households/", include("jingzhun.registry.urls")),
    path("assessments/", include("jingzhun.policy.urls")),
    path("monitoring/", include("jingzhun.monitoring.urls")),
    path("assistance/", include("jingzhun.assistance.urls")),
    path("crosscheck/", include("jingzhun.crosscheck.urls")),
    path("", include("jingzhun.core.urls")),
]
