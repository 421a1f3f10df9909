"""The review queue of uncertain matches (待确认比对): reads scoped to the user's area, and the two decisions.

A decision is stored as a :class:`~jingzhun.crosscheck.models.Decision` — the way the department wrote the
person (ID as written, name) is, or is not, this member — so :func:`~jingzhun.crosscheck.matching.batch_match`
applies it to later batches; the Decision rows (who, when) are the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.scope import in_scope, scope_prefix, scoped

from .matching import id_edit
from .models import Decision, Match, MatchState
from .names import name_level


class ReviewRefused(Exception):
    """The decision cannot be taken; ``str(exc)`` is a Chinese reason for the user."""


# --- selectors ---------------------------------------------------------------------------------------------


def review_queue_for_user(*, user: Any) -> QuerySet[Match]:
    """Matches awaiting review whose candidate member lives inside the user's area; none without a scope."""
    prefix = scope_prefix(user)
    if not prefix or not user_can(user, Capability.EDIT_PEOPLE):
        return Match.objects.none()
    return (
        Match.objects.filter(state=MatchState.REVIEW, member__household__village__code__startswith=prefix)
        .select_related("row__batch", "member__household")
        .order_by("row__batch_id", "row_id", "-confidence", "member_id")
    )


def match_get_for_user(*, user: Any, match_id: int) -> Match:
    """A match of the user's queue (raises ``Match.DoesNotExist`` for another area's or a decided one)."""
    return review_queue_for_user(user=user).get(pk=match_id)


@dataclass(frozen=True)
class Reasons:
    id_edit: str  # "id", "id_typo", "id_swap" or ""
    name_level: int  # 3 identical, 2 after OpenCC, 1 same pinyin, 0 different
    birth_same: bool
    sex_same: bool


def match_reasons(*, match: Match) -> Reasons:
    """Why a candidate was proposed, recomputed from both sides (Python twins of the SQL scoring)."""
    row, member = match.row, match.member
    number = row.id_number or "".join(row.id_raw.split()).upper()
    return Reasons(
        id_edit=id_edit(number, member.id_number),
        name_level=name_level(row.name, member.name),
        birth_same=len(number) == 18 and number[6:14] == member.id_number[6:14],
        sex_same=len(number) == 18 and number[16:17].isdigit() and ("M" if int(number[16]) % 2 else "F") == member.sex,
    )


# --- services ----------------------------------------------------------------------------------------------


def _check(user: Any) -> None:
    if not user_can(user, Capability.EDIT_PEOPLE) or not scope_prefix(user):
        raise ReviewRefused("只有县、乡、村工作人员可以确认比对结果。")


def _decided(user: Any, match_id: int) -> Match:
    _check(user)
    try:
        match = review_queue_for_user(user=user).select_for_update(of=("self",)).select_related(None).get(pk=match_id)
    except Match.DoesNotExist:
        raise ReviewRefused("该比对结果不在待确认范围内，可能已被他人处理。") from None
    return match


def _remember(*, match: Match, same_person: bool, user: Any) -> None:
    row = match.row
    Decision.objects.update_or_create(
        id_raw=row.id_raw,
        name=row.name,
        member_id=match.member_id,
        defaults={"same_person": same_person, "decided_by": user, "decided_at": timezone.now()},
    )


def match_confirm(*, match_id: int, user: Any) -> Match:
    """The row is this member: the match is confirmed, the row's other candidates *that the user sees* (its
    queue shows them beside this one) rejected, all remembered.

    A decision touches only what the user may see: candidates of the row in another area are left awaiting
    review by their own area (a county user, who sees them all, closes them all); while this match stands they
    cannot be confirmed (one accepted match per row), only rejected. Likewise an earlier confirmation of
    another member for the way the department wrote this person is replaced only when that member lies in the
    user's area; one outside it refuses the confirmation, for a user who sees both (the county) to settle.
    """
    with transaction.atomic():
        match = _decided(user, match_id)
        now = timezone.now()
        others = list(
            Match.objects.select_for_update(of=("self",))
            .filter(row_id=match.row_id)
            .exclude(pk=match.pk)
            .select_related("member__household")
        )
        if any(other.state in (MatchState.AUTO, MatchState.CONFIRMED) for other in others):
            raise ReviewRefused("该行已有确认的匹配。")
        seen = [other for other in others if in_scope(user, other.member.household.village_id)]
        # One person written one way is one member: an older confirmation for another member no longer holds.
        row = match.row
        older = Decision.objects.filter(id_raw=row.id_raw, name=row.name, same_person=True).exclude(
            member_id=match.member_id
        )
        if (
            scoped(older, user, "member__household__village__code", household="member__household").count()
            != older.count()
        ):
            raise ReviewRefused("部门数据中此人的同一写法已被确认为另一名成员，请由县级用户核实后处理。")
        for other in seen:
            other.state, other.decided_by, other.decided_at = MatchState.REJECTED, user, now
            other.save(update_fields=["state", "decided_by", "decided_at"])
            _remember(match=other, same_person=False, user=user)
        older.update(same_person=False, decided_by=user, decided_at=now)
        match.state, match.decided_by, match.decided_at = MatchState.CONFIRMED, user, now
        match.save(update_fields=["state", "decided_by", "decided_at"])
        _remember(match=match, same_person=True, user=user)
    return match


def match_reject(*, match_id: int, user: Any) -> Match:
    """The row is not this member: the match is rejected and the pair never proposed again."""
    with transaction.atomic():
        match = _decided(user, match_id)
        match.state, match.decided_by, match.decided_at = MatchState.REJECTED, user, timezone.now()
        match.save(update_fields=["state", "decided_by", "decided_at"])
        _remember(match=match, same_person=False, user=user)
    return match
