"""Matching a department list to registry members (数据比对 — docs/RULES.md §8 and §10).

:func:`batch_match` finds, for every row of a batch that has no match yet, the registry member(s) it is, in
four set-based passes (``INSERT … SELECT`` written once in Ibis, see :mod:`jingzhun.core.sets`), in one
transaction; running it again adds nothing for rows that already have matches.

1. **Remembered decisions.** A row written exactly as a reviewer saw it before (``id_raw`` and ``name``, the
   ID as written not blank) that was confirmed to be a member is matched to that member again
   (``decision``, 100, confirmed). A rejected pair is never proposed again by the passes below.
2. **Exact ID.** ``Row.id_number`` (normalised by the import: NFKC, upper-case X, 15 → 18) equal to
   ``Member.id_number`` is the member (``id``, 100). These matches — nearly every row of a list — are *not
   stored*, so a comparison does not write a million rows per list: each comparison looks every row's
   number up once into the temporary table :data:`LINKS` (:func:`links_build`), which the fuzzy pass, the
   counts and the clue rules read. Stored are only the exact matches that need a
   judgement: when the number belongs to several members (active in two households, X12), the active ones (all
   of them when none is active) go to review; a pair a reviewer rejected is kept as rejected (and a remaining
   single candidate is then stored as ``auto``).
3. **Name keys.** Names not yet in :class:`~jingzhun.crosscheck.models.NameKey` (of members, and of the rows
   the links leave without a member) are keyed in Python, once per distinct name
   (:mod:`jingzhun.crosscheck.names`).
4. **Fuzzy**, only for rows still without a match. The ID key of a row is its normalised number, or else its
   ``id_raw`` with spaces removed, full-width digits and x made ASCII and upper-case, a 15-digit one widened
   (check character unknown, so not compared).

   *Blocking.* A candidate has the row's toneless pinyin name key and either the same characters 7–13 of the
   ID (year, month, first digit of the day) or the same characters 15–17 (the sequence number). One mistyped
   character or one swap of neighbours touches positions {i, i+1}, which always leave one of the two blocks
   intact, and the check character is in neither (a system may have recomputed it after a typo). Both blocks
   are far more selective than the region code, which a whole county shares. A row whose ID key is not 18
   characters is blocked on its simplified name alone. The rows are indexed on their blocks and the members
   read once, each looking its blocks up among the rows.

   *Score*, in SQL: the ID distance (0; one substitution; one adjacent transposition; more), the name level
   (identical; identical after OpenCC t2s; same pinyin) and, without an ID within one edit, agreement of the
   birth date, sex digit parity and region of the two numbers. See :data:`CONFIDENCE`.

   *Choice.* Per row only the candidates at the row's best confidence are kept, and only when the best is at
   least :data:`REVIEW_MIN` and at most :data:`MAX_CANDIDATES` candidates share it. One candidate at
   :data:`AUTO_MIN` or more is matched automatically; anything else goes to the review queue.

**The contract for the clue rules:** a row is linked to a member when it has an *accepted* ``Match``
(``state`` ``auto`` or ``confirmed``, :data:`~jingzhun.crosscheck.models.ACCEPTED_STATES`; at most one per
row, kept so by this module and the review services), or when it has no ``Match`` at all and a member holds its
exact number (the active one, where a number has one active holder and inactive ones) — what :data:`LINKS`
holds. ``review`` matches are candidates only (a row confirmed by one area may keep another area's candidates
awaiting review: see :func:`~jingzhun.crosscheck.review.match_confirm`); ``rejected`` ones are kept so the
row is not matched again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
from django.db import connection, transaction
from django.db.models import QuerySet

from jingzhun.core.sets import Plan, model_table, plan_execute
from jingzhun.core.sql import quoted as _q
from jingzhun.registry.models import Member, MemberStatus

from .models import ACCEPTED_STATES, Batch, Decision, Match, MatchState, Method, NameKey, NameKeyState, Row
from .names import name_keys_many

# --- thresholds --------------------------------------------------------------------------------------------

AUTO_MIN = 90  # a single best candidate at or above this is matched without review
REVIEW_MIN = 60  # below this, no candidate is proposed at all
MAX_CANDIDATES = 3  # more candidates tied at the best confidence: too ambiguous to propose

# Name levels (see names.name_level): 3 identical, 2 identical after OpenCC t2s, 1 same pinyin only.
# ID-distance classes: "id" (the same 18 characters), "id_typo" (one substitution), "id_swap" (two neighbours
# swapped); otherwise name_birth: scored by what the two numbers agree on.
CONFIDENCE: dict[tuple[str, int], int] = {
    # One edit away from the member's number.
    ("id", 3): 100,  # (only reachable when the import could not normalise the number but SQL could)
    ("id", 2): 98,
    ("id", 1): 88,
    ("id_typo", 3): 97,
    ("id_typo", 2): 95,  # traditional characters plus a typo: still certain enough
    ("id_typo", 1): 85,  # homophone name plus a typo: a person must look
    ("id_swap", 3): 97,
    ("id_swap", 2): 95,
    ("id_swap", 1): 85,
    # Not within one edit: region, birth date and sex of the two numbers all agree …
    ("region_birth_sex", 3): 80,
    ("region_birth_sex", 2): 80,
    ("region_birth_sex", 1): 70,
    # … birth date and sex only (the region code differs) …
    ("birth_sex", 3): 70,
    ("birth_sex", 2): 70,
    ("birth_sex", 1): 60,
    # … no usable number at all (blank, garbled, wrong length): the name alone.
    ("name_only", 3): 60,
    ("name_only", 2): 60,
}

_ACTIVE = str(MemberStatus.ACTIVE)
_FULL_WIDTH = {chr(0xFF10 + d): str(d) for d in range(10)} | {"Ｘ": "X", "ｘ": "X", "\u3000": "", " ": ""}
_KEY_BATCH = 20_000


@dataclass
class MatchOutcome:
    """What a batch's rows are matched to after :func:`batch_match` (whole batch, not only this run)."""

    rows: int = 0
    created: int = 0  # Match rows written by this run
    accepted: int = 0  # rows with an accepted match
    review: int = 0  # rows without an accepted match, with candidates awaiting review
    unmatched: int = 0  # rows with neither
    names_keyed: int = 0
    by_method_state: dict[str, int] = field(default_factory=dict)  # "method/state" → matches
    row_range: tuple[int, int] | None = None  # the batch's first and last row id (None: no rows)
    seconds: dict[str, float] = field(default_factory=dict)  # per pass


