"""Reads of the funds: spending progress (支出进度), early disbursement (提前下达) and a project's money.

**Spending progress** of a budget year is *paid ÷ allocated*: the allocations made from that year's funds, and
what has been paid out of those allocations (up to an as-of date when one is given, whenever paid otherwise). It
is computed set-based — one ``GROUP BY`` for the allocations and one for the payments per grouping, never a loop
over payments — by project, by fund source, by town and for the whole area:

- a project's **town** is the first 9 digits of its area code (village and town projects alike);
- a **county-level** project (its area is the county, so its 9 digits end in ``000``) counts for the county only:
  it appears in the by-town table on a row of its own (县级项目) and in no town, so the towns' rows plus that row
  add up to the county.

**Scope**: funds are not people data, but their figures stay within the area. A fund document (文号, amount,
date) is seen by the area that owns it and by the areas below it (:func:`core.scope.scoped_or_above`, like a
county-level project); the allocations and payments counted in any figure are those of projects in the user's
own area (:func:`core.scope.scoped`): a town user sees its town's progress, the county user the county's.

**Early disbursement** (提前下达): a fund of budget year *Y* issued before 1 January of *Y*. Its share is the
amount issued early ÷ the amount of all funds of year *Y* recorded so far, per source and in total, as the
Liaocheng report's "80% of the funds disbursed early" counts it (by amount, not by number of documents). Next to
it, how much of the year's allocations was paid by the end of each month of *Y* (cumulative %, payments made
before 1 January counted in January).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.http import Http404

from jingzhun.areas.selectors import area_names
from jingzhun.core.scope import scoped, scoped_or_above

from .models import Allocation, Fund, FundSource, Payment, PaymentAttachment, Project
from .selectors import projects_for_user

ZERO = Decimal("0.00")
SOURCE_TEXT = dict(FundSource.choices)
SOURCE_ORDER = {value: index for index, value in enumerate(FundSource.values)}
COUNTY_LEVEL = "county"  # the by-town key of county-level projects
COUNTY_LEVEL_TEXT = "县级项目（不计入乡镇）"


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole``, to one decimal (half up); ``None`` when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Progress:
    """Allocated, paid and their ratio for one group (a project, a source, a town, the area)."""

    key: str
    label: str
    allocated: Decimal = ZERO
    paid: Decimal = ZERO
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def percent(self) -> Decimal | None:
        return percent(self.paid, self.allocated)

    @property
    def bar(self) -> int:
        """The percentage as a progress bar's value (0–100)."""
        value = self.percent
        return 0 if value is None else max(0, min(100, int(value)))

    @property
    def unpaid(self) -> Decimal:
        return self.allocated - self.paid


# --- what a user's figures count --------------------------------------------------------------------------------


def funds_for_user(*, user: Any) -> QuerySet[Fund]:
    """The fund documents the user may see: its area's and those of the areas above it."""
    return scoped_or_above(Fund.objects.select_related("area"), user, "area__code")


def fund_get_for_user(*, user: Any, fund_id: int) -> Fund:
    fund = funds_for_user(user=user).filter(pk=fund_id).first()
    if fund is None:
        raise Http404("没有找到该资金。")
    return fund


def allocations_in_scope(*, user: Any, year: int | None = None) -> QuerySet[Allocation]:
    """Allocations to projects in the user's own area (of funds of budget ``year``)."""
    rows = Allocation.objects.all()
    if year is not None:
        rows = rows.filter(fund__year=year)
    return scoped(rows, user, "project__area__code")


def payments_in_scope(*, user: Any, year: int | None = None, as_of: dt.date | None = None) -> QuerySet[Payment]:
    """Payments of projects in the user's own area (out of funds of budget ``year``, paid by ``as_of``)."""
    rows = Payment.objects.all()
    if year is not None:
        rows = rows.filter(fund__year=year)
    if as_of is not None:
        rows = rows.filter(paid_on__lte=as_of)
    return scoped(rows, user, "project__area__code")


def _grouped(rows: QuerySet[Any], key: Any) -> dict[Any, Decimal]:
    """``{key: sum of amount}`` in one ``GROUP BY``."""
    if isinstance(key, str):
        grouped = rows.values(key).annotate(total=Sum("amount")).values_list(key, "total")
    else:
        grouped = rows.annotate(group=key).values("group").annotate(total=Sum("amount")).values_list("group", "total")
    return {k: total or ZERO for k, total in grouped.order_by()}


