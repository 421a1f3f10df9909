from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jingzhun.accounts"
    label = "accounts"

    def ready(self) -> None:
        from jingzhun.core.scope import households_limit

        from . import signals  # noqa: F401 - connects the audit trail's receivers
        from .models import Role

        # A helper sees and acts on its own paired households only; which ones, the assistance app says (it
        # registers the function). Declared here, with the role, so that the limit holds even without it.
        households_limit(Role.HELPER)