@dataclass(frozen=True)
class Link:
    member: Member
    method: str
    confidence: int


def row_link(*, row: Row) -> Link | None:
    """The member one list row stands for (for pages and tests; the rules do this as a join): its accepted
    stored match, or — without any stored match — the one member holding its exact number (the active one
    when some hold it inactive)."""
    match = Match.objects.filter(row=row, state__in=ACCEPTED_STATES).select_related("member").first()
    if match is not None:
        return Link(match.member, match.method, match.confidence)
    if not row.id_number or Match.objects.filter(row=row).exists():
        return None
    holders = list(Member.objects.filter(id_number=row.id_number))
    chosen = [m for m in holders if m.status == _ACTIVE] or holders
    return Link(chosen[0], Method.ID.value, 100) if len(chosen) == 1 else None


def accepted_matches() -> QuerySet[Match]:
    """Stored matches the clue rules count: made automatically or confirmed (at most one per row). Rows
    matched by their exact number have none: see :func:`links_build`."""
    return Match.objects.filter(state__in=ACCEPTED_STATES)


# --- the passes --------------------------------------------------------------------------------------------


def _tables() -> dict[str, Any]:
    return {
        "any_rejected": Decision.objects.filter(same_person=False).exists(),
        "rows": model_table(Row, ["id", "batch", "name", "id_raw", "id_number"]),
        "members": model_table(Member, ["id", "id_number", "name", "status", "sex"]),
        "matches": model_table(Match, ["row", "member"]),
        "decisions": model_table(Decision, ["id_raw", "name", "member", "same_person", "decided_by", "decided_at"]),
        "keys": model_table(NameKey, ["name", "simplified", "pinyin"]),
    }


def _pending(t: dict[str, Any], batch_ids: list[int]) -> ir.Table:
    """Rows of the batches without any match (evaluated when the statement runs)."""
    rows = t["rows"].filter(t["rows"].batch_id.isin(batch_ids))
    return rows.anti_join(t["matches"], rows.id == t["matches"].row_id)


def _unlinked(t: dict[str, Any]) -> ir.Table:
    """Rows with neither a stored match nor a member holding their exact number: what the fuzzy pass is for
    (the table :func:`_unlinked_build` made of the links)."""
    return ibis.table(UNLINKED_SCHEMA, name=UNLINKED)


