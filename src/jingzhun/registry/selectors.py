"""Scoped reads of the registry. Every read of people data starts from :func:`households_for_user`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.lookups import Exact
from django.utils import timezone

from jingzhun.areas.models import PREFIX_LENGTH, Level
from jingzhun.core import idnumber
from jingzhun.core.scope import scope_key, scoped
from jingzhun.core.sets import model_table
from jingzhun.core.sql import AfterFirst, LastFour, StartsWith

from .models import Household, HouseholdEvent, Income, Member, StatusChange
from .vocab import MemberStatus, PovertyStatus, Relation

POOR_STATUSES = (PovertyStatus.NOT_EXITED, PovertyStatus.RELAPSED)


def registry_tables() -> dict[str, Any]:
    """The registry's tables as unbound Ibis tables, for set-based work in other apps (assessment, comparison).

    Callers apply the area scope themselves with a prefix filter on ``households.village_id``.
    """
    return {
        "households": model_table(Household),
        "members": model_table(Member),
        "incomes": model_table(Income),
        "events": model_table(HouseholdEvent),
    }


def households_for_user(*, user: Any) -> QuerySet[Household]:
    """Households inside the user's area scope (for a helper, its paired ones); none for a user without a scope."""
    return scoped(Household.objects.all(), user, "village__code", household="pk")


def members_for_user(*, user: Any) -> QuerySet[Member]:
    return scoped(Member.objects.all(), user, "household__village__code", household="household")


def registry_version() -> str:
    """Changes whenever households, members or statuses may have changed. Every writer of people data leaves a
    row behind — an import batch, a status change, a field-level change record — so the newest of each marks
    the registry's state. Cheap: three primary-key lookups."""
    from .models import ChangeRecord, ImportBatch, StatusChange

    newest = [
        model.objects.order_by("-id").values_list("id", flat=True).first() or 0
        for model in (ImportBatch, StatusChange, ChangeRecord)
    ]
    return ".".join(str(n) for n in newest)


def ledger_import_latest() -> Any:
    """The newest ledger import (an ``ImportBatch``: its file, counts of households created, updated, unchanged),
    or None."""
    from .models import ImportBatch

    return ImportBatch.objects.filter(kind=ImportBatch.Kind.LEDGER).order_by("-id").first()


def household_summary_cached_for_user(*, user: Any) -> dict[str, Any]:
    """:func:`household_summary_for_user`, kept until the registry changes (the county dashboard's counts
    read every member of the county: a few hundred milliseconds on 100,000 households). ``version`` is the
    :func:`registry_version` it was made from, for caching what is built from it."""
    from jingzhun.core.cache import computed_once

    version = registry_version()
    return computed_once(
        f"jingzhun:summary:{scope_key(user)}:{version}",
        lambda: {**household_summary_for_user(user=user), "version": version},
        timeout=3600,
    )


def household_summary_for_user(*, user: Any) -> dict[str, Any]:
    """Households and active people by poverty status, and per village, in the user's scope."""
    households = households_for_user(user=user)
    active = Q(members__status=MemberStatus.ACTIVE)
    by_status_rows: dict[str, Mapping[str, Any]] = {
        row["poverty_status"]: row
        for row in households.values("poverty_status").annotate(
            households=Count("id", distinct=True), people=Count("members", filter=active)
        )
    }
    by_status = [
        {
            "status": status,
            "label": status.label,
            "households": by_status_rows.get(status, {}).get("households", 0),
            "people": by_status_rows.get(status, {}).get("people", 0),
        }
        for status in PovertyStatus
    ]
    by_village = list(
        households.values("village_id", "village__name", "village__population", "village__poor_village")
        .annotate(
            households=Count("id", distinct=True),
            people=Count("members", filter=active),
            poor_people=Count("members", filter=active & Q(poverty_status__in=POOR_STATUSES)),
        )
        .order_by("village_id")
    )
    return {
        "area": getattr(user, "area", None),
        "households": sum(r["households"] for r in by_status),
        "people": sum(r["people"] for r in by_status),
        "by_status": by_status,
        "by_village": by_village,
    }


# --- search and lookup, for the API and the pages ------------------------------------------------------------

# A search by the last digits of an ID number takes exactly as many as a masked number shows: more would let
# a user without the right to see them recover masked digits one guess at a time.
ID_NUMBER_TAIL = 4
_ID_CHARACTERS = re.compile(r"[0-9]+X?")


def id_number_in_query(text: str) -> str | None:
    """The full ID number a search text asks for, or None when the text is not one.

    A full number is 18 characters (17 digits and a digit or X), valid or not, or a valid 15-digit number (in
    its 18-digit form, as stored). Such a search confirms or refutes a guess of a masked number, so it is
    logged and limited (:func:`jingzhun.registry.services.id_number_search_check`). A 15-digit text that is
    no valid old number cannot match a stored number and is no full-number search.
    """
    digits = idnumber.normalize(text)
    if len(digits) == 18 and _ID_CHARACTERS.fullmatch(digits):
        return digits
    if len(digits) == 15 and _ID_CHARACTERS.fullmatch(digits):
        try:
            # Judged against the Beijing date the imports use (timezone.localdate()), not the server's clock.
            return idnumber.parse(digits, today=timezone.localdate()).number
        except idnumber.InvalidIdNumber:
            return None
    return None