def _merge(allocated: dict[Any, Decimal], paid: dict[Any, Decimal]) -> dict[Any, tuple[Decimal, Decimal]]:
    return {k: (allocated.get(k, ZERO), paid.get(k, ZERO)) for k in {*allocated, *paid}}


def _paid_of_allocation(as_of: dt.date | None) -> Any:
    """What has been paid out of the outer allocation (by ``as_of``): a correlated ``SUM`` that reads only the
    payment index on (allocation, paid on, fund, amount), never the payment rows or their project."""
    payments = Payment.objects.filter(allocation=OuterRef("pk"))
    if as_of is not None:
        payments = payments.filter(paid_on__lte=as_of)
    paid = payments.order_by().values("allocation").annotate(total=Sum("amount")).values("total")
    return Coalesce(Subquery(paid), Value(ZERO), output_field=DecimalField(max_digits=14, decimal_places=2))


def _both(allocations: QuerySet[Allocation], key: Any, as_of: dt.date | None) -> dict[Any, tuple[Decimal, Decimal]]:
    """``{key: (allocated, paid)}`` over ``allocations`` in one ``GROUP BY``: each allocation's payments are summed
    first (through the index), so the scope and the grouping join the few thousand allocations of a year with their
    project and fund, not the hundreds of thousands of payments."""
    rows = allocations.annotate(paid=_paid_of_allocation(as_of))
    if not isinstance(key, str):
        rows = rows.annotate(group=key)
        key = "group"
    grouped = rows.values(key).annotate(a=Sum("amount"), p=Sum("paid")).values_list(key, "a", "p").order_by()
    return {k: (a or ZERO, p or ZERO) for k, a, p in grouped}


# --- spending progress ----------------------------------------------------------------------------------------


def progress_total(*, user: Any, year: int, as_of: dt.date | None = None) -> Progress:
    """The progress of the user's whole area (the county for a county user) for budget ``year``."""
    figures = allocations_in_scope(user=user, year=year).aggregate(a=Sum("amount"), p=Sum(_paid_of_allocation(as_of)))
    return Progress(key="total", label="合计", allocated=figures["a"] or ZERO, paid=figures["p"] or ZERO)


def progress_by_source(*, user: Any, year: int, as_of: dt.date | None = None) -> list[Progress]:
    """The progress per fund source (中央, 省级 …), in the sources' order."""
    both = _both(allocations_in_scope(user=user, year=year), "fund__source", as_of)
    return [
        Progress(key=k, label=SOURCE_TEXT.get(k, k), allocated=a, paid=p)
        for k, (a, p) in sorted(both.items(), key=lambda item: SOURCE_ORDER.get(item[0], 99))
    ]


def town_key(area_code: str) -> str:
    """The by-town key of a project's area code: its 9-digit town prefix, or :data:`COUNTY_LEVEL`."""
    prefix = area_code[:9]
    return COUNTY_LEVEL if prefix.endswith("000") else prefix


def progress_by_town(*, user: Any, year: int, as_of: dt.date | None = None) -> list[Progress]:
    """The progress per town (the first 9 digits of the project's area code), in code order, with county-level
    projects on a row of their own at the end (they count for the county, not for any town)."""
    town = Substr("project__area_id", 1, 9)
    both = _both(allocations_in_scope(user=user, year=year), town, as_of)
    merged: dict[str, tuple[Decimal, Decimal]] = {}
    for prefix, (a, p) in both.items():  # a handful of towns, not payments
        key = town_key(prefix)
        old_a, old_p = merged.get(key, (ZERO, ZERO))
        merged[key] = (old_a + a, old_p + p)
    names = area_names(codes=[k.ljust(12, "0") for k in merged if k != COUNTY_LEVEL])
    rows = [
        Progress(key=k, label=names.get(k.ljust(12, "0"), k), allocated=a, paid=p)
        for k, (a, p) in sorted(merged.items())
        if k != COUNTY_LEVEL
    ]
    if COUNTY_LEVEL in merged:
        a, p = merged[COUNTY_LEVEL]
        rows.append(Progress(key=COUNTY_LEVEL, label=COUNTY_LEVEL_TEXT, allocated=a, paid=p))
    return rows


