"""The household benefit card (明白卡) downloads and the page that lists them: one household's card, a village's
cards in one file. Each download is logged as an export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.permissions import Capability, user_sees_id_numbers
from jingzhun.accounts.services import access_log_record
from jingzhun.areas.models import Area, Level
from jingzhun.areas.selectors import villages_in_scope
from jingzhun.benefits.selectors import benefit_year_default
from jingzhun.core.fonts import FontMissing
from jingzhun.core.params import EARLIEST_RECORD, query_int, query_text
from jingzhun.core.scope import in_scope, scope_prefix
from jingzhun.registry.models import Household
from jingzhun.registry.selectors import household_get_for_user, households_for_user

from .benefit_cards import Card, card_for_household, cards_for_village, cards_pdf_file, covered


def _year(request: HttpRequest) -> int:
    default = benefit_year_default()
    return query_int(request.GET, "year", low=EARLIEST_RECORD.year, high=default + 1) or default


def _download(
    request: HttpRequest, cards: Any, *, name: str, target: str, detail: dict[str, Any]
) -> HttpResponse | FileResponse:
    try:
        pdf, pages = cards_pdf_file(cards)
    except FontMissing as missing:
        return render(request, "web/benefit_card_font_missing.html", {"message": str(missing)}, status=503)
    access_log_record(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        target=target,
        detail={**detail, "pages": pages, "id_numbers": "full" if user_sees_id_numbers(request.user) else "masked"},
    )
    response = FileResponse(pdf, as_attachment=True, filename=name, content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@capability_required(Capability.VIEW_BENEFITS)
@require_GET
def benefit_card(request: HttpRequest, household_no: str) -> HttpResponse | FileResponse:
    """One household's card (a household of another area is "not found")."""
    try:
        household = household_get_for_user(user=request.user, household_no=household_no)
    except Household.DoesNotExist:
        raise Http404 from None
    year = _year(request)
    card: Card = card_for_household(user=request.user, household=household, year=year)
    return _download(
        request,
        [card],
        name=f"明白卡-{household.household_no}-{year}.pdf",
        target=f"benefit-card:{household.household_no}:{year}",
        detail={"year": year, "household": household.household_no},
    )


@capability_required(Capability.VIEW_BENEFITS)
@require_GET
def village_cards(request: HttpRequest, area_code: str) -> HttpResponse | FileResponse:
    """The cards of a village's registered covered households, one page each, in one file."""
    village = Area.objects.filter(code=area_code, level=Level.VILLAGE).first()
    if village is None or not in_scope(request.user, village.code):
        raise Http404
    year = _year(request)
    return _download(
        request,
        cards_for_village(user=request.user, village=village, year=year),
        name=f"明白卡-{village.name}-{year}.pdf",
        target=f"benefit-cards:{village.code}:{year}",
        detail={"year": year, "village": village.code},
    )


@capability_required(Capability.VIEW_BENEFITS)
@require_GET
def card_index(request: HttpRequest) -> HttpResponse:
    """The villages of the user's area with their cards' downloads; a household number goes to its card."""
    year = _year(request)
    household_no = query_text(request.GET, "household", max_length=40).strip()
    if household_no.isascii() and household_no.isalnum():
        return redirect(f"{reverse('web:benefit_card', args=[household_no])}?year={year}")
    if household_no:
        messages.error(request, _("No household has the number %(number)s.") % {"number": household_no})
    counts = dict(
        households_for_user(user=request.user)
        .filter(covered())
        .values_list("village")
        .annotate(n=Count("pk"))
        .values_list("village", "n")
    )
    villages = [
        {"code": code, "name": name, "households": counts.get(code, 0)}
        for code, name in villages_in_scope(prefix=scope_prefix(request.user))
    ]
    this_year = benefit_year_default()
    return render(
        request,
        "web/benefit_card_index.html",
        {"villages": villages, "year": year, "years": list(range(this_year, this_year - 5, -1))},
    )