def _unlinked_build() -> bool:
    """Temporary table :data:`UNLINKED`: the rows :data:`LINKS` leaves without a member, with the columns the
    name keys and the fuzzy pass read (one pass over the links for both). Whether there are any."""
    unlinked, links, row = _q(UNLINKED), _q(LINKS), _q(Row._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {unlinked}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {unlinked} AS SELECT l.row_id AS id, r.name, r.id_raw, r.id_number "
            f"FROM {links} l JOIN {row} r ON r.id = l.row_id WHERE l.stored = 0 AND l.member_id IS NULL"
        )
        cursor.execute(f"SELECT 1 FROM {unlinked} LIMIT 1")
        return cursor.fetchone() is not None


def _rejected(t: dict[str, Any]) -> ir.Table:
    d = t["decisions"]
    return d.filter(~d.same_person).select(r_id_raw=d.id_raw, r_name=d.name, r_member_id=d.member_id)


def _without_rejected(pairs: ir.Table, t: dict[str, Any]) -> ir.Table:
    if not t["any_rejected"]:
        return pairs
    rejected = _rejected(t)
    return pairs.anti_join(
        rejected,
        [
            pairs.id_raw == rejected.r_id_raw,
            pairs.name == rejected.r_name,
            pairs.member_id == rejected.r_member_id,
        ],
    )


def _match_rows(
    expr: ir.Table, *, method: ir.Value | str, confidence: ir.Value | int, state: ir.Value | str
) -> ir.Table:
    return expr.select(
        row_id=expr.row_id,
        member_id=expr.member_id,
        method=method if isinstance(method, ir.Value) else ibis.literal(method),
        confidence=confidence if isinstance(confidence, ir.Value) else ibis.literal(confidence, type="int64"),
        state=state if isinstance(state, ir.Value) else ibis.literal(state),
    )


def _decision_plan(t: dict[str, Any], batch_ids: list[int]) -> Plan:
    pending = _pending(t, batch_ids)
    pending = pending.filter(pending.id_raw != "")
    d = t["decisions"].filter(t["decisions"].same_person)
    # At most one confirmed member per way of writing a person (match_confirm keeps it so; MIN for safety).
    chosen = d.group_by([d.id_raw, d.name]).aggregate(c_member_id=d.member_id.min())
    chosen = chosen.rename(c_id_raw="id_raw", c_name="name")
    joined = pending.join(chosen, [pending.id_raw == chosen.c_id_raw, pending.name == chosen.c_name])
    joined = joined.select(row_id=joined.id, member_id=joined.c_member_id)
    plan = Plan()
    plan.output(
        Match._meta.db_table,
        _match_rows(joined, method=Method.DECISION.value, confidence=100, state=MatchState.CONFIRMED.value),
    )
    return plan


def _exact_plan(t: dict[str, Any], batch_ids: list[int]) -> Plan:
    """Exact ID matches are not stored: a row whose number one member holds *is* that member (a join, see
    :func:`links_build`). Only what needs a judgement is written: numbers several members hold (all candidates
    to review), pairs a reviewer rejected (kept as rejected, and the remaining candidate matched)."""
    members = t["members"]
    plan = Plan()
    # Numbers held by more than one member (X12): first from the id_number index alone, then their statuses.
    doubled = plan.step(
        "jz_xcm_doubled",
        members.group_by(d_id_number=members.id_number).aggregate(n=members.count()).filter(lambda s: s.n > 1),
    )
    held = members.filter(members.id_number.isin(doubled.d_id_number))
    shared = plan.step(
        "jz_xcm_shared",
        held.group_by(s_id_number=held.id_number).aggregate(
            n=held.count(), n_active=ibis.ifelse(held.status == _ACTIVE, 1, 0).sum()
        ),
    )
    rejected = _rejected(t)
    pending = _pending(t, batch_ids)
    pending = pending.filter(pending.id_number != "")
    # Only rows that need a judgement: a shared number, or a pair a reviewer rejected.
    pending = pending.filter(
        pending.id_number.isin(shared.s_id_number)
        | (pending.id_raw.isin(rejected.r_id_raw) if t["any_rejected"] else ibis.literal(False))
    )
    pending = pending.select(row_id=pending.id, id_raw=pending.id_raw, name=pending.name, id_number=pending.id_number)
    m = members.select(member_id=members.id, m_id_number=members.id_number, m_active=members.status == _ACTIVE)
    pairs = pending.join(m, pending.id_number == m.m_id_number)
    pairs = pairs.left_join(shared, pairs.id_number == shared.s_id_number)
    pairs = pairs.filter(shared.n.isnull() | pairs.m_active | (shared.n_active == 0))
    if t["any_rejected"]:
        pairs = pairs.left_join(
            rejected,
            [pairs.id_raw == rejected.r_id_raw, pairs.name == rejected.r_name, pairs.member_id == rejected.r_member_id],
        )
        is_rejected = rejected.r_member_id.notnull()
    else:
        is_rejected = ibis.literal(False)
    pairs = pairs.select(row_id=pairs.row_id, member_id=pairs.member_id, is_rejected=is_rejected)
    pairs = pairs.mutate(
        n_ok=ibis.ifelse(pairs.is_rejected, 0, 1).sum().over(group_by=pairs.row_id),
        any_rejected=ibis.ifelse(pairs.is_rejected, 1, 0).max().over(group_by=pairs.row_id),
    )
    state = ibis.cases(
        (pairs.is_rejected, MatchState.REJECTED.value),
        (pairs.n_ok > 1, MatchState.REVIEW.value),
        (pairs.any_rejected == 1, MatchState.AUTO.value),
        else_="",
    )
    stored = pairs.mutate(state=state)
    stored = stored.filter(stored.state != "")
    plan.output(Match._meta.db_table, _match_rows(stored, method=Method.ID.value, confidence=100, state=stored.state))
    return plan


