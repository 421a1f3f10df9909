from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "jingzhun.monitoring"
    verbose_name = _("return-to-poverty monitoring")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jingzhun.core.uploads import export_kind_register

        from .export_jobs import INSTANT_HELP, MONITORING, instant_help_export_write, monitoring_export_write

        export_kind_register(MONITORING, writer=monitoring_export_write)
        export_kind_register(INSTANT_HELP, writer=instant_help_export_write)
