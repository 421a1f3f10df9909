"""Scoped reads of the registry. Every read of people data starts from :func:`households_for_user`."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Collection, Mapping
from typing import Any, NamedTuple

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.lookups import Exact, In
from django.utils import timezone

from jingzhun.areas.models import PREFIX_LENGTH, Level
from jingzhun.core import idnumber
from jingzhun.core.paging import KeysetPage, filter_first
from jingzhun.core.scope import scope_key, scoped
from jingzhun.core.sets import model_table
from jingzhun.core.sql import AfterFirst, LastFour, RowCompare, StartsWith, Unindexed

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


def households_for_user(*, user: Any, indexed: bool = False) -> QuerySet[Household]:
    """Households inside the user's area scope (for a helper, its paired ones); none for a user without a scope.
    ``indexed``: the area as a range of the (village, status) index (core.scope.scoped), for a count or a page
    read from that index; otherwise the planner keeps to the query's other indexes."""
    return scoped(Household.objects.all(), user, "village__code", household="pk", indexed=indexed)


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


def registry_held() -> None:
    """Keep the registry still until the caller's transaction ends, for a reader that reads it in several
    statements and must see one state (an assessment run, with its :func:`registry_marks`). SQLite's write
    transaction already holds every other writer off; on PostgreSQL the writers at work are waited for and new ones
    held until the transaction ends (``SHARE`` mode: others still read)."""
    from django.db import connection

    from .models import ChangeRecord

    if connection.vendor != "postgresql":
        return
    tables = [Household, Member, Income, HouseholdEvent, StatusChange, ChangeRecord]
    names = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {names} IN SHARE MODE")


def registry_marks() -> dict[str, int]:
    """Where the registry's history stands: the newest id of each table whose rows say what changed (status and
    field-level changes, households, members, ledger imports). Taken by a reader of the whole registry (an
    assessment run) so that :func:`households_changed_since` can later name the households changed after it."""
    from .models import ChangeRecord, ImportBatch

    def newest(rows: QuerySet[Any]) -> int:
        return rows.order_by("-id").values_list("id", flat=True).first() or 0

    return {
        "status_change": newest(StatusChange.objects.all()),
        "change_record": newest(ChangeRecord.objects.all()),
        "household": newest(Household.objects.all()),
        "member": newest(Member.objects.all()),
        "ledger_import": newest(ImportBatch.objects.filter(kind=ImportBatch.Kind.LEDGER)),
    }


def households_changed_since(*, marks: dict[str, int], limit: int) -> set[int] | None:
    """The ids of the households whose poverty status, village or members may have changed since ``marks``
    (:func:`registry_marks`): a status change, a field-level change of the household or of a member, a household
    or member registered since. None when more than ``limit`` households changed, or when a ledger import ran
    since (an import changes many households at once): the caller then reads the whole registry instead.

    Every writer of the registry leaves such a row (the services, the bulk writer of decided changes), which is
    also what :func:`registry_version` relies on; households and members are never deleted. Each read is a range
    of a primary key, at most ``limit`` + 1 rows."""
    from .models import ChangeRecord, ImportBatch

    if ImportBatch.objects.filter(kind=ImportBatch.Kind.LEDGER, id__gt=marks["ledger_import"]).exists():
        return None
    changed: set[int] = set()
    reads = [
        StatusChange.objects.filter(id__gt=marks["status_change"]).values_list("household_id", flat=True),
        Household.objects.filter(id__gt=marks["household"]).values_list("id", flat=True),
        Member.objects.filter(id__gt=marks["member"]).values_list("household_id", flat=True),
    ]
    for read in reads:
        changed.update(read.order_by()[: limit + 1])
        if len(changed) > limit:
            return None
    # The range of ids since the marks, the entity checked on its rows (its own index would read every change of
    # every household and member ever recorded).
    entity = Unindexed(F("entity"), output_field=CharField())
    records = ChangeRecord.objects.filter(In(entity, ["household", "member"]), id__gt=marks["change_record"])
    keys = list(records.order_by().values_list("entity", "entity_key")[: limit + 1])
    if len(keys) > limit:
        return None
    # A household's key is its number; a member's, the household's number, "/" and the member's ID number.
    numbers = {key if entity == "household" else key.rsplit("/", 1)[0] for entity, key in keys}
    for start in range(0, len(numbers), _CHUNK):
        chunk = sorted(numbers)[start : start + _CHUNK]
        changed.update(Household.objects.filter(household_no__in=chunk).values_list("id", flat=True))
    return changed if len(changed) <= limit else None


class HouseholdState(NamedTuple):
    household_no: str
    poverty_status: str
    village_code: str
    people: int  # active members