# --- the links of a comparison ----------------------------------------------------------------------------------

LINKS = "jz_xc_links"
LINK_SCHEMA = {"row_id": "int64", "batch_id": "int64", "stored": "int64", "member_id": "int64"}
UNLINKED = "jz_xc_unlinked"
UNLINKED_SCHEMA = {"id": "int64", "name": "string", "id_raw": "string", "id_number": "string"}


def links_build(batch_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Temporary table :data:`LINKS`: one row per row of the batches — ``stored`` (1 when the row has any
    ``Match``) and ``member_id``, the member the row stands for now: its accepted stored match, or, with no
    stored match, the member holding its exact number (the active one where a number has one active holder
    and inactive ones; a number several active members hold has review matches, so it is stored). ``NULL``
    when neither. Keyed by ``row_id``; returns each batch's first and last row id (a batch's rows are read
    as one range of the key).

    Every later pass reads this table instead of looking each row's number up again: the number of every
    row is looked up once per comparison.
    """
    row, member, links = (_q(name) for name in (Row._meta.db_table, Member._meta.db_table, LINKS))
    integer = "INTEGER" if connection.vendor == "sqlite" else "BIGINT"  # SQLite: the rowid itself
    ranges: dict[int, tuple[int, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {links}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {links} (row_id {integer} PRIMARY KEY, batch_id BIGINT NOT NULL, "
            "stored SMALLINT NOT NULL, member_id BIGINT)"
        )
        kept = Batch.objects.filter(pk__in=batch_ids).order_by("pk").values_list("pk", "first_row", "last_row")
        for batch_id, first, last in kept:
            if first is None:  # not kept at import: read off the rows
                cursor.execute(f"SELECT MIN(id), MAX(id) FROM {row} WHERE batch_id = %s", [batch_id])
                first, last = cursor.fetchone()
            if first is not None and last is not None:
                ranges[batch_id] = (int(first), int(last))
        if not ranges:
            return ranges
        joined = (
            f"SELECT r.id, r.batch_id, 0, {{member}} FROM {row} r LEFT JOIN {member} m "
            f"ON m.id_number = r.id_number AND r.id_number <> '' WHERE r.batch_id = %s"
        )
        if connection.vendor == "sqlite":
            # The rows in the order of the (batch, id_number) index, which holds both columns the look-up
            # needs: the member index is then read in order too (five times faster than in row order);
            # sorted by row id before they are written, so the table is appended to, not shuffled. A number
            # several members hold joins several times: the lowest member comes first and is kept.
            fill = f"INSERT OR IGNORE INTO {links} {joined.format(member='m.id')} ORDER BY 1, 4"
        else:
            fill = f"INSERT INTO {links} {joined.format(member='MIN(m.id)')} GROUP BY r.id, r.batch_id"
        for batch_id in ranges:
            cursor.execute(fill, [batch_id])
        # Rows with stored matches (remembered decisions, shared numbers, earlier fuzzy passes).
        _links_refresh(0)
        # A number held by one active member and inactive ones stands for the active one.
        cursor.execute(
            f"UPDATE {links} SET member_id = COALESCE((SELECT MIN(m.id) FROM {member} m "
            f"WHERE m.status = %s AND m.id_number = (SELECT r.id_number FROM {row} r WHERE r.id = {links}.row_id)), "
            f"member_id) WHERE stored = 0 AND member_id IN (SELECT m.id FROM {member} m WHERE m.id_number IN "
            f"(SELECT id_number FROM {member} GROUP BY id_number HAVING COUNT(*) > 1))",
            [_ACTIVE],
        )
    return ranges


def _links_refresh(newest_before: int) -> None:
    """Rows with matches newer than ``newest_before`` are stored: linked to their accepted match or none."""
    links, match = _q(LINKS), _q(Match._meta.db_table)
    accepted = ", ".join(["%s"] * len(ACCEPTED_STATES))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {links} SET stored = 1, member_id = (SELECT MAX(CASE WHEN x.state IN ({accepted}) "
            f"THEN x.member_id END) FROM {match} x WHERE x.row_id = {links}.row_id) "
            f"WHERE row_id IN (SELECT row_id FROM {match} WHERE id > %s)",
            [*ACCEPTED_STATES, newest_before],
        )


def links_drop() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_q(LINKS)}")


def _id_key(rows: ir.Table) -> ir.StringValue:
    """The row's number as SQL can normalise it (see the module docstring)."""
    raw: ir.StringValue = rows.id_raw
    for wide, narrow in _FULL_WIDTH.items():
        raw = raw.replace(wide, narrow)
    raw = raw.upper()
    widened = raw.substr(0, 6) + "19" + raw.substr(6, 9) + "?"
    return ibis.ifelse(rows.id_number != "", rows.id_number, ibis.ifelse(raw.length() == 15, widened, raw))


