from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "jingzhun.supervision"
    verbose_name = _("supervision and rectification")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jingzhun.accounts.departments import department_choices_register
        from jingzhun.crosscheck.models import Department

        # The account form offers a department clerk's department from the §2 departments findings go to.
        department_choices_register(Department.choices)
