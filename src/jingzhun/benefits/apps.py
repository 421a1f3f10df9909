from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    name = "jingzhun.benefits"
    verbose_name = _("benefits center")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.exceptions import PermissionDenied

        from jingzhun.accounts.departments import department_choices_register
        from jingzhun.core.uploads import export_kind_register, upload_kind_register
        from jingzhun.spreadsheets.reading import UnusableFile

        from . import export_jobs
        from .catalogue import BUILTIN_DIR, CatalogueError, catalogues_load
        from .payment_import_jobs import KIND, payments_upload_import

        # A user whose role changed after the upload gets the permission's reason, not a general one.
        upload_kind_register(KIND, importer=payments_upload_import, failures=(UnusableFile, PermissionDenied))
        export_kind_register(export_jobs.PAYMENTS, writer=export_jobs.payment_list_write)
        export_kind_register(export_jobs.GAPS, writer=export_jobs.gaps_write)
        export_kind_register(export_jobs.UNENTITLED, writer=export_jobs.unentitled_write)
        # The account form offers a department clerk the departments of the shipped catalogue; a county's own
        # departments may still be typed.
        try:
            shipped = catalogues_load([BUILTIN_DIR])
        except CatalogueError:  # pragma: no cover - the shipped file is tested
            return
        for catalogue in shipped.values():
            department_choices_register(catalogue.departments.items())
