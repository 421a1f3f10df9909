from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jingzhun.registry"
    label = "registry"

    def ready(self) -> None:
        from jingzhun.core.uploads import export_kind_register, upload_kind_register

        from .export_jobs import LEDGER, household_ledger_write
        from .import_jobs import KIND, ledger_upload_import

        upload_kind_register(KIND, importer=ledger_upload_import)
        export_kind_register(LEDGER, writer=household_ledger_write)
