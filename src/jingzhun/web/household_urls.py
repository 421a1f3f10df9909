from django.urls import path

from jingzhun.registry.export_views import LEDGER_EXPORT

from . import households as views

app_name = "registry"
urlpatterns = [
    path("", views.household_list, name="household_list"),
    # Before the household's own pages: "export" is no household number.
    *LEDGER_EXPORT.urls("export/"),
    path("<str:household_no>/", views.household_detail, name="household_detail"),
    path("<str:household_no>/unmask/", views.household_unmask, name="household_unmask"),
    path("<str:household_no>/record.pdf", views.household_record_print, name="household_record_pdf"),
    path("<str:household_no>/events/", views.household_event_add, name="household_event_add"),
]
