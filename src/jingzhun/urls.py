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
    path("supervision/", include("jingzhun.supervision.urls")),
    path("reports/", include("jingzhun.reports.urls")),
    path("adjustments/import/", include("jingzhun.adjustments.import_urls")),
    path("adjustments/", include("jingzhun.adjustments.urls")),
    path("projects/", include("jingzhun.projects.urls")),
    path("benefits/cards/", include("jingzhun.web.card_urls")),
    path("benefits/", include("jingzhun.benefits.urls")),
    path("", include("jingzhun.web.urls")),
]

# Under /api/ these answer JSON (``{"detail": …}``) instead of the site's HTML pages; elsewhere, Django's own.
handler400 = "jingzhun.core.api.bad_request"
handler403 = "jingzhun.core.api.permission_denied"
handler404 = "jingzhun.core.api.page_not_found"
handler500 = "jingzhun.core.api.server_error"
