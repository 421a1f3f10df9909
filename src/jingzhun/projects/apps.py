from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "jingzhun.projects"
    verbose_name = _("projects and funds")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.exceptions import PermissionDenied

        from jingzhun.core.uploads import upload_kind_register
        from jingzhun.spreadsheets.reading import UnusableFile

        from .import_jobs import KIND, projects_upload_import

        # A user whose role changed after the upload gets the permission's reason, not a general one.
        upload_kind_register(KIND, importer=projects_upload_import, failures=(UnusableFile, PermissionDenied))
