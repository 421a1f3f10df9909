"""The review queue page (待确认比对): pending candidate matches of the user's area, confirmed or rejected one
by one. Reads go through :mod:`jingzhun.crosscheck.review`'s scoped selectors (another area's match is "not
found"); the decisions are its services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.permissions import Capability
from jingzhun.accounts.selectors import id_number_shown
from jingzhun.accounts.services import unmasked_view_record
from jingzhun.core.paging import keyset_page, query_without_paging
from jingzhun.core.params import query_page_key

from .models import ACCEPTED_STATES, Department, Match, Method, Row
from .review import ReviewRefused, match_confirm, match_get_for_user, match_reasons, match_reject, review_queue_for_user

PAGE_ROWS = 50
edit_people = capability_required(Capability.EDIT_PEOPLE)


def _reason_texts(match: Match) -> list[str]:
    reasons = match_reasons(match=match)
    texts = []
    if reasons.id_edit == "id":
        texts.append(_("ID numbers identical"))
    elif reasons.id_edit == "id_typo":
        texts.append(_("ID numbers differ in one character"))
    elif reasons.id_edit == "id_swap":
        texts.append(_("ID numbers differ by two swapped neighbours"))
    else:
        texts.append(_("ID numbers not within one typo"))
    texts.append(
        {
            3: _("names identical"),
            2: _("names identical after traditional → simplified"),
            1: _("names sound the same"),
        }.get(reasons.name_level, _("names differ"))
    )
    if reasons.id_edit == "":
        texts.append(_("birth date agrees") if reasons.birth_same else _("birth date differs or unknown"))
        texts.append(_("sex agrees") if reasons.sex_same else _("sex differs or unknown"))
    return texts


@require_GET
@edit_people
def review_list(request: HttpRequest) -> HttpResponse:
    """Pending matches, a page of list rows at a time (the one keyset pager, over the rows' ids)."""
    queue = review_queue_for_user(user=request.user)
    rows = Row.objects.filter(Exists(queue.filter(row_id=OuterRef("pk"))))
    after, before = query_page_key(request.GET, "after"), query_page_key(request.GET, "before")
    page = keyset_page(rows.only("pk"), key="pk", after=after, before=before, size=PAGE_ROWS)
    row_ids = [row.pk for row in page.rows]
    # Rows another area has already matched (its candidates here can only be rejected); which member it chose
    # is not said.
    settled = set(Match.objects.filter(row_id__in=row_ids, state__in=ACCEPTED_STATES).values_list("row_id", flat=True))
    entries: list[dict[str, Any]] = []
    for match in queue.filter(row_id__in=row_ids):
        row, member = match.row, match.member
        entries.append(
            {
                "match": match,
                "department": Department(row.batch.department).label
                if row.batch.department in Department.values
                else row.batch.department,
                "list_name": row.name,
                "list_id": id_number_shown(user=request.user, id_number=row.id_number or row.id_raw),
                "member_name": member.name,
                "member_id": id_number_shown(user=request.user, id_number=member.id_number),
                "household_no": member.household.household_no,
                "method": Method(match.method).label if match.method in Method.values else match.method,
                "reasons": _reason_texts(match),
                "settled_elsewhere": match.row_id in settled,
            }
        )
    if entries:
        unmasked_view_record(user=request.user, target="crosscheck:review", detail={"matches": len(entries)})
    return render(
        request,
        "crosscheck/review_list.html",
        {"entries": entries, "page": page, "query": query_without_paging(request)},
    )


def _decide(request: HttpRequest, match_id: int, decide: Any, done: str) -> HttpResponse:
    try:
        match_get_for_user(user=request.user, match_id=match_id)
    except Match.DoesNotExist:
        raise Http404 from None
    try:
        decide(match_id=match_id, user=request.user)
    except ReviewRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("crosscheck:review_list")


@require_POST
@edit_people
def review_confirm(request: HttpRequest, match_id: int) -> HttpResponse:
    return _decide(request, match_id, match_confirm, _("Confirmed: the list row is this member."))


@require_POST
@edit_people
def review_reject(request: HttpRequest, match_id: int) -> HttpResponse:
    return _decide(request, match_id, match_reject, _("Rejected: the list row is not this member."))
