"""The assessment pages: runs, and one run's outcomes and transition table in the user's scope."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jingzhun.accounts.decorators import people_viewer
from jingzhun.core.scope import scope_prefix
from jingzhun.registry.vocab import PovertyStatus

from . import selectors
from .models import AssessmentRun
from .transitions import ABSENT

RUNS_SHOWN = 100
CELL_HOUSEHOLDS = 200


@login_required
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    people_viewer(request)
    runs = selectors.runs_for_user(user=request.user).select_related("user").order_by("-id")[:RUNS_SHOWN]
    return render(request, "policy/run_list.html", {"runs": runs})


def _status_label(code: str) -> str:
    return str(PovertyStatus(code).label) if code else ""


def _transition_table(counts: list[dict[str, Any]]) -> dict[str, Any]:
    """The from × to counts as a full matrix over every status plus 「absent」, with totals."""
    statuses = [*PovertyStatus.values, ABSENT]
    cells = {(row["from_status"], row["to_status"]): int(row["households"]) for row in counts}
    rows = []
    for from_status in statuses:
        numbers = [cells.get((from_status, to_status), 0) for to_status in statuses]
        values = [{"to": to_status, "n": n} for to_status, n in zip(statuses, numbers, strict=True)]
        total = sum(numbers)
        if total or from_status != ABSENT:
            rows.append({"from": from_status, "label": _status_label(from_status), "cells": values, "total": total})
    columns = [
        {"to": s, "label": _status_label(s), "total": sum(cells.get((f, s), 0) for f in statuses)} for s in statuses
    ]
    return {"rows": rows, "columns": columns, "total": sum(cells.values())}


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    people_viewer(request)
    user = request.user
    prefix = scope_prefix(user) or ""
    try:
        run = selectors.run_for_user(user=user, run_id=run_id)
    except LookupError:
        raise Http404 from None
    others = list(selectors.runs_for_user(user=user).exclude(pk=run.pk).order_by("-id")[:RUNS_SHOWN])
    against: AssessmentRun | None = None
    against_param = request.GET.get("against", "")
    if against_param.isdigit():
        against = next((other for other in others if other.pk == int(against_param)), None)
    transitions = selectors.transitions_for_scope(from_run=run, to_run=against, area_prefix=prefix)
    cell: dict[str, Any] | None = None
    known = {*PovertyStatus.values, ABSENT}
    if "from" in request.GET and request.GET.get("from") in known and request.GET.get("to") in known:
        from_status, to_status = request.GET["from"], request.GET["to"]
        cell = {
            "from_label": _status_label(from_status),
            "to_label": _status_label(to_status),
            "households": selectors.transition_cell_for_scope(
                from_run=run,
                to_run=against,
                from_status=from_status,
                to_status=to_status,
                area_prefix=prefix,
                limit=CELL_HOUSEHOLDS,
            ),
            "limit": CELL_HOUSEHOLDS,
        }
    summary = selectors.run_summary(run=run, area_prefix=prefix)
    context = {
        "run": run,
        "summary": summary,
        "tiers": selectors.tier_counts(summary=summary),
        "villages": selectors.village_incidence_for_scope(run=run, area_prefix=prefix),
        "others": others,
        "against": against,
        "table": _transition_table(transitions.counts),
        "cell": cell,
    }
    return render(request, "policy/run_detail.html", context)
