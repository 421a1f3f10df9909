"""Writes to the registry. Each function is one business action in one transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from jingzhun.accounts.services import id_number_search_record
from jingzhun.core import idnumber
from jingzhun.core.scope import SYSTEM, account_of, household_in_scope, scope_prefix

from . import selectors
from .changes_apply import FieldChange, NewMember, RegistryChangeRefused, registry_changes_apply
from .events import (
    EARLIEST_EVENT,
    EVENT_ROLES,
    EVENT_WORD,
    NOTE_MAX,
    EventImportOutcome,
    EventRecorded,
    EventRefused,
    event_date_problem,
    event_import,
    event_recorder_may,
    household_event_record,
)
from .ledger_export import ledger_export
from .ledger_import import LedgerImportOutcome, ledger_import
from .models import ChangeRecord, Household

__all__ = [
    "EARLIEST_EVENT",
    "EVENT_ROLES",
    "EVENT_WORD",
    "NOTE_MAX",
    "EventImportOutcome",
    "EventRecorded",
    "EventRefused",
    "FieldChange",
    "LedgerImportOutcome",
    "NewMember",
    "RegistryChangeRefused",
    "event_date_problem",
    "event_import",
    "event_recorder_may",
    "household_event_record",
    "id_number_search_check",
    "ledger_export",
    "ledger_import",
    "registry_changes_apply",
]


def id_number_search_check(*, user: Any, text: str, target: str) -> None:
    """Before a search of people data by ``text``: log it if it is by a full ID number, or refuse it.

    Called by every search that matches full ID numbers (the household list, ``/api/households/``,
    ``/api/members/``), before it runs; ``target`` is where (the path). Raises
    :class:`~jingzhun.accounts.services.IdNumberSearchRefused` past the hourly limit of searches that found
    nobody (see :func:`~jingzhun.accounts.services.id_number_search_record`). A text that is a household
    number in the user's scope and nobody's ID number is a search by household number, not logged.
    """
    number = selectors.id_number_in_query(text)
    if number is None:
        return
    found = selectors.members_for_user(user=user).filter(id_number=number).exists()
    if not found:
        typed = idnumber.normalize(text)
        if selectors.households_for_user(user=user).filter(household_no__startswith=typed).exists():
            return
    id_number_search_record(user=user, number=number, found=found, target=target)


# --- field edits with history (used by the comparison's "fix the registry from the department's value") -------

# Fields a service may change; identity (household, ID number, birth date, sex) is not among them.
MEMBER_FIELDS = frozenset(
    {
        "name",
        "relation",
        "status",
        "ethnicity",
        "education",
        "school_status",
        "health",
        "disability_grade",
        "labor",
        "work_status",
        "work_months",
        "medical_insurance",
        "pension_insured",
    }
)
HOUSEHOLD_FIELDS = frozenset(
    {
        "poverty_status",
        "attribute",
        "main_cause",
        "food_clothing_ok",
        "housing_grade",
        "relocation",
        "water_quality_ok",
        "water_lpd",
        "water_piped",
        "water_fetch_minutes",
        "water_supply_rate",
        "phone",
        "year_registered",
        "year_exited",
    }
)


class RegistryRefused(Exception):
    """A registry change that cannot be made; the message says why, in Chinese."""


def _history_text(value: Any) -> str | None:
    """A value as the change history writes it (codes as stored; booleans true/false; NULL stays NULL)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_editor(user: Any, household: Household) -> None:
    from django.core.exceptions import PermissionDenied

    from jingzhun.accounts.permissions import Capability, user_can

    if user is SYSTEM:  # the command line and batch jobs
        return
    if not user_can(user, Capability.EDIT_PEOPLE) or not scope_prefix(user):
        raise PermissionDenied("您的角色不能修改建档立卡信息。")
    if not household_in_scope(user, household):
        raise PermissionDenied(f"户 {household.household_no} 不在您的管辖区域内。")


def _apply_changes(
    row: Any, *, changes: dict[str, Any], allowed: frozenset[str], entity: str, key: str, user: Any
) -> dict[str, tuple[Any, Any]]:
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise RegistryRefused(f"不能通过此功能修改：{'、'.join(unknown)}。")
    changed = {name: (getattr(row, name), value) for name, value in changes.items() if getattr(row, name) != value}
    if not changed:
        return {}
    for name, (_, value) in changed.items():
        setattr(row, name, value)
    try:
        row.full_clean()
    except Exception as exc:  # ValidationError: say which value was refused
        raise RegistryRefused(f"修改后的值无效：{exc}") from None
    row.save(update_fields=[*changed, "updated_at"])
    now = timezone.now()
    by = account_of(user)
    ChangeRecord.objects.bulk_create(
        [
            ChangeRecord(
                entity=entity,
                entity_key=key,
                field=name,
                old_value=_history_text(old),
                new_value=_history_text(new),
                changed_at=now,
                changed_by=by,
            )
            for name, (old, new) in changed.items()
        ]
    )
    return changed


@transaction.atomic
def member_update(*, member: Any, changes: dict[str, Any], user: Any, reason: str) -> dict[str, tuple[Any, Any]]:
    """Change some fields of a member (stored codes, e.g. ``{"status": "deceased"}``), each changed field written
    to the field-level history as the ledger import does. Returns ``{field: (old, new)}`` of what changed.

    ``reason`` says why (e.g. the clue that prompted it); the change history has no column for it, so callers
    keep it with their own record (the clue's history).
    """
    from .models import Member

    locked = Member.objects.select_for_update().select_related("household").get(pk=member.pk)
    _check_editor(user, locked.household)
    changed = _apply_changes(
        locked,
        changes=changes,
        allowed=MEMBER_FIELDS,
        entity="member",
        key=f"{locked.household.household_no}/{locked.id_number}",
        user=user,
    )
    for name in changed:
        setattr(member, name, getattr(locked, name))
    return changed


