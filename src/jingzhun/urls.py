from django.urls import include, path

urlpatterns = [
    path("accounts/", include("jingzhun.accounts.urls")),
    path("api/", include("jingzhun.web.api_urls")),
    path("imports/", include("jingzhun.registry.import_urls")),
    path("households/", include("jingzhun.web.household_urls")),
    path("assessments/", include("jingzhun.policy.urls")),
    path("monitoring/", include("jingzhun.monitoring.urls")),
    path("assistance/", include("jingzhun.assistance.urls")),
    path("crosscheck/", include("jingzhun.crosscheck.urls")),
    path("", include("jingzhun.web.urls")),
]
