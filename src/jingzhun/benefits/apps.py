from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    name = "jingzhun.benefits"
    verbose_name = _("benefits center")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jingzhun.accounts.departments import department_choices_register

        from .catalogue import BUILTIN_DIR, CatalogueError, catalogues_load

        # The account form offers a department clerk the departments of the shipped catalogue; a county's own
        # departments may still be typed.
        try:
            shipped = catalogues_load([BUILTIN_DIR])
        except CatalogueError:  # pragma: no cover - the shipped file is tested
            return
        for catalogue in shipped.values():
            department_choices_register(catalogue.departments.items())
