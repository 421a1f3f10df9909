from django.urls import path

from . import views
from .standard import REPORTS

app_name = "reports"

# One page and one workbook per standard table, each under its own name (reports:population,
# reports:population_xlsx, reports:population_pdf): the set of tables is fixed in code, so no route takes a table name from the address.
urlpatterns = [path("", views.index, name="index"), path("dashboard/", views.dashboard, name="dashboard")]
for _name in REPORTS:
    urlpatterns += [
        path(f"{_name}/", views.table_page, {"name": _name}, name=_name),
        path(f"{_name}.xlsx", views.table_download, {"name": _name}, name=f"{_name}_xlsx"),
        path(f"{_name}.pdf", views.table_pdf_download, {"name": _name}, name=f"{_name}_pdf"),
    ]
