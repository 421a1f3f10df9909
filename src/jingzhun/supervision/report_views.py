"""The supervision reports: statistics by source, category, town and department; the escalation lists (挂牌督办) per
level; the rectification ledger as Excel.

Every page reads the findings the user may see (``selectors.findings_for_user``: their area, a department clerk
only its department's) as of a date (default today, bounded by ``core.params``); dates after it count as not yet
happened. The escalation list is paged by key, so a page deep in 100,000 late parts reads only its own rows.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.export_pages import ExportPages
from jingzhun.accounts.permissions import Capability
from jingzhun.areas.selectors import area_names
from jingzhun.core.paging import query_without_paging
from jingzhun.core.params import query_choice, query_date, query_page_key
from jingzhun.core.scope import scope_prefix

from . import selectors
from .export_jobs import FINDINGS_LEDGER
from .ledger_export import GROUPING_TEXT, labelled, unit_name
from .models import PartKind
from .services import department_label

PAGE_SIZE = 50
PART_TEXT = {"assign": "交办", PartKind.TOWN: "乡镇整改", PartKind.DEPARTMENT: "部门整改"}

view_findings = capability_required(Capability.VIEW_FINDINGS)


def _as_of(params: QueryDict) -> dt.date:
    return query_date(params, "as_of") or timezone.localdate()


def _finding_url(finding_id: int) -> str:
    """The finding's page (supervision:finding_detail, written with the finding pages), or "" without it."""
    try:
        return reverse("supervision:finding_detail", args=[finding_id])
    except NoReverseMatch:
        return ""


@require_GET
@view_findings
def statistics(request: HttpRequest) -> HttpResponse:
    """One grouping at a time (a tab): found, verified, open, late, rate and average days, and the total."""
    as_of = _as_of(request.GET)
    by = query_choice(request.GET, "by", selectors.GROUPINGS, default="source")
    findings = selectors.findings_for_user(user=request.user)
    rows = labelled(by, selectors.statistics(findings=findings, by=by, as_of=as_of))
    context = {
        "as_of": as_of,
        "by": by,
        "tabs": list(GROUPING_TEXT.items()),
        "title": GROUPING_TEXT[by],
        "rows": rows,
        "total": selectors.statistics_sum(rows),
        "unit": unit_name(scope_prefix(request.user) or ""),
    }
    return render(request, "supervision/statistics.html", context)


@require_GET
@view_findings
def late(request: HttpRequest) -> HttpResponse:
    """The escalation list of a level on a date: 县级 (towns' and departments' late parts) or 市级 (late
    assignments), with both counts."""
    as_of = _as_of(request.GET)
    level = query_choice(request.GET, "level", selectors.LEVELS, default="county")
    findings = selectors.findings_for_user(user=request.user)
    page = selectors.late_page(
        findings=findings,
        as_of=as_of,
        level=level,
        after=query_page_key(request.GET, "after"),
        before=query_page_key(request.GET, "before"),
        size=PAGE_SIZE,
    )
    towns = area_names(
        codes=sorted({code for row in page.rows for code in (row["town"], row["assignee"]) if code.isdigit()})
    )
    for row in page.rows:
        row["url"] = _finding_url(row["finding_id"])
        row["part_text"] = PART_TEXT[row["part"]]
        if row["part"] == PartKind.TOWN:
            row["assignee_text"] = towns.get(row["assignee"], row["assignee"])
        elif row["part"] == PartKind.DEPARTMENT:
            row["assignee_text"] = department_label(row["assignee"])
        else:  # an assignment: who it is for, as recorded
            names = [towns.get(row["town"], row["town"]), department_label(row["department"])]
            row["assignee_text"] = "、".join(name for name in names if name)
    counts = selectors.late_counts(findings=findings, as_of=as_of)
    context = {
        "as_of": as_of,
        "level": level,
        "levels": [(key, text, counts[text]) for key, text in selectors.LEVELS.items()],
        "page": page,
        "query": query_without_paging(request),
    }
    return render(request, "supervision/late.html", context)


# The rectification ledger of the user's findings on the page's as-of date, with the statistics sheet, written in the
# background (accounts.export_pages).
LEDGER_EXPORT = ExportPages(
    kind=FINDINGS_LEDGER,
    title="督导问题整改台账",
    guard=view_findings,
    params=lambda request, query: {"as_of": _as_of(query).isoformat()},
    url_name="supervision:export_ledger",
    back=lambda job: f"{reverse('supervision:statistics')}?as_of={job.params['as_of']}",
)