def progress_by_project(
    *, user: Any, year: int, as_of: dt.date | None = None, limit: int | None = None, slowest: bool = False
) -> list[Progress]:
    """The progress per project that received money from ``year``'s funds, by project number — or, with
    ``slowest``, the lowest progress first (the projects to chase); ``limit`` keeps the first rows."""
    both = _both(allocations_in_scope(user=user, year=year), "project_id", as_of)
    items = list(both.items())
    if slowest:
        items.sort(key=lambda item: (item[1][1] / item[1][0] if item[1][0] else Decimal(0), item[0]))
    if limit is not None and slowest:
        items = items[:limit]
    projects = {
        p.pk: p
        for p in Project.objects.filter(pk__in=[k for k, _v in items]).only(
            "code", "name", "area_id", "planned_investment", "stage"
        )
    }
    rows = [
        Progress(
            key=projects[k].code,
            label=projects[k].name,
            allocated=a,
            paid=p,
            extra={"project": projects[k]},
        )
        for k, (a, p) in items
    ]
    if not slowest:
        rows.sort(key=lambda row: row.key)
        if limit is not None:
            rows = rows[:limit]
    return rows


def fund_figures(*, user: Any, funds: Iterable[Fund]) -> list[Progress]:
    """Each fund with what of it was allocated to and paid for projects in the user's area (two ``GROUP BY``)."""
    funds = list(funds)
    ids = [f.pk for f in funds]
    both = _both(scoped(Allocation.objects.filter(fund_id__in=ids), user, "project__area__code"), "fund_id", None)
    return [
        Progress(
            key=str(f.pk),
            label=f.title,
            allocated=both.get(f.pk, (ZERO, ZERO))[0],
            paid=both.get(f.pk, (ZERO, ZERO))[1],
            extra={"fund": f, "early": f.issued_on < dt.date(f.year, 1, 1)},
        )
        for f in funds
    ]


def fund_years(*, user: Any) -> list[int]:
    """The budget years of the funds the user sees, newest first."""
    return sorted(set(funds_for_user(user=user).values_list("year", flat=True).order_by()), reverse=True)


# --- early disbursement ----------------------------------------------------------------------------------------


@dataclass
class EarlyRow:
    """Funds of one year and source: how much was issued, how much of it early, and the share."""

    year: int
    source: str
    label: str
    funds: int
    amount: Decimal
    early_funds: int
    early: Decimal

    @property
    def share(self) -> Decimal | None:
        return percent(self.early, self.amount)

    @property
    def bar(self) -> int:
        value = self.share
        return 0 if value is None else max(0, min(100, int(value)))


def early_by_source(*, user: Any, years: Iterable[int] | None = None) -> list[EarlyRow]:
    """Per budget year and source, the amount of the funds the user sees and the amount issued before 1 January
    of the budget year (提前下达), with a total row per year (source ``""``, label 合计). Newest year first."""
    funds = funds_for_user(user=user)
    if years is not None:
        funds = funds.filter(year__in=list(years))
    # ``issued_on`` before 1 January of the fund's own year: its year part is below the budget year.
    early = Q(issued_on__year__lt=F("year"))
    rows = (
        funds.values("year", "source")
        .annotate(
            n=Count("id"),
            total=Sum("amount"),
            early_n=Count("id", filter=early),
            early_total=Sum("amount", filter=early),
        )
        .order_by()
    )
    by_year: dict[int, list[EarlyRow]] = {}
    for row in rows:
        by_year.setdefault(row["year"], []).append(
            EarlyRow(
                year=row["year"],
                source=row["source"],
                label=SOURCE_TEXT.get(row["source"], row["source"]),
                funds=row["n"],
                amount=row["total"] or ZERO,
                early_funds=row["early_n"],
                early=row["early_total"] or ZERO,
            )
        )
    result: list[EarlyRow] = []
    for year in sorted(by_year, reverse=True):
        group = sorted(by_year[year], key=lambda r: SOURCE_ORDER.get(r.source, 99))
        result.extend(group)
        result.append(
            EarlyRow(
                year=year,
                source="",
                label="合计",
                funds=sum(r.funds for r in group),
                amount=sum((r.amount for r in group), ZERO),
                early_funds=sum(r.early_funds for r in group),
                early=sum((r.early for r in group), ZERO),
            )
        )
    return result


