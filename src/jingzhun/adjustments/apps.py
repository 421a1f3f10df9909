from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdjustmentsConfig(AppConfig):
    name = "jingzhun.adjustments"
    verbose_name = _("registry adjustments")
    default_auto_field = "django.db.models.BigAutoField"
