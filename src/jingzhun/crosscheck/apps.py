from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrosscheckConfig(AppConfig):
    name = "jingzhun.crosscheck"
    verbose_name = _("department data comparison")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jingzhun.core.uploads import upload_kind_register

        from .import_jobs import KIND, department_list_upload_import

        upload_kind_register(KIND, importer=department_list_upload_import)
