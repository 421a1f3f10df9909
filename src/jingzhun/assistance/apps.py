from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "jingzhun.assistance"
    verbose_name = _("assistance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jingzhun.accounts.models import Role
        from jingzhun.core.scope import households_limit

        from .selectors import households_paired_with

        # The registry (below this app) cannot ask for pairings: the one scope guard applies this for it.
        households_limit(Role.HELPER, households_paired_with)
