from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "jingzhun.policy"
    verbose_name = _("standards and assessment")
    default_auto_field = "django.db.models.BigAutoField"