@ibis.udf.scalar.builtin(name="substr")
def _substr(value: str, start: int, length: int) -> str:  # type: ignore[empty-body]
    """SQL's own ``substr`` (1-based, on SQLite and PostgreSQL alike): Ibis's ``substr`` also handles negative
    starts, which costs a ``LENGTH`` and an ``IIF`` per call — dozens per candidate pair here."""


def _char(value: ir.StringValue, position: int) -> ir.StringValue:
    return _substr(value, position + 1, 1)


_CHUNKS = ((0, 6), (6, 8), (14, 3))  # region, birth date, sequence and sex: compared whole first


def id_differences(key: ir.StringValue, number: ir.StringValue) -> ir.IntegerValue:
    """How many of the first 17 characters of two 18-character numbers differ.

    Each chunk of the number is compared whole first and its characters one by one only when it differs:
    most candidate pairs share most chunks, and a comparison of characters is a dozen SQL function calls.
    """
    differences: ir.IntegerValue = ibis.literal(0, type="int64")
    for start, length in _CHUNKS:
        chars = ibis.literal(0, type="int64")
        for i in range(start, start + length):
            chars = chars + ibis.ifelse(_char(key, i) != _char(number, i), 1, 0)
        same = _substr(key, start + 1, length) == _substr(number, start + 1, length)
        differences = differences + ibis.ifelse(same, 0, chars)
    return differences


def _swapped(key: ir.StringValue, number: ir.StringValue) -> ir.BooleanValue:
    """Whether some character of the first 17 and its right neighbour are swapped."""
    swapped = ibis.literal(False)
    for i in range(16):
        swapped = swapped | (
            (_char(key, i) != _char(number, i))
            & (_char(key, i) == _char(number, i + 1))
            & (_char(key, i + 1) == _char(number, i))
        )
    return swapped


def id_edit(key: str, number: str) -> str:
    """The Python reference of the SQL ID-distance classes: ``id`` (equal), ``id_typo`` (one character of the
    first 17 differs, whatever the check character; or only the check character), ``id_swap`` (two neighbours
    among the first 17 swapped, whatever the check character) or ``""``; a key ending in "?" (widened from 15
    digits) does not compare the check character."""
    if len(key) != 18 or len(number) != 18:
        return ""
    differ = [i for i in range(17) if key[i] != number[i]]
    check_differs = key[17] != number[17] and key[17] != "?"
    if not differ:
        return "id_typo" if check_differs else "id"
    if len(differ) == 1:
        return "id_typo"
    i = differ[0]
    if differ == [i, i + 1] and key[i] == number[i + 1] and key[i + 1] == number[i]:
        return "id_swap"
    return ""


def id_edit_sql(
    key: ir.StringValue, number: ir.StringValue, differences: ir.IntegerValue | None = None
) -> ir.StringValue:
    """:func:`id_edit` as an Ibis expression (for two 18-character strings); ``differences`` is
    :func:`id_differences` of the two when a step has computed it already (a CASE would compute it once per
    branch). The check character counts only when the first 17 agree, and not for a key widened from 15
    digits (it ends in "?"); the swap test runs only for two differences (SQL's CASE stops at the first
    branch that holds)."""
    if differences is None:
        differences = id_differences(key, number)
    check_differs = (_char(key, 17) != _char(number, 17)) & (_char(key, 17) != "?")
    return ibis.cases(
        ((differences == 0) & ~check_differs, "id"),
        (differences <= 1, "id_typo"),
        (differences == 2, ibis.ifelse(_swapped(key, number), "id_swap", "")),
        else_="",
    )


