from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jingzhun.accounts"
    label = "accounts"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the audit trail's receivers
