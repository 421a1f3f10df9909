from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "jingzhun.supervision"
    verbose_name = _("supervision and rectification")
    default_auto_field = "django.db.models.BigAutoField"
