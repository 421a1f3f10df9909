"""Writes to the registry. Each function is one business action in one transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from .ledger_export import ledger_export
from .ledger_import import LedgerImportOutcome, ledger_import
from .models import ChangeRecord, Household, HouseholdEvent

__all__ = ["LedgerImportOutcome", "household_event_record", "ledger_export", "ledger_import"]


@transaction.atomic
def household_event_record(
    *,
    household: Household,
    kind: str,
    occurred_on: dt.date,
    loss: Decimal = Decimal("0"),
    note: str = "",
    user: Any = None,
) -> HouseholdEvent:
    """Record a sudden event (disaster, accident, death or disability of a main laborer) with its loss.

    The event is people data: it is kept in the field-level history like every other change.
    """
    event = HouseholdEvent(
        household=household, kind=kind, occurred_on=occurred_on, loss=loss, note=note, recorded_by=user
    )
    event.full_clean()
    event.save()
    ChangeRecord.objects.create(
        entity="event",
        entity_key=f"{household.household_no}/{event.pk}",
        field="kind",
        old_value=None,
        new_value=f"{kind} {occurred_on.isoformat()} {loss}",
        changed_at=timezone.now(),
        changed_by=user if getattr(user, "pk", None) else None,
    )
    return event