def _sex_of(number: ir.StringValue) -> ir.StringValue:
    digit = _char(number, 16)
    return ibis.cases(
        (digit.isin(list("13579")), "M"),
        (digit.isin(list("02468")), "F"),
        else_="",
    )


def _fuzzy_plan(t: dict[str, Any]) -> Plan:
    plan = Plan()
    # The name keys, keyed by name: every row and every member looks its name up once.
    keys = plan.step("jz_xcm_keys", t["keys"].select("name", "simplified", "pinyin"), key="name")
    members = t["members"]
    pending = _unlinked(t)
    key = _id_key(pending)
    rows = plan.step(
        "jz_xcm_rows",
        pending.join(keys, pending.name == keys.name).select(
            row_id=pending.id,
            id_raw=pending.id_raw,
            name=pending.name,
            simplified=keys.simplified,
            pinyin=keys.pinyin,
            key=key,
        ),
    )
    # Indexed on the blocks, so the members are read once, each looking up the rows that share a block.
    rows = plan.step(
        "jz_xcm_rows2",
        rows.mutate(usable=rows.key.length() == 18, b3=_substr(rows.key, 7, 7), tail=_substr(rows.key, 15, 3)),
        key="row_id",
        indexes=[("pinyin", "b3"), ("pinyin", "tail"), ("usable", "simplified")],
    )
    # One scan of the members (their name keys looked up by name): every OR branch is one index of the rows,
    # and a pair found through two blocks comes out once.
    b3, tail = _substr(members.id_number, 7, 7), _substr(members.id_number, 15, 3)
    blocked = members.join(keys, members.name == keys.name).join(
        rows,
        ((rows.pinyin == keys.pinyin) & (rows.b3 == b3) & rows.usable)
        | ((rows.pinyin == keys.pinyin) & (rows.tail == tail) & rows.usable)
        | ((rows.usable == ibis.literal(False)) & (rows.simplified == keys.simplified)),
    )
    blocked = blocked.select(
        row_id=rows.row_id,
        member_id=members.id,
        id_raw=rows.id_raw,
        name=rows.name,
        simplified=rows.simplified,
        pinyin=rows.pinyin,
        usable=rows.usable,
        key=rows.key,
        m_number=members.id_number,
        m_name=members.name,
        m_simplified=keys.simplified,
        m_pinyin=keys.pinyin,
        m_sex=members.sex,
    )
    pairs = blocked.select(
        row_id=blocked.row_id,
        member_id=blocked.member_id,
        id_raw=blocked.id_raw,
        name=blocked.name,
        usable=blocked.usable,
        key=blocked.key,
        m_number=blocked.m_number,
        m_sex=blocked.m_sex,
        # Computed here once (a CASE on it later would compute it per branch), and only for a usable number.
        differences=ibis.ifelse(blocked.usable, id_differences(blocked.key, blocked.m_number), ibis.null("int64")),
        level=ibis.cases(
            (blocked.name == blocked.m_name, 3),
            (blocked.simplified == blocked.m_simplified, 2),
            (blocked.pinyin == blocked.m_pinyin, 1),
            else_=0,
        ),
    )
    pairs = _without_rejected(pairs, t)
    pairs = plan.step("jz_xcm_pairs", pairs.drop("id_raw", "name"))
    numbered = pairs.filter(pairs.usable)
    m = plan.step(
        "jz_xcm_measured",
        numbered.select(
            row_id=numbered.row_id,
            member_id=numbered.member_id,
            level=numbered.level,
            edit=id_edit_sql(numbered.key, numbered.m_number, numbered.differences),
            region_same=_substr(numbered.key, 1, 6) == _substr(numbered.m_number, 1, 6),
            birth_same=_substr(numbered.key, 7, 8) == _substr(numbered.m_number, 7, 8),
            sex_same=_sex_of(numbered.key) == numbered.m_sex,
        ),
    )
    kind = ibis.cases(
        (m.edit != "", m.edit),
        (m.birth_same & m.sex_same & m.region_same, "region_birth_sex"),
        (m.birth_same & m.sex_same, "birth_sex"),
        else_="",
    )
    by_number = m.select(
        row_id=m.row_id,
        member_id=m.member_id,
        method=ibis.cases((kind.isin(["id", "id_typo", "id_swap"]), kind), else_=Method.NAME_BIRTH.value),
        confidence=_confidence(kind, m.level),
    )
    # A row whose number is unusable has only name candidates, most of them for a common name: its choice is
    # made here among its own candidates, so that a row with too many of them (never proposed) is not carried
    # through the scoring. The same choice again below leaves these rows as they are.
    named = pairs.filter(~pairs.usable)
    named = _proposed(
        named.select(
            row_id=named.row_id,
            member_id=named.member_id,
            method=ibis.literal(Method.NAME_BIRTH.value),
            confidence=_confidence(ibis.literal("name_only"), named.level),
        )
    ).drop("best", "tied")
    scored = plan.step("jz_xcm_scored", by_number.union(named))
    best = _proposed(scored)
    state = ibis.ifelse(
        (best.tied == 1) & (best.confidence >= AUTO_MIN), MatchState.AUTO.value, MatchState.REVIEW.value
    )
    plan.output(Match._meta.db_table, _match_rows(best, method=best.method, confidence=best.confidence, state=state))
    return plan


