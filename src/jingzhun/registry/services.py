"""Writes to the registry. Each function is one business action in one transaction."""

from __future__ import annotations

from .ledger_export import ledger_export
from .ledger_import import LedgerImportOutcome, ledger_import

__all__ = ["LedgerImportOutcome", "ledger_export", "ledger_import"]
