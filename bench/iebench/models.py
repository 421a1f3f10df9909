"""A flat table of ledger rows: what a Django developer would point django-import-export at."""

from django.db import models

from jingzhun.registry.ledger_format import LEDGER_COLUMNS


class LedgerRow(models.Model):
    class Meta:
        app_label = "iebench"

    def __str__(self) -> str:
        return str(self.pk)


for _column in LEDGER_COLUMNS:
    models.CharField(max_length=100, blank=True, default="").contribute_to_class(LedgerRow, _column.field)
