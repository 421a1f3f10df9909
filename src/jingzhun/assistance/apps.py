from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "jingzhun.assistance"
    verbose_name = _("assistance")
    default_auto_field = "django.db.models.BigAutoField"
