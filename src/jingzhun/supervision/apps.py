from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "jingzhun.supervision"
    verbose_name = _("supervision and rectification")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.exceptions import PermissionDenied

        from jingzhun.accounts.departments import department_choices_register
        from jingzhun.core.uploads import export_kind_register, upload_kind_register
        from jingzhun.crosscheck.models import Department
        from jingzhun.spreadsheets.reading import UnusableFile

        from .export_jobs import FINDINGS_LEDGER, findings_ledger_write
        from .import_jobs import KIND, findings_upload_import

        # The account form offers a department clerk's department from the §2 departments findings go to.
        department_choices_register(Department.choices, names=True)
        # A user whose role changed after the upload gets the permission's reason, not a general one.
        upload_kind_register(KIND, importer=findings_upload_import, failures=(UnusableFile, PermissionDenied))
        export_kind_register(FINDINGS_LEDGER, writer=findings_ledger_write)
