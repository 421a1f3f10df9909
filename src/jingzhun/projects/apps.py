from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "jingzhun.projects"
    verbose_name = _("projects and funds")
    default_auto_field = "django.db.models.BigAutoField"
