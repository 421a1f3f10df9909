"""The income pre-assessment page (收入预评估) with the measures followed up: a composition of two apps.

``policy`` lists the households projected below the threshold over a window of months; ``assistance`` knows the
measures (帮扶措施) taken for them. ``policy`` sits below ``assistance`` in the layers and may not read its
measures, so the page that puts both side by side lives here, in the composition package: one query for the
list, one for which listed households have had a measure since the window began, one for the measures of the
households shown.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jingzhun.accounts.decorators import people_viewer
from jingzhun.areas.selectors import area_names
from jingzhun.assistance import selectors as assistance_selectors
from jingzhun.core.params import query_choice, query_int, query_month, today
from jingzhun.core.scope import household_limited, scope_prefix
from jingzhun.policy import selectors as policy_selectors
from jingzhun.policy.jobs import pack_choices
from jingzhun.policy.packs import PackError
from jingzhun.policy.windows import MAX_WINDOW_MONTHS, MonthWindow
from jingzhun.registry.vocab import PovertyStatus

HOUSEHOLDS_SHOWN = 200
DEFAULT_PACK = "shandong-2020"  # the one shipped pack with a pre-assessment threshold
FOLLOW_UP = ("", "with", "without")
MONTH_FORMAT = "月份应写作「2019-10」这样的年-月（{name}：「{text}」）。"


def _yuan(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _window(request: HttpRequest) -> tuple[MonthWindow | None, str]:
    """The window asked for (None when the form was not sent) and why it cannot be read ("" when it can)."""
    if "from" not in request.GET and "to" not in request.GET:
        return None, ""
    first, last = query_month(request.GET, "from"), query_month(request.GET, "to")
    for name, label, month in (("from", "起始月份", first), ("to", "截止月份", last)):
        if month is None:
            text = str(request.GET.get(name, ""))[:20]
            return None, MONTH_FORMAT.format(name=label, text=text)
    return MonthWindow(first, last), ""  # type: ignore[arg-type]


@login_required
@require_GET
def preassessment(request: HttpRequest) -> HttpResponse:
    """Households of the user's area projected below the threshold over a window of months, each with the
    measures taken for it since the window began."""
    people_viewer(request)
    user = request.user
    prefix = scope_prefix(user)
    # Area-wide lists are not for a user who sees only some households of its area (a helper).
    if prefix is None or household_limited(user):
        raise PermissionDenied
    packs = pack_choices()
    names = {p.name for p in packs}
    pack = query_choice(request.GET, "pack", names, default=DEFAULT_PACK if DEFAULT_PACK in names else "national")
    threshold = query_int(request.GET, "threshold", low=1, high=1_000_000)
    follow_up = query_choice(request.GET, "followup", FOLLOW_UP)
    window, error = _window(request)
    now = today()
    context: dict[str, Any] = {
        "packs": packs,
        "pack": pack,
        "threshold": threshold,
        "follow_up": follow_up,
        "first": request.GET.get("from", "") if window is None else f"{window.first[0]}-{window.first[1]:02d}",
        "last": request.GET.get("to", "") if window is None else f"{window.last[0]}-{window.last[1]:02d}",
        "max_months": MAX_WINDOW_MONTHS,
        "this_month": f"{now:%Y-%m}",
        "limit": HOUSEHOLDS_SHOWN,
    }
    if window is not None and not error:
        try:
            result = policy_selectors.pre_assessment_for_scope(
                window=window,
                pack=pack,
                threshold=Decimal(threshold) if threshold else None,
                area_prefix=prefix,
                today=now,
            )
        except (PackError, LookupError) as exc:
            error = str(exc)
        else:
            context.update(_result_context(user=user, result=result, follow_up=follow_up))
    context["error"] = error
    if error:
        context["first"], context["last"] = str(context["first"])[:7], str(context["last"])[:7]
    return render(request, "web/preassessment.html", context, status=400 if error else 200)


def _result_context(*, user: Any, result: Any, follow_up: str) -> dict[str, Any]:
    since = result.window.starts_on
    helped = assistance_selectors.household_nos_with_measures_since(user=user, since=since)
    households = result.households
    with_measures = [row for row in households if row["household_no"] in helped]
    chosen = {"with": with_measures, "without": [r for r in households if r["household_no"] not in helped]}
    listed = chosen.get(follow_up, households)
    shown = listed[:HOUSEHOLDS_SHOWN]
    measures: dict[str, list[Any]] = {}
    for measure in assistance_selectors.measures_since_for_user(
        user=user, since=since, household_nos=[row["household_no"] for row in shown]
    ):
        measures.setdefault(measure.household.household_no, []).append(measure)
    villages = result.villages
    names = area_names(codes=[v["village_code"] for v in villages])
    rows = [
        {
            "household_no": row["household_no"],
            "village_code": row["village_code"],
            "status": PovertyStatus(row["poverty_status"]).label if row["poverty_status"] else "",
            "size": row["size"],
            "projected_pc": _yuan(row["projected_pc_cents"]),
            "gap_per_person": _yuan(row["gap_per_person_cents"]),
            "gap_household": _yuan(row["gap_household_cents"]),
            "measures": measures.get(row["household_no"], []),
        }
        for row in shown
    ]
    return {
        "result": result,
        "since": since,
        "rows": rows,
        "listed": len(listed),
        "totals": {
            "households": len(households),
            "people": sum(row["size"] for row in households),
            "gap": _yuan(sum(row["gap_household_cents"] for row in households)),
            "with_measures": len(with_measures),
            "without_measures": len(households) - len(with_measures),
        },
        "villages": [{**v, "name": names.get(v["village_code"], ""), "gap": _yuan(v["gap_cents"])} for v in villages],
        "excluded": result.excluded[:HOUSEHOLDS_SHOWN],
    }