def _confidence(kind: ir.StringValue, level: ir.IntegerValue) -> ir.IntegerValue:
    """:data:`CONFIDENCE` of a kind of agreement of the numbers and a name level; 0 when it has none."""
    return ibis.cases(*(((kind == k) & (level == lv), value) for (k, lv), value in CONFIDENCE.items()), else_=0)


def _proposed(scored: ir.Table) -> ir.Table:
    """The candidates proposed for each row (see the module docstring): at least :data:`REVIEW_MIN`, at the
    row's best confidence, and no more than :data:`MAX_CANDIDATES` of them; ``tied`` says how many."""
    scored = scored.filter(scored.confidence >= REVIEW_MIN)
    best = scored.mutate(best=scored.confidence.max().over(group_by=scored.row_id))
    best = best.filter(best.confidence == best.best)
    best = best.mutate(tied=best.count().over(group_by=best.row_id))
    return best.filter(best.tied <= MAX_CANDIDATES)


def _members_version() -> str:
    from jingzhun.registry.selectors import registry_version

    newest = Member.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return f"{registry_version()}.{newest}"


def name_keys_fill(*, unlinked: bool = False) -> int:
    """Key every member name (and, with ``unlinked``, the names of the rows in :data:`UNLINKED` — the only
    rows the fuzzy pass reads) not in :class:`NameKey` yet; returns how many.

    Finding the members' unkeyed names scans the members; the scan is skipped while the registry version
    (and the newest member) is the one last keyed completely.
    """
    version = _members_version()
    key_table = _q(NameKey._meta.db_table)
    member_names = (
        f"SELECT DISTINCT name FROM {_q(Member._meta.db_table)} WHERE name NOT IN (SELECT name FROM {key_table})"
    )
    row_names = f"SELECT DISTINCT name FROM {_q(UNLINKED)} WHERE name NOT IN (SELECT name FROM {key_table})"
    parts: list[str] = []
    if NameKeyState.objects.values_list("version", flat=True).first() != version:
        parts.append(member_names)
    if unlinked:
        parts.append(row_names)
    if not parts:
        return 0
    sql = " UNION ".join(parts)
    insert = f"INSERT INTO {key_table} (name, simplified, pinyin) VALUES (%s, %s, %s)"
    keyed = 0
    with connection.cursor() as read, connection.cursor() as write:
        read.execute(sql)
        names = [name for (name,) in read.fetchall()]
        for start in range(0, len(names), _KEY_BATCH):
            chunk = list(name_keys_many(names[start : start + _KEY_BATCH]))
            write.executemany(insert, chunk)
            keyed += len(chunk)
    # In the caller's transaction: a rolled-back fill is not remembered.
    NameKeyState.objects.update_or_create(pk=1, defaults={"version": version})
    return keyed


def batch_match(*, batch: Batch) -> MatchOutcome:
    """Match the rows of ``batch`` that have no match yet to registry members (see the module docstring).

    Idempotent and set-based; one transaction.
    """
    return batches_match(batches=[batch])[batch.pk]


