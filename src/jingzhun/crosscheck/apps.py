from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrosscheckConfig(AppConfig):
    name = "jingzhun.crosscheck"
    verbose_name = _("department data comparison")
    default_auto_field = "django.db.models.BigAutoField"