@dataclass
class MonthlyRow:
    """For one source (or 合计), the year's allocations and the cumulative % paid by each month's end."""

    source: str
    label: str
    allocated: Decimal
    paid_by_month: list[Decimal]  # cumulative paid at the end of January … December
    paid_later: Decimal  # paid after the year ended (counted in no month)

    @property
    def percents(self) -> list[Decimal | None]:
        return [percent(paid, self.allocated) for paid in self.paid_by_month]


def paid_by_month(*, user: Any, year: int) -> list[MonthlyRow]:
    """How much of ``year``'s allocations (in the user's area) was paid by the end of each month of ``year``,
    cumulative, per source and in total. Payments dated before 1 January count in January; those after the
    year are shown apart. Two ``GROUP BY`` queries; the month ends' sums are conditional sums of one pass."""
    allocations = allocations_in_scope(user=user, year=year)
    allocated = _grouped(allocations, "fund__source")
    # One pass over the year's payments of these allocations: a cumulative conditional sum per month end, and what
    # was paid after the year; grouped by fund (the payment's own column), a fund's source looked up afterwards.
    payments = Payment.objects.filter(allocation__in=allocations.values("pk"))
    ends = month_ends(year)
    sums = {f"m{i}": Sum("amount", filter=Q(paid_on__lte=end)) for i, end in enumerate(ends)}
    by_fund: Any = payments.values("fund_id").annotate(**sums, later=Sum("amount", filter=Q(paid_on__gt=ends[-1])))
    source_of = dict(Fund.objects.filter(year=year).values_list("pk", "source"))
    monthly: dict[str, list[Decimal]] = {}
    later: dict[str, Decimal] = {}
    for row in by_fund.order_by():  # one row per fund of the year
        source = source_of[row["fund_id"]]
        running = monthly.setdefault(source, [ZERO] * 12)
        for i in range(12):
            running[i] += row[f"m{i}"] or ZERO
        later[source] = later.get(source, ZERO) + (row["later"] or ZERO)
    sources = sorted({*allocated, *monthly, *later}, key=lambda s: SOURCE_ORDER.get(s, 99))
    rows = [
        MonthlyRow(
            source=s,
            label=SOURCE_TEXT.get(s, s),
            allocated=allocated.get(s, ZERO),
            paid_by_month=monthly.get(s, [ZERO] * 12),
            paid_later=later.get(s, ZERO),
        )
        for s in sources
    ]
    total = MonthlyRow(
        source="",
        label="合计",
        allocated=sum((r.allocated for r in rows), ZERO),
        paid_by_month=[sum((r.paid_by_month[i] for r in rows), ZERO) for i in range(12)],
        paid_later=sum((r.paid_later for r in rows), ZERO),
    )
    return [*rows, total]


def month_ends(year: int) -> list[dt.date]:
    return [dt.date(year, m, calendar.monthrange(year, m)[1]) for m in range(1, 13)]


# --- one project --------------------------------------------------------------------------------------------------


def project_fund_summary(*, project: Project) -> dict[str, Any]:
    """A project's money for its page: planned investment, allocated, paid, progress %, and each allocation (with
    its fund) with its payments and their attachments, oldest first. The caller has checked that the user may see
    the project (``selectors.project_get_for_user``)."""
    payments = Payment.objects.order_by("paid_on", "id").prefetch_related(
        Prefetch("attachments", queryset=PaymentAttachment.objects.order_by("id"))
    )
    allocations = list(
        Allocation.objects.filter(project=project)
        .select_related("fund")
        .prefetch_related(Prefetch("payments", queryset=payments))
        .order_by("allocated_on", "id")
    )
    rows: list[dict[str, Any]] = []
    for allocation in allocations:  # one project's allocations: a few rows
        paid = sum((p.amount for p in allocation.payments.all()), ZERO)
        rows.append(
            {
                "allocation": allocation,
                "fund": allocation.fund,
                "source": SOURCE_TEXT.get(allocation.fund.source, allocation.fund.source),
                "allocated": allocation.amount,
                "paid": paid,
                "remaining": allocation.amount - paid,
                "percent": percent(paid, allocation.amount),
                "payments": list(allocation.payments.all()),
            }
        )
    allocated = sum((r["allocated"] for r in rows), ZERO)
    paid = sum((r["paid"] for r in rows), ZERO)
    progress = percent(paid, allocated)
    return {
        "planned": project.planned_investment,
        "allocated": allocated,
        "paid": paid,
        "unpaid": allocated - paid,
        "progress": progress,
        "bar": 0 if progress is None else max(0, min(100, int(progress))),
        "allocations": rows,
    }