def batches_match(*, batches: list[Batch], keep_links: bool = False) -> dict[int, MatchOutcome]:
    """:func:`batch_match` for several batches at once, as a comparison run does: each pass is one statement
    over all the batches' rows, so the members are read once per pass, not once per list.

    With ``keep_links`` the temporary table :data:`LINKS` is left for the clue rules (the caller drops it
    with :func:`links_drop`); it then holds every row's member after this matching.
    """
    ids = [batch.pk for batch in batches]
    outcomes = {pk: MatchOutcome() for pk in ids}
    if not ids:
        if keep_links:
            links_build([])
        return outcomes
    t = _tables()
    newest_before = Match.objects.order_by("-id").values_list("id", flat=True).first() or 0
    seconds: dict[str, float] = {}
    keyed = 0
    try:
        with transaction.atomic():
            clock = time.perf_counter()
            if Decision.objects.filter(same_person=True).exists():
                plan_execute(_decision_plan(t, ids))
            seconds["decisions"] = time.perf_counter() - clock
            clock = time.perf_counter()
            plan_execute(_exact_plan(t, ids))
            seconds["exact"] = time.perf_counter() - clock
            clock = time.perf_counter()
            for batch_id, row_range in links_build(ids).items():
                outcomes[batch_id].row_range = row_range
            any_unlinked = _unlinked_build()
            seconds["links"] = time.perf_counter() - clock
            if any_unlinked:
                clock = time.perf_counter()
                keyed = name_keys_fill(unlinked=True)
                seconds["names"] = time.perf_counter() - clock
                clock = time.perf_counter()
                plan_execute(_fuzzy_plan(t))
                _links_refresh(newest_before)
                seconds["fuzzy"] = time.perf_counter() - clock
            clock = time.perf_counter()
            _count(outcomes, ids, newest_before)
            seconds["count"] = time.perf_counter() - clock
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_q(UNLINKED)}")
        if not keep_links:
            links_drop()
    for outcome in outcomes.values():
        outcome.names_keyed = keyed
        outcome.seconds = seconds
    return outcomes


def _count(outcomes: dict[int, MatchOutcome], ids: list[int], newest_before: int) -> None:
    """Per batch: its rows, its matches by method and state, rows accepted, in review and unmatched, and the
    matches made now — from :data:`LINKS` and two grouped queries over the stored matches."""
    with connection.cursor() as cursor:
        for batch_id in ids:
            outcome = outcomes[batch_id]
            if outcome.row_range is None:
                continue
            # One range of the links' key per batch (a GROUP BY over all of them would sort them).
            cursor.execute(
                f"SELECT COUNT(*), COUNT(member_id), "
                f"SUM(CASE WHEN stored = 0 AND member_id IS NOT NULL THEN 1 ELSE 0 END) FROM {_q(LINKS)} "
                f"WHERE row_id BETWEEN %s AND %s AND batch_id = %s",
                [*outcome.row_range, batch_id],
            )
            rows, accepted, exact = cursor.fetchone()
            outcome.rows, outcome.accepted = int(rows), int(accepted)
            if exact:  # exact ID matches are a join, not stored (see _exact_plan): counted here as "id/auto"
                outcome.by_method_state[f"{Method.ID.value}/{MatchState.AUTO.value}"] = int(exact)
        # The stored matches of the batches' rows, found through the links' key (not the row table): by
        # method and state, and the matches made now.
        match, links = _q(Match._meta.db_table), _q(LINKS)
        cursor.execute(
            f"SELECT l.batch_id, x.method, x.state, COUNT(*), SUM(CASE WHEN x.id > %s THEN 1 ELSE 0 END) "
            f"FROM {match} x JOIN {links} l ON l.row_id = x.row_id GROUP BY l.batch_id, x.method, x.state",
            [newest_before],
        )
        for batch_id, method, state, n, made in cursor.fetchall():
            outcome = outcomes[batch_id]
            key = f"{method}/{state}"
            outcome.by_method_state[key] = outcome.by_method_state.get(key, 0) + int(n)
            outcome.created += int(made or 0)
        # Rows in review: with candidates awaiting review and no accepted match (confirming a candidate leaves
        # those of other areas awaiting their own reviewer, but the row is matched).
        cursor.execute(
            f"SELECT l.batch_id, COUNT(DISTINCT x.row_id) FROM {match} x JOIN {links} l ON l.row_id = x.row_id "
            "WHERE x.state = %s AND l.member_id IS NULL GROUP BY l.batch_id",
            [MatchState.REVIEW.value],
        )
        for batch_id, in_review in cursor.fetchall():
            outcomes[batch_id].review = int(in_review)
    for outcome in outcomes.values():
        outcome.by_method_state = dict(sorted(outcome.by_method_state.items()))
        outcome.unmatched = outcome.rows - outcome.accepted - outcome.review