@transaction.atomic
def household_update(
    *, household: Household, changes: dict[str, Any], user: Any, reason: str
) -> dict[str, tuple[Any, Any]]:
    """Change some fields of a household, with field-level history; a change of the poverty status is also
    written to the status history with ``reason``. Returns ``{field: (old, new)}`` of what changed."""
    from .models import StatusChange

    locked = Household.objects.select_for_update().get(pk=household.pk)
    _check_editor(user, locked)
    changed = _apply_changes(
        locked,
        changes=changes,
        allowed=HOUSEHOLD_FIELDS,
        entity="household",
        key=locked.household_no,
        user=user,
    )
    if "poverty_status" in changed:
        old, new = changed["poverty_status"]
        StatusChange.objects.create(
            household=locked,
            from_status=old,
            to_status=new,
            changed_at=timezone.now(),
            changed_by=account_of(user),
            reason=(reason or "修改贫困户状态")[:500],
        )
    for name in changed:
        setattr(household, name, getattr(locked, name))
    return changed


# --- decided changes (动态调整): the adjustment procedure decides, these write ----------------------------------


@transaction.atomic
def member_add(*, household: Household, values: dict[str, Any], user: Any, reason: str, today: Any = None) -> Any:
    """Add a member to ``household`` (birth, marriage, return): ``values`` holds ``id_number``, ``name``,
    ``relation`` and any other member field as stored codes. The ID number must be valid (RULES.md §10) and held
    by no member of the registry; the birth date and sex come from it. Every field set is written to the
    field-level history (old value NULL). Raises :class:`RegistryRefused` with the reason in Chinese."""
    import datetime as dt

    from .models import Member

    today = today or timezone.localdate()
    locked = Household.objects.select_for_update().get(pk=household.pk)
    _check_editor(user, locked)
    fields = dict(values)
    try:
        parsed = idnumber.parse(str(fields.pop("id_number", "")), today=today)
    except idnumber.InvalidIdNumber as refused:
        raise RegistryRefused(f"新成员的证件号码无效：{refused}。") from None
    if Member.objects.filter(id_number=parsed.number).exists():
        raise RegistryRefused(f"证件号码 {idnumber.mask(parsed.number)} 已登记在建档立卡成员中，不能重复增加。")
    unknown = sorted(set(fields) - MEMBER_FIELDS)
    if unknown:
        raise RegistryRefused(f"不能通过此功能填写：{'、'.join(unknown)}。")
    fields.setdefault("status", "active")
    member = Member(household=locked, id_number=parsed.number, birth_date=parsed.birth_date, sex=parsed.sex, **fields)
    try:
        member.full_clean(validate_unique=False)
    except Exception as exc:  # ValidationError: say which value was refused
        raise RegistryRefused(f"新成员的信息无效：{exc}") from None
    member.save()
    now = timezone.now()
    by = account_of(user)
    key = f"{locked.household_no}/{parsed.number}"
    written = {"id_number": parsed.number, "birth_date": parsed.birth_date, "sex": parsed.sex, **fields}
    ChangeRecord.objects.bulk_create(
        [
            ChangeRecord(
                entity="member",
                entity_key=key,
                field=name,
                old_value=None,
                new_value=_history_text(value.isoformat() if isinstance(value, dt.date) else value),
                changed_at=now,
                changed_by=by,
            )
            for name, value in written.items()
            if value not in (None, "")
        ]
    )
    return member


@transaction.atomic
def member_id_number_correct(*, member: Any, id_number: str, user: Any, reason: str, today: Any = None) -> None:
    """Correct a member's ID number (a wrong registration of the number): the new one must be valid and held by
    no other member; birth date and sex follow it. Each changed field goes to the field-level history."""
    from .models import Member

    today = today or timezone.localdate()
    locked = Member.objects.select_for_update().select_related("household").get(pk=member.pk)
    _check_editor(user, locked.household)
    try:
        parsed = idnumber.parse(id_number, today=today)
    except idnumber.InvalidIdNumber as refused:
        raise RegistryRefused(f"更正后的证件号码无效：{refused}。") from None
    if parsed.number == locked.id_number:
        raise RegistryRefused("更正后的证件号码与原号码相同。")
    if Member.objects.filter(id_number=parsed.number).exclude(pk=locked.pk).exists():
        raise RegistryRefused(f"证件号码 {idnumber.mask(parsed.number)} 已登记在其他成员名下。")
    old_key = f"{locked.household.household_no}/{locked.id_number}"
    changed = {
        name: (getattr(locked, name), value)
        for name, value in (("id_number", parsed.number), ("birth_date", parsed.birth_date), ("sex", parsed.sex))
        if getattr(locked, name) != value
    }
    for name, (_, value) in changed.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*changed, "updated_at"])
    now = timezone.now()
    by = account_of(user)
    ChangeRecord.objects.bulk_create(
        [
            ChangeRecord(
                entity="member",
                entity_key=old_key,
                field=name,
                old_value=_history_text(str(old)),
                new_value=_history_text(str(new)),
                changed_at=now,
                changed_by=by,
            )
            for name, (old, new) in changed.items()
        ]
    )
    member.id_number, member.birth_date, member.sex = locked.id_number, locked.birth_date, locked.sex


def income_add_set(*, year: int, field: str, amounts: QuerySet[Any], user: Any) -> int:
    """Add amounts to one income item of many households for ``year``, set-based, in the caller's transaction,
    with the field history (see :func:`.income_sets.income_add_set`); the number of households changed."""
    from .income_sets import income_add_set as add

    return add(year=year, field=field, amounts=amounts, user=user)
