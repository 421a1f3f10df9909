"""``/api/``: the REST API of every app, and its OpenAPI schema (drf-spectacular)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from jingzhun.monitoring import api as monitoring_api
from jingzhun.policy import api as policy_api

from . import api_households as registry_api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("households/", registry_api.HouseholdListApi.as_view(), name="api-household-list"),
    path("households/<str:household_no>/", registry_api.HouseholdDetailApi.as_view(), name="api-household-detail"),
    path(
        "households/<str:household_no>/events/", registry_api.HouseholdEventsApi.as_view(), name="api-household-events"
    ),
    path("members/", registry_api.MemberListApi.as_view(), name="api-member-list"),
    path("assessments/", policy_api.RunListApi.as_view(), name="api-run-list"),
    path("assessments/<int:id>/", policy_api.RunDetailApi.as_view(), name="api-run-detail"),
    path("assessments/<int:id>/households/", policy_api.RunHouseholdsApi.as_view(), name="api-run-households"),
    path("assessments/<int:id>/areas/", policy_api.RunAreasApi.as_view(), name="api-run-areas"),
    path("monitoring/cases/", monitoring_api.CaseListApi.as_view(), name="api-case-list"),
    path("monitoring/cases/<int:case_id>/", monitoring_api.CaseDetailApi.as_view(), name="api-case-detail"),
    path("monitoring/cases/<int:case_id>/steps/", monitoring_api.CaseStepApi.as_view(), name="api-case-step"),
]
