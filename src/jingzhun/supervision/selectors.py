"""Reads of supervision findings, every one through the area-scope guard (``core.scope``).

Lateness (docs/LEDGER.md §6, docs/RULES.md §11) is read from stored due dates as of a date: a part is late on
``as_of`` when its due date has passed and it was not done by then. Dates after ``as_of`` count as not yet
happened, so the late list of a past day is the list as it stood that day (for a part reopened since, its
current period is the one compared). Everything here is a query over all findings at once, never a loop.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Collate
from django.http import Http404
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.paging import KeysetPage
from jingzhun.core.scope import SYSTEM, scope_prefix, scoped

from .models import Evidence, Finding, FindingPart, FindingStep, PartKind, Source

ESCALATED_TO = {"assign": "市级", PartKind.TOWN: "县级", PartKind.DEPARTMENT: "县级"}


def findings_for_user(*, user: Any) -> QuerySet[Finding]:
    """The findings a user may see (``VIEW_FINDINGS``): those found in their area or assigned to a town of it (a
    finding the county recorded at county level is its responsible town's too); a department clerk only those
    its department answers for."""
    if user is not SYSTEM and not user_can(user, Capability.VIEW_FINDINGS):
        return Finding.objects.none()
    findings = scoped(Finding.objects.all(), user, "area_code") | scoped(Finding.objects.all(), user, "town_code")
    if user is not SYSTEM and getattr(user, "role", "") == Role.DEPARTMENT:
        from .services import department_key

        key = department_key(getattr(user, "department", ""))
        findings = findings.filter(department=key) if key else findings.none()
    return findings


def finding_get_for_user(*, user: Any, finding_id: int) -> Finding:
    finding = findings_for_user(user=user).select_related("household", "clue").filter(pk=finding_id).first()
    if finding is None:
        raise Http404
    return finding


def finding_history(*, finding: Finding) -> list[dict[str, Any]]:
    """The finding's steps in order, each with its evidence files."""
    steps = finding.steps.select_related("by").prefetch_related("evidence").order_by("recorded_at", "id")
    return [{"step": step, "evidence": list(step.evidence.all())} for step in steps]


def evidence_get_for_user(*, user: Any, evidence_id: int) -> Evidence:
    evidence = Evidence.objects.filter(pk=evidence_id, finding__in=findings_for_user(user=user)).first()
    if evidence is None:
        raise Http404
    return evidence


def parts_for_user(*, user: Any) -> QuerySet[FindingPart]:
    """The parts a user answers for (their queue): a town account its town's parts, a department clerk its
    department's parts within its area; nothing for other roles."""
    role = getattr(user, "role", "")
    prefix = scope_prefix(user)
    if prefix is None:
        return FindingPart.objects.none()
    if role == Role.TOWN:  # the town's own parts, wherever the finding was found (its part is in its area)
        return FindingPart.objects.filter(kind=PartKind.TOWN, assignee__startswith=prefix)
    parts = FindingPart.objects.filter(finding__area_code__startswith=prefix)
    if role == Role.DEPARTMENT:
        from .services import department_key

        key = department_key(getattr(user, "department", ""))
        return parts.filter(kind=PartKind.DEPARTMENT, assignee=key) if key else parts.none()
    return parts.none()


# --- lateness --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LatePart:
    finding_id: int
    finding_no: str
    part: str  # "assign", "town" or "department"
    due: dt.date
    days_late: int
    escalated_to: str
    assignee: str


def _late_assignments(findings: QuerySet[Finding], as_of: dt.date) -> QuerySet[Finding]:
    return findings.filter(found_on__lte=as_of, assign_due__lt=as_of).filter(
        Q(assigned_on__isnull=True) | Q(assigned_on__gt=as_of)
    )


def _late_parts(findings: QuerySet[Finding], as_of: dt.date) -> QuerySet[Finding]:
    """``findings`` joined with their parts late on ``as_of``: one row per late part (``parts__*``). A join from
    the findings rather than parts ``IN`` (the findings): SQLite then reads the parts once and looks each
    finding up by its key, where the ``IN`` list made it probe the parts once per finding (2–3× slower at
    200,000 findings, bench/supervision.py)."""
    return findings.filter(
        Q(parts__started_on__lte=as_of, parts__due__lt=as_of)
        & (Q(parts__done_on__isnull=True) | Q(parts__done_on__gt=as_of))
    )


def _by_code_points(field: str) -> Any:
    """Order by a text column in code-point order on both databases (PostgreSQL's default collation would sort
    by language rules, unlike Python and SQLite)."""
    return Collate(F(field), "C") if connection.vendor == "postgresql" else F(field)


def late_parts(*, findings: QuerySet[Finding], as_of: dt.date) -> Iterator[LatePart]:
    """Every part still not done on ``as_of`` whose due date had passed, ordered by finding number then part
    (assign, town, department): docs/LEDGER.md §6's overdue list. Two queries, streamed."""
    assign = (
        _late_assignments(findings, as_of).order_by(_by_code_points("number")).values_list("pk", "number", "assign_due")
    )
    parts = (
        _late_parts(findings, as_of)
        .annotate(
            order=Case(When(parts__kind=PartKind.TOWN, then=Value(1)), default=Value(2), output_field=IntegerField())
        )
        .order_by(_by_code_points("number"), "order")
        .values_list("pk", "number", "parts__kind", "parts__due", "parts__assignee")
    )
    # Two streams ordered by number in code-point order (``C`` collation on PostgreSQL, SQLite's default), merged
    # here: on a tie the assignment comes first, as it came first.
    late = heapq.merge(
        (
            (number, 0, LatePart(pk, number, "assign", due, (as_of - due).days, ESCALATED_TO["assign"], ""))
            for pk, number, due in assign.iterator(chunk_size=2000)
        ),
        (
            (number, 1, LatePart(pk, number, kind, due, (as_of - due).days, ESCALATED_TO[kind], who))
            for pk, number, kind, due, who in parts.iterator(chunk_size=2000)
        ),
        key=lambda item: (item[0], item[1]),
    )
    for _number, _order, part in late:
        yield part


def late_counts(*, findings: QuerySet[Finding], as_of: dt.date) -> dict[str, int]:
    """How many parts are late on ``as_of``, by the level now supervising them (挂牌督办): 市级 for assignments,
    县级 for towns' and departments' rectification."""
    return {
        "市级": _late_assignments(findings, as_of).count(),
        "县级": _late_parts(findings, as_of).count(),
    }


LEVELS = {"county": "县级", "city": "市级"}  # the escalation lists (挂牌督办): who supervises what is late


def _page_key(text: str, *, level: str) -> tuple[str, str] | None:
    """A page key of :func:`late_page` read back: ``number`` (city) or ``number|kind`` (county); None if it is
    not one."""
    if not text:
        return None
    if level == "city":
        return (text, "")
    number, _bar, kind = text.rpartition("|")
    return (number, kind) if number and kind in (PartKind.TOWN, PartKind.DEPARTMENT) else None


def late_page(
    *, findings: QuerySet[Finding], as_of: dt.date, level: str, after: str = "", before: str = "", size: int = 50
) -> KeysetPage:
    """One page of a level's escalation list on ``as_of``: ``county`` (县级) the late parts of towns and
    departments, ``city`` (市级) the late assignments; in the order of :func:`late_parts` (finding number in code
    points, the town's part before the department's), paged by key (number, part) so that a page deep in
    100,000 late parts reads only its own rows. Each row is a dict: finding_id, number, part, due, days_late,
    assignee (a part's), town and department (a finding's, as recorded)."""
    fields = ["finding_id", "number", "part", "due", "assignee", "town", "department"]
    if level == "city":
        late: QuerySet[Any] = (
            _late_assignments(findings, as_of)
            .annotate(
                key_number=_by_code_points("number"),
                finding_id=F("pk"),
                part=Value("assign"),
                due=F("assign_due"),
                assignee=Value(""),
                town=F("town_code"),
            )
            .values(*fields)
        )
        forward, backward = ["key_number"], ["-key_number"]
    else:
        late = (
            _late_parts(findings, as_of)
            .annotate(
                key_number=_by_code_points("number"),
                finding_id=F("pk"),
                part=F("parts__kind"),
                due=F("parts__due"),
                assignee=F("parts__assignee"),
                town=F("town_code"),
            )
            .values(*fields)
        )
        # "town" > "department": descending kind puts the town's part first, as late_parts does.
        forward, backward = ["key_number", "-part"], ["-key_number", "part"]

    def beyond(page_key: tuple[str, str], *, ahead: bool) -> Q:
        """The rows after (``ahead``) or before a page key, in the list's order."""
        number, kind = page_key
        past = Q(**{f"key_number__{'gt' if ahead else 'lt'}": number})
        return past if level == "city" else past | Q(key_number=number, **{f"part__{'lt' if ahead else 'gt'}": kind})

    def key(row: dict[str, Any]) -> str:
        return row["number"] if level == "city" else f"{row['number']}|{row['part']}"

    after_key, before_key = _page_key(after, level=level), _page_key(before, level=level)
    if before_key and not after_key:
        rows = list(late.filter(beyond(before_key, ahead=False)).order_by(*backward)[: size + 1])
        more_before = len(rows) > size
        rows = rows[:size][::-1]
        next_after = key(rows[-1]) if rows else None
        previous_before = key(rows[0]) if rows and more_before else None
    else:
        if after_key:
            late = late.filter(beyond(after_key, ahead=True))
        rows = list(late.order_by(*forward)[: size + 1])
        more_after = len(rows) > size
        rows = rows[:size]
        next_after = key(rows[-1]) if rows and more_after else None
        previous_before = key(rows[0]) if rows and after_key else None
    for row in rows:
        row["days_late"] = (as_of - row["due"]).days
    return KeysetPage(rows=rows, next_after=next_after, previous_before=previous_before)


def reminders_for_user(*, user: Any, today: dt.date, days: int) -> QuerySet[FindingPart]:
    """The user's open parts due within ``days`` (or already late), soonest first: what the queue reminds of."""
    return (
        parts_for_user(user=user)
        .filter(done_on__isnull=True, due__lte=today + dt.timedelta(days=days))
        .select_related("finding")
        .order_by("due", "finding__number")
    )


# --- the rectification ledger --------------------------------------------------------------------------------


def ledger_rows(*, findings: QuerySet[Finding], as_of: dt.date) -> Iterator[dict[str, Any]]:
    """The findings found by ``as_of``, one dict per finding with its town's and department's part side by side
    (``town_*``/``department_*``: started, due, done; None without that part), in finding-number order. One
    query, streamed."""
    parts = {
        "town_part": FilteredRelation("parts", condition=Q(parts__kind=PartKind.TOWN)),
        "department_part": FilteredRelation("parts", condition=Q(parts__kind=PartKind.DEPARTMENT)),
    }
    columns = {
        f"{who}_{what}": F(f"{who}_part__{field}")
        for who in ("town", "department")
        for what, field in (("started", "started_on"), ("due", "due"), ("done", "done_on"))
    }
    rows: QuerySet[Any] = (
        findings.filter(found_on__lte=as_of)
        .annotate(**parts)
        .order_by(_by_code_points("number"))
        .values(
            "number",
            "source",
            "found_on",
            "area_code",
            "category",
            "description",
            "town_code",
            "department",
            "assign_due",
            "assigned_on",
            "verified_on",
            household_no=F("household__household_no"),
            **columns,
        )
    )
    return rows.iterator(chunk_size=2000)


def area_codes_named(*, findings: QuerySet[Finding]) -> list[str]:
    """Every area a ledger of ``findings`` names: where found and the responsible towns (two grouped reads)."""
    found = findings.values_list("area_code", flat=True).distinct()
    towns = findings.exclude(town_code="").values_list("town_code", flat=True).distinct()
    return sorted({*found.order_by(), *towns.order_by()})


# --- statistics ------------------------------------------------------------------------------------------------

GROUPINGS = {"source": "source", "category": "category", "town": "town_code", "department": "department"}


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (two dates), computed by the database itself: ``julianday`` on
    SQLite, date subtraction (an integer) on PostgreSQL. Django's own date difference is a duration that SQLite
    computes in a Python function called once per row (1 s per statistics query at 200,000 findings)."""

    arity = 2
    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def _late_by(as_of: dt.date) -> Q:
    """A finding late at some point up to ``as_of`` (the statistics' "late"): its assignment or one of its parts
    is late on ``as_of`` (due before it, not done by it), or was done after its due date. Dates after ``as_of``
    count as not yet happened. The ledger's late mark (``ledger_export``) is the same test, row by row."""
    late_part = FindingPart.objects.filter(finding=OuterRef("pk"), started_on__lte=as_of).filter(
        Q(due__lt=as_of) & (Q(done_on__isnull=True) | Q(done_on__gt=as_of))
        | Q(done_on__lte=as_of, done_on__gt=F("due"))
    )
    return (
        Q(Exists(late_part))
        | Q(assign_due__lt=as_of) & (Q(assigned_on__isnull=True) | Q(assigned_on__gt=as_of))
        | Q(assigned_on__lte=as_of, assigned_on__gt=F("assign_due"))
    )


def _figures(as_of: dt.date) -> dict[str, Any]:
    return {
        "found": Count("pk"),
        "rectified": Count("pk", filter=Q(verified_on__lte=as_of)),
        "late": Count("pk", filter=_late_by(as_of)),
        "days": Sum(DaysBetween(F("verified_on"), F("found_on")), filter=Q(verified_on__lte=as_of)),
    }


def _row(key: str, row: dict[str, Any]) -> dict[str, Any]:
    found, rectified, days = row["found"], row["rectified"], row["days"] or 0
    return {
        "key": key,
        "found": found,
        "rectified": rectified,
        "open": found - rectified,
        "late": row["late"],
        "rate": round(100 * rectified / found, 1) if found else None,
        "days": days,  # summed over the verified findings: what the average is made of
        "average_days": round(days / rectified, 1) if rectified else None,
    }


def statistics(*, findings: QuerySet[Finding], by: str, as_of: dt.date) -> list[dict[str, Any]]:
    """Per source, category, town or department (``GROUPINGS``) of the findings found by ``as_of``: found,
    rectified (verified by ``as_of``), open, late (see :func:`_late_by`), the rate rectified in per cent and the
    average days from finding to verification. One grouped query; a finding without a responsible town (or
    department) is grouped under ``""``."""
    column = GROUPINGS[by]
    rows = findings.filter(found_on__lte=as_of).values(column).annotate(**_figures(as_of)).order_by(column)
    return [_row(row[column], row) for row in rows]


def statistics_total(*, findings: QuerySet[Finding], as_of: dt.date) -> dict[str, Any]:
    """The same figures over all the findings found by ``as_of`` (a table's total row). One query."""
    return _row("", findings.filter(found_on__lte=as_of).aggregate(**_figures(as_of)))


def statistics_sum(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The total row of one grouping's :func:`statistics` rows (every finding is in exactly one group), without
    another query."""
    names = ("found", "rectified", "late", "days")
    return _row("", {name: sum(row[name] for row in rows) for name in names})


# --- what the pages filter and count ---------------------------------------------------------------------------

STATES = ("unassigned", "rectifying", "awaiting", "closed")


def _open_part() -> Exists:
    return Exists(FindingPart.objects.filter(finding=OuterRef("pk"), done_on__isnull=True))


def findings_in_state(findings: QuerySet[Finding], state: str) -> QuerySet[Finding]:
    """Findings by where they stand: ``unassigned`` (未交办), ``rectifying`` (整改中: a part not done),
    ``awaiting`` (待核验: every part done, not verified), ``closed`` (已销号), ``open`` (not closed); else all."""
    if state == "unassigned":
        return findings.filter(assigned_on__isnull=True)
    if state == "rectifying":
        return findings.filter(assigned_on__isnull=False, verified_on__isnull=True).filter(_open_part())
    if state == "awaiting":
        return findings.filter(assigned_on__isnull=False, verified_on__isnull=True).exclude(_open_part())
    if state == "closed":
        return findings.filter(verified_on__isnull=False)
    if state == "open":
        return findings.filter(verified_on__isnull=True)
    return findings


def finding_state(finding: Finding, parts: list[FindingPart]) -> str:
    """Where one finding stands (a key of :data:`STATES`), from the finding and its parts as loaded."""
    if finding.verified_on:
        return "closed"
    if not finding.assigned_on:
        return "unassigned"
    return "rectifying" if any(not part.done_on for part in parts) else "awaiting"


def findings_late(findings: QuerySet[Finding], *, as_of: dt.date, level: str = "") -> QuerySet[Finding]:
    """Findings with something late on ``as_of`` (挂牌督办): the assignment (``市级``), a part (``县级``), or
    either (any other ``level``)."""
    assign = _late_assignments(findings, as_of).values("pk")
    parts = _late_parts(findings, as_of).values("pk")
    if level == "市级":
        return findings.filter(pk__in=assign)
    if level == "县级":
        return findings.filter(pk__in=parts)
    return findings.filter(Q(pk__in=assign) | Q(pk__in=parts))


def queue_counts(*, user: Any, today: dt.date, days: int) -> dict[str, int]:
    """A user's parts still open, those late today, and those due within ``days`` (not yet late): one query."""
    return (
        parts_for_user(user=user)
        .filter(done_on__isnull=True)
        .aggregate(
            open=Count("pk"),
            late=Count("pk", filter=Q(due__lt=today)),
            soon=Count("pk", filter=Q(due__gte=today, due__lte=today + dt.timedelta(days=days))),
        )
    )


# --- for the standard tables (reports) ------------------------------------------------------------------------


def finding_counts_by_area(*, user: Any, area_prefix: str, year: int, as_of: dt.date) -> list[dict[str, Any]]:
    """Per area of the findings the user may see, found in ``year`` by ``as_of``: ``area`` (where it was found, or
    its responsible town when found above ``area_prefix``), ``found``, ``rectified`` (verified by ``as_of``),
    ``open``, ``late`` (as :func:`statistics`) and ``source_<source>`` found from each source."""
    findings = findings_for_user(user=user).filter(found_on__gte=dt.date(year, 1, 1), found_on__lte=as_of)
    area = Case(When(area_code__startswith=area_prefix, then=F("area_code")), default=F("town_code"))
    sources = {f"source_{s}": Count("pk", filter=Q(source=s)) for s in Source}
    rows: Any = (
        findings.annotate(table_area=area)
        .filter(table_area__startswith=area_prefix)
        .values("table_area")
        .annotate(**_figures(as_of), **sources)
        .order_by("table_area")
    )
    return [
        {
            "area": row["table_area"],
            "found": row["found"],
            "rectified": row["rectified"],
            "open": row["found"] - row["rectified"],
            "late": row["late"],
            **{key: row[key] for key in sources},
        }
        for row in rows
    ]


def findings_version() -> str:
    """Changes with any finding recorded, stepped or edited (its steps, its own ``updated_at``) and with the date
    (lateness moves with it): the key of figures counted from the findings."""
    findings = Finding.objects.aggregate(n=Count("pk"), last=Max("pk"), at=Max("updated_at"))
    step = FindingStep.objects.aggregate(last=Max("pk"))["last"]
    at = findings["at"]
    today = timezone.localdate().isoformat()
    return f"{findings['n']}.{findings['last']}.{at.isoformat() if at else ''}.{step}.{today}"


def finding_search_for_user(
    *,
    user: Any,
    state: str,
    as_of: dt.date,
    source: str = "",
    category: str = "",
    town: str = "",
    village: str = "",
    late: str = "",
) -> QuerySet[Finding]:
    """The findings the finding list shows for its filters: ``state`` (:func:`findings_in_state`), ``source``,
    ``category``, ``town`` (the responsible town's code), ``village`` (where it was found) and ``late`` (the level
    of :func:`findings_late` on ``as_of``; "" for no such filter)."""
    findings = findings_in_state(findings_for_user(user=user), state)
    if source:
        findings = findings.filter(source=source)
    if category:
        findings = findings.filter(category=category)
    if town:
        findings = findings.filter(town_code=town)
    if village:
        findings = findings.filter(area_code=village)
    if late:
        findings = findings_late(findings, as_of=as_of, level=late)
    return findings


def finding_totals(*, user: Any, town: str = "", village: str = "", as_of: dt.date) -> dict[str, int]:
    """Findings not closed (``open``) and of those, the ones with something late on ``as_of`` (``late``): the
    finding list's own search with the same filters, so that a figure and its list agree."""
    search = {"user": user, "state": "open", "as_of": as_of, "town": town, "village": village}
    return {
        "open": finding_search_for_user(**search).count(),
        "late": finding_search_for_user(**search, late="any").count(),
    }