def attachment_get_for_user(*, user: Any, attachment_id: int) -> PaymentAttachment:
    """A payment attachment of a project the user may see; "not found" otherwise."""
    attachment = (
        PaymentAttachment.objects.select_related("payment", "payment__project").filter(pk=attachment_id).first()
    )
    if attachment is None or not projects_for_user(user=user).filter(pk=attachment.payment.project_id).exists():
        raise Http404("没有找到该附件。")
    return attachment


def allocation_get_for_project(*, project: Project, allocation_id: int) -> Allocation:
    allocation = Allocation.objects.select_related("project", "fund").filter(pk=allocation_id, project=project).first()
    if allocation is None:
        raise Http404("没有找到该资金分配。")
    return allocation


def fund_allocations_for_user(*, user: Any, fund: Fund) -> list[Progress]:
    """The allocations of ``fund`` to projects the user may see, each with what has been paid of it."""
    visible = projects_for_user(user=user).values("pk")
    allocations = list(
        Allocation.objects.filter(fund=fund, project__in=visible)
        .select_related("project", "project__area")
        .annotate(paid=Sum("payments__amount"))
        .order_by("allocated_on", "id")
    )
    return [
        Progress(
            key=a.project.code,
            label=a.project.name,
            allocated=a.amount,
            paid=a.paid or ZERO,  # type: ignore[attr-defined]
            extra={"allocation": a, "project": a.project},
        )
        for a in allocations
    ]


def ledger_rows(*, user: Any, year: int) -> list[dict[str, Any]]:
    """The fund ledger by source and project (资金台账): for each source and project of the user's area, the
    amount allocated from ``year``'s funds, paid, unpaid, progress; ordered by source then project number. One
    ``GROUP BY`` over the allocations, each with its payments summed through the index."""
    key = ("fund__source", "project_id")
    both = {
        (source, project): (a or ZERO, p or ZERO)
        for source, project, a, p in allocations_in_scope(user=user, year=year)
        .annotate(paid=_paid_of_allocation(None))
        .values(*key)
        .annotate(a=Sum("amount"), p=Sum("paid"))
        .values_list(*key, "a", "p")
        .order_by()
    }
    keys = set(both)
    projects = {
        p.pk: p
        for p in Project.objects.filter(pk__in={k[1] for k in keys})
        .select_related("area")
        .only("code", "name", "level", "area__name", "area__code", "planned_investment")
    }
    rows = [
        {
            "source": s,
            "source_text": SOURCE_TEXT.get(s, s),
            "project": projects[p],
            "allocated": both[s, p][0],
            "paid": both[s, p][1],
        }
        for s, p in keys
    ]
    rows.sort(key=lambda r: (SOURCE_ORDER.get(r["source"], 99), r["project"].code))
    return rows


# --- for the standard tables (reports) ------------------------------------------------------------------------


def fund_counts_by_area(*, user: Any, year: int, as_of: dt.date) -> list[dict[str, Any]]:
    """Per project area (a village, a town, or the county for county-level projects) and fund source of the funds
    of budget ``year`` in the user's area: ``area``, ``source``, ``allocated`` and ``paid`` by ``as_of``."""
    allocated = _grouped_by_area(allocations_in_scope(user=user, year=year))
    paid = _grouped_by_area(payments_in_scope(user=user, year=year, as_of=as_of))
    return [
        {
            "area": area,
            "source": source,
            "allocated": allocated.get((area, source), ZERO),
            "paid": paid.get((area, source), ZERO),
        }
        for area, source in sorted(set(allocated) | set(paid))
    ]


def _grouped_by_area(rows: QuerySet[Any]) -> dict[tuple[str, str], Decimal]:
    grouped = rows.values_list("project__area_id", "fund__source").annotate(total=Sum("amount")).order_by()
    return {(area, source): total or ZERO for area, source, total in grouped}


def funds_version() -> str:
    """Changes with any fund, allocation or payment recorded (or removed): the key of figures counted from them."""
    parts = [
        model.objects.aggregate(n=Count("id"), last=Max("id"), total=Sum("amount"))  # an amount corrected too
        for model in (Fund, Allocation, Payment)
    ]
    return ".".join(f"{p['n']}-{p['last']}-{p['total']}" for p in parts)