def household_states(*, household_ids: Collection[int]) -> dict[int, HouseholdState]:
    """For each of ``household_ids``, where it stands now: its number, poverty status, village and active members
    (two reads per :data:`_CHUNK` households). For figures of an area the caller has checked against the user's
    scope (the households of a transition table)."""
    states: dict[int, HouseholdState] = {}
    ids = sorted(household_ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        people = dict(
            Member.objects.filter(household_id__in=chunk, status=MemberStatus.ACTIVE)
            .order_by()
            .values("household_id")
            .annotate(n=Count("id"))
            .values_list("household_id", "n")
        )
        for pk, number, status, village in Household.objects.filter(id__in=chunk).values_list(
            "id", "household_no", "poverty_status", "village_id"
        ):
            states[pk] = HouseholdState(number, status, village, people.get(pk, 0))
    return states


_CHUNK = 2000


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


# The order of the members' pages: by village, household number and id (the numbers begin with the village's code
# wherever the ledger follows the national numbering, so this is the household-number order).
MEMBER_ORDER = ("household__village_id", "household__household_no", "id")


def members_page_for_user(*, user: Any, q: str = "", after: str = "", before: str = "", size: int = 50) -> KeysetPage:
    """A page of :func:`members_search_for_user` in :data:`MEMBER_ORDER`, after or before a page key (the last
    row's values of that order as a JSON list; a key that cannot be one reads as none: the first page).

    Read a page at a time, not by sorting every match (233,000 members of a county of 1,000,000 households are
    called 王): the page's households first, in village and number order from the scope's range of the households'
    village index (each household asked whether it has such a member, or for a rare name the set of their
    households, as :func:`household_search_for_user` does), then their matching members."""
    text = q.strip()
    match = _member_match(text) if text else Q()
    key_after, key_before = _member_key(after), _member_key(before)
    backward = key_before is not None and key_after is None
    key = key_before if backward else key_after
    if match is None:
        return KeysetPage(rows=[], next_after=None, previous_before=None)
    households = households_for_user(user=user, indexed=True).filter(
        _households_having(Member.objects.filter(match), common=_is_name(text))
    )
    if key is not None:  # from the key's own household on: it may have matching members left
        bound = Q(village_id__lte=key[0]) if backward else Q(village_id__gte=key[0])  # the index's column
        row = RowCompare([F("village_id"), F("household_no")], "<=" if backward else ">=", key[:2])
        households = filter_first(households, bound, row)
    order = ["-village_id", "-household_no"] if backward else ["village_id", "household_no"]
    # Every household has a matching member, the key's own perhaps none left: size + 2 households fill a page and
    # tell whether there is another.
    ids = list(households.order_by(*order).values_list("id", flat=True)[: size + 2])
    members = members_for_user(user=user).filter(match, household_id__in=ids).select_related("household__village")
    if key is not None:
        members = members.filter(RowCompare([F(name) for name in MEMBER_ORDER], "<" if backward else ">", key))
    rows = list(members.order_by(*(f"-{name}" if backward else name for name in MEMBER_ORDER))[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
        return KeysetPage(
            rows=rows,
            next_after=_member_key_text(rows[-1]) if rows else None,
            previous_before=_member_key_text(rows[0]) if rows and more else None,
        )
    return KeysetPage(
        rows=rows,
        next_after=_member_key_text(rows[-1]) if rows and more else None,
        previous_before=_member_key_text(rows[0]) if rows and key is not None else None,
    )


def _is_name(text: str) -> bool:
    return not text or not _ID_CHARACTERS.fullmatch(idnumber.normalize(text))


def _member_key(text: str) -> tuple[str, str, int] | None:
    """A members' page key (:func:`members_page_for_user`), or None when ``text`` cannot be one."""
    if not text:
        return None
    try:
        village, household_no, member_id = json.loads(text)
    except (ValueError, TypeError):
        return None
    if not (isinstance(village, str) and isinstance(household_no, str) and type(member_id) is int):
        return None
    if "\x00" in village + household_no or not 0 < member_id < 2**63:  # PostgreSQL refuses NUL in text
        return None
    return village, household_no, member_id


def _member_key_text(member: Member) -> str:
    values = [member.household.village_id, member.household.household_no, member.pk]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


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
    a_name = not _ID_CHARACTERS.fullmatch(digits)  # (an ID number matches a member or two: never common)
    by_member = _households_having(Member.objects.filter(members), common=a_name)
    if not _ID_CHARACTERS.fullmatch(digits) and not Household.objects.filter(household_no=text).exists():
        # A name that is nobody's 户编号 (the usual case): without the OR, SQLite scans the names once, not twice.
        return by_member
    return by_number | by_member


def _households_having(matching: QuerySet[Member], *, common: bool = True) -> Q:
    """The condition on households "has one of the members ``matching``", in the form that pages fastest."""
    if not common or matching[:COMMON_NAME].count() < COMMON_NAME:
        # A name few members have (a full name, a rare surname): the set of their households, read once from the
        # name index (a semi-join), then their page.
        return Q(pk__in=matching.values("household_id"))
    # A name thousands have (王, 李, 张): the households in page order, each asked whether it has such a member,
    # until the page is full — not all 230,000 of them collected and sorted for 50.
    return Q(Exists(matching.filter(household=OuterRef("pk"))))


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