def _member_match(text: str) -> Q | None:
    """Members whose name or given name begins with ``text``, whose full ID number is ``text``, or whose ID number ends with it
    when ``text`` is as long as the visible tail of a masked number; None when ``text`` cannot match one.

    Other partial ID numbers never match (neither a beginning nor a part): they would let a user without the
    right to see full numbers recover the masked digits one guess at a time. The number is read as the imports
    read it: full-width digits folded but not ① or ¹ (names are NFKC-normalised, as the imports store them).
    """
    digits = idnumber.normalize(text)
    if not _ID_CHARACTERS.fullmatch(digits):
        # A name is searched the way it is said: from its surname (王, 王建, 王建国) or from its given name (建国:
        # the name after its one-character surname). Both are index range scans (migration registry 0011), not a
        # scan of every name in the county: 2.66 million at 1,000,000 households.
        name = unicodedata.normalize("NFKC", text)
        return Q(StartsWith(F("name"), name)) | Q(StartsWith(AfterFirst("name"), name))
    number = id_number_in_query(digits)
    if number is not None:
        return Q(id_number=number)
    if len(digits) == ID_NUMBER_TAIL:
        return Q(Exact(LastFour("id_number"), digits))  # an index lookup (migration registry 0012)
    return None


def members_search_for_user(*, user: Any, q: str = "") -> QuerySet[Member]:
    """Members in the user's scope matching ``q`` (the beginning of the name or given name, full ID number or its last four characters)."""
    members = members_for_user(user=user)
    text = q.strip()
    if text:
        match = _member_match(text)
        members = members.filter(match) if match is not None else members.none()
    return members.select_related("household__village").order_by("household__household_no", "id")


# Members sharing a searched name beyond which the households are walked in page order instead (:func:`_text_match`).
COMMON_NAME = 2000


def _text_match(text: str) -> Q:
    """What a search box query means: a 户编号 (or its beginning), a member's full ID number or the four
    characters a masked number shows anyway, or the beginning of a member's name or given name (see
    :func:`_member_match`)."""
    digits = idnumber.normalize(text)
    by_number = Q(household_no__startswith=digits) if _ID_CHARACTERS.fullmatch(digits) else Q(household_no=text)
    members = _member_match(text)
    if members is None:
        return by_number
    matching = Member.objects.filter(members)
    a_name = not _ID_CHARACTERS.fullmatch(digits)  # (an ID number matches a member or two: never common)
    if not a_name or matching[:COMMON_NAME].count() < COMMON_NAME:
        # A name few members have (a full name, a rare surname): the set of their households, read once from the
        # name index (a semi-join), then their page.
        by_member = Q(pk__in=matching.values("household_id"))
    else:
        # A name thousands have (王, 李, 张): the households in page order, each asked whether it has such a
        # member, until the page is full — not all 230,000 of them collected and sorted for 50.
        by_member = Q(Exists(matching.filter(household=OuterRef("pk"))))
    if not _ID_CHARACTERS.fullmatch(digits) and not Household.objects.filter(household_no=text).exists():
        # A name that is nobody's 户编号 (the usual case): without the OR, SQLite scans the names once, not twice.
        return by_member
    return by_number | by_member


def household_search_for_user(
    *, user: Any, text: str = "", town: str = "", village: str = "", status: str = ""
) -> QuerySet[Household]:
    """Households in the user's scope matching a search text (户编号, ID number or name), a town (its 12-digit
    code), a village and a status.

    Each row carries ``head_name`` (the head of household, or the first member) and ``people`` (active members).
    """
    households = households_for_user(user=user)
    text = text.strip()
    if text:
        households = households.filter(_text_match(text))
    if town:
        households = households.filter(village__code__startswith=town[: PREFIX_LENGTH[Level.TOWN]])
    if village:
        households = households.filter(village_id=village)
    if status:
        households = households.filter(poverty_status=status)
    members = Member.objects.filter(household=OuterRef("pk"))
    # The head first; then the first registered member, for a household whose head has died.
    head = members.order_by(Case(When(relation=Relation.HEAD, then=0), default=1), "id").values("name")[:1]
    people = (
        members.filter(status=MemberStatus.ACTIVE).order_by().values("household").annotate(n=Count("id")).values("n")
    )
    return households.select_related("village").annotate(head_name=Subquery(head), people=Subquery(people))


def household_get_for_user(*, user: Any, household_no: str) -> Household:
    """One household of the user's scope (``Household.DoesNotExist`` also for a household of another area)."""
    return households_for_user(user=user).select_related("village", "village__parent").get(household_no=household_no)


def household_events(*, household: Household) -> list[HouseholdEvent]:
    """The household's sudden events, newest first (the household was read through the user's scope)."""
    return list(household.events.select_related("recorded_by").order_by("-occurred_on", "-id"))


def household_record(*, household: Household) -> dict[str, Any]:
    """What the household's record (一户一档) shows from the registry: members, incomes, events, status history."""
    members = sorted(
        household.members.all(),
        key=lambda m: (m.status != MemberStatus.ACTIVE, m.relation != Relation.HEAD, m.birth_date, m.pk),
    )
    incomes = list(household.incomes.order_by("-year"))
    return {
        "members": members,
        "active_members": sum(1 for m in members if m.status == MemberStatus.ACTIVE),
        "incomes": incomes,
        "events": household_events(household=household),
        "status_changes": list(
            StatusChange.objects.filter(household=household).select_related("changed_by").order_by("-changed_at", "-id")
        ),
    }
