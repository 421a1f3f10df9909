from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrosscheckConfig(AppConfig):
    name = "jingzhun.crosscheck"
    verbose_name = _("department data comparison")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jingzhun.core.uploads import export_kind_register, upload_kind_register

        from .export_jobs import CLUES, clue_list_write
        from .import_jobs import KIND, department_list_upload_import

        upload_kind_register(KIND, importer=department_list_upload_import)
        export_kind_register(CLUES, writer=clue_list_write)
