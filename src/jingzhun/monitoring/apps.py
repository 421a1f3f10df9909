from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "jingzhun.monitoring"
    verbose_name = _("return-to-poverty monitoring")
    default_auto_field = "django.db.models.BigAutoField"
