from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jingzhun.registry"
    label = "registry"

    def ready(self) -> None:
        from jingzhun.core.uploads import upload_kind_register

        from .import_jobs import KIND, ledger_upload_import

        upload_kind_register(KIND, importer=ledger_upload_import)
