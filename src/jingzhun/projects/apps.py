from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "jingzhun.projects"
    verbose_name = _("projects and funds")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.exceptions import PermissionDenied

        from jingzhun.core.uploads import export_kind_register, upload_kind_register
        from jingzhun.spreadsheets.reading import UnusableFile

        from . import export_jobs
        from .import_jobs import KIND, projects_upload_import

        # A user whose role changed after the upload gets the permission's reason, not a general one.
        upload_kind_register(KIND, importer=projects_upload_import, failures=(UnusableFile, PermissionDenied))
        export_kind_register(export_jobs.FUND_LEDGER, writer=export_jobs.fund_ledger_write)
        export_kind_register(export_jobs.DIVIDEND_LIST, writer=export_jobs.dividend_list_write)
        export_kind_register(export_jobs.PROJECT_LIBRARY, writer=export_jobs.project_library_write)
