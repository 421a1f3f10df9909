from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "jingzhun.assistance"
    verbose_name = _("assistance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.exceptions import PermissionDenied

        from jingzhun.accounts.models import Role
        from jingzhun.core.scope import households_limit
        from jingzhun.core.uploads import upload_kind_register
        from jingzhun.spreadsheets.reading import UnusableFile

        from .import_jobs import KIND, roster_upload_import
        from .selectors import households_paired_with

        # The registry (below this app) cannot ask for pairings: the one scope guard applies this for it.
        households_limit(Role.HELPER, households_paired_with)
        # A user whose role changed after the upload gets the permission's reason, not a general one.
        upload_kind_register(KIND, importer=roster_upload_import, failures=(UnusableFile, PermissionDenied))
