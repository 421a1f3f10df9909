"""应享未享 and 不应享而享 (docs/RULES.md §12, docs/LEDGER.md §5): reads of the stored entitlement runs, and the live
entitlements of one household.

- A gap is an entitlement of the latest finished run for the year that covers the user's scope without a payment
  of that benefit for that member (a household benefit: that household) dated in the year — or, for a benefit
  paid once (``period = "once"``), in the year or any earlier one.
- An unentitled payment is a payment dated in the year with no entitlement of that run for its benefit and member
  (a household benefit: its household).

Every query is set-based (``NOT EXISTS``) and goes through the one scope guard; a department clerk sees only the
benefits its department owns.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import CharField, Count, Exists, F, Func, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Collate, Concat

from jingzhun.core.cache import computed_once
from jingzhun.core.scope import scope_key, scope_prefix, scoped
from jingzhun.core.sets import compile_sql
from jingzhun.registry.models import Household, Member

from . import entitlements as entitlements_module
from .catalogue import Benefit, Catalogue
from .entitlement_services import catalogue_resolve
from .entitlements import entitlement_rows, source_tables
from .models import Entitlement, EntitlementRun, Payment
from .selectors import benefit_year_default, payments_version

# --- one household, live --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntitlementLine:
    """One thing a household (or one of its members) is entitled to in a year, and what it was paid for it."""

    benefit: Benefit
    member: Member | None
    amount: Decimal
    paid: Decimal
    received: bool


_SENTINEL = 7_604_321_987_654_321  # a household id no table has; replaced by a parameter in the cached SQL
_LIVE_SQL: dict[str, str] = {}


def _live_sql(catalogue: Catalogue, year: int) -> str:
    """The one-household query of ``catalogue`` and ``year`` as SQL with ``%s`` for the household id.

    Compiling it takes Ibis about half a second, so it is compiled once per catalogue content, year and database
    and kept in memory and in the data directory (``cache/entitlements-<key>.sql``, shared by the server's worker
    processes and kept across restarts; the key includes this code's own source, so a new release compiles anew).
    """
    key = _live_key(catalogue, year)
    sql = _LIVE_SQL.get(key)
    if sql is not None:
        return sql
    stored = Path(settings.DATA_DIR) / "cache" / f"entitlements-{key}.sql"
    try:
        sql = stored.read_text(encoding="utf-8")
    except OSError:
        expr = entitlement_rows(source_tables(), catalogue, year, household_id=_SENTINEL)
        sql = compile_sql(expr).replace("%", "%%").replace(str(_SENTINEL), "%s")
        with contextlib.suppress(OSError):
            stored.parent.mkdir(parents=True, exist_ok=True)
            partial = stored.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(sql, encoding="utf-8")
            partial.replace(stored)
    if len(_LIVE_SQL) > 64:
        _LIVE_SQL.clear()
    _LIVE_SQL[key] = sql
    return sql


@functools.cache
def _engine_source() -> str:
    return Path(entitlements_module.__file__ or "").read_text(encoding="utf-8")


def _live_key(catalogue: Catalogue, year: int) -> str:
    parts = (
        connection.vendor,
        str(year),
        catalogue.name,
        catalogue.version,
        repr(catalogue.benefits),
        _engine_source(),
    )
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def household_entitlement_rows(
    *, household_id: int, year: int, catalogue: Catalogue
) -> list[tuple[str, int | None, int]]:
    """``(benefit, member_id, amount_cents)`` of one household, computed now by the same query as a run."""
    sql = _live_sql(catalogue, year)
    with connection.cursor() as cursor:
        cursor.execute(sql, [household_id] * sql.count("%s"))
        rows = [(str(b), None if m is None else int(m), int(a)) for b, _h, m, a in cursor.fetchall()]
    return sorted(rows, key=lambda r: (r[0], r[1] or 0))


def _paid_on_time(year: int, once: list[str]) -> Q:
    """Payments that count as received for a benefit of ``year``: dated in it, or before it for ``once``."""
    return Q(year=year) | Q(benefit__in=once, year__lt=year)


def _once(catalogue: Catalogue) -> list[str]:
    return [code for code, b in catalogue.benefits.items() if b.period == "once"]


def household_entitlements(
    *, household: Household, year: int, catalogue: Catalogue | str | None = None
) -> list[EntitlementLine]:
    """What ``household`` and its members are entitled to in ``year``, computed live (not from a stored run), with
    what was paid for each. The caller has checked the household is in the user's scope."""
    chosen = catalogue_resolve(catalogue)
    rows = household_entitlement_rows(household_id=household.pk, year=year, catalogue=chosen)
    members = {m.pk: m for m in Member.objects.filter(pk__in=[r[1] for r in rows if r[1] is not None])}
    paid: dict[tuple[str, int | None], Decimal] = defaultdict(Decimal)
    payments = Payment.objects.filter(_paid_on_time(year, _once(chosen)), household=household, year__lte=year)
    for benefit, paid_member, amount in payments.values_list("benefit", "member_id", "amount"):
        unit_member = paid_member if (b := chosen.get(benefit)) is not None and b.per_member else None
        paid[(benefit, unit_member)] += amount
    lines = []
    for code, member_id, cents in rows:
        got = paid.get((code, member_id), Decimal(0))
        lines.append(
            EntitlementLine(
                benefit=chosen.benefits[code],
                member=members.get(member_id) if member_id is not None else None,
                amount=Decimal(cents).scaleb(-2),
                paid=got,
                received=got > 0,
            )
        )
    return lines


def household_unentitled_payments(
    *, household: Household, year: int, catalogue: Catalogue | str | None = None
) -> list[Payment]:
    """Payments to ``household`` dated in ``year`` that no live entitlement of that year explains (不应享而享)."""
    chosen = catalogue_resolve(catalogue)
    rows = household_entitlement_rows(household_id=household.pk, year=year, catalogue=chosen)
    entitled = {(b, m) for b, m, _a in rows}
    payments = Payment.objects.filter(household=household, year=year).select_related("member").order_by("paid_on", "id")
    return [p for p in payments if (p.benefit, p.member_id) not in entitled and (p.benefit, None) not in entitled]


def household_live_seconds(*, household: Household, year: int, catalogue: Catalogue | None = None) -> float:
    """How long one household's live computation takes (for the benchmark and its test)."""
    started = time.perf_counter()
    household_entitlement_rows(household_id=household.pk, year=year, catalogue=catalogue_resolve(catalogue))
    return time.perf_counter() - started


# --- stored runs: gaps and unentitled payments ------------------------------------------------------------------


def entitlement_run_latest(*, user: Any, year: int) -> EntitlementRun | None:
    """The latest finished run of ``year`` whose area contains the whole of the user's scope (None: none yet)."""
    prefix = scope_prefix(user)
    if prefix is None:
        return None
    covering = [prefix[:n] for n in range(len(prefix) + 1)]
    return (
        EntitlementRun.objects.filter(year=year, finished_at__isnull=False, area_prefix__in=covering)
        .order_by("-finished_at", "-id")
        .first()
    )


def _department_codes(user: Any, catalogue: Catalogue) -> list[str] | None:
    """The benefit codes a department clerk may see (None: every benefit)."""
    if getattr(user, "role", "") != "department":
        return None
    return [b.code for b in catalogue.for_department(getattr(user, "department", "") or "\x00")]


def _catalogue_of(run: EntitlementRun) -> Catalogue:
    try:
        return catalogue_resolve(run.catalogue)
    except Exception:  # the run's catalogue is gone: the one in force says who owns what
        return catalogue_resolve(None)


def gaps_for_user(*, user: Any, run: EntitlementRun) -> QuerySet[Entitlement]:
    """The run's entitlements in the user's scope (a department clerk: its department's) with no payment."""
    catalogue = _catalogue_of(run)
    on_time = _paid_on_time(run.year, _once(catalogue))
    by_member = Payment.objects.filter(on_time, benefit=OuterRef("benefit"), member=OuterRef("member"))
    by_household = Payment.objects.filter(on_time, benefit=OuterRef("benefit"), household=OuterRef("household"))
    rows = scoped(Entitlement.objects.filter(run=run), user, "household__village__code", household="household")
    codes = _department_codes(user, catalogue)
    if codes is not None:
        rows = rows.filter(benefit__in=codes)
    return rows.filter(
        (Q(member__isnull=False) & ~Exists(by_member)) | (Q(member__isnull=True) & ~Exists(by_household))
    )


def unentitled_for_user(*, user: Any, run: EntitlementRun) -> QuerySet[Payment]:
    """Payments dated in the run's year, in the run's area and the user's scope, with no entitlement in the run."""
    catalogue = _catalogue_of(run)
    entitled = Entitlement.objects.filter(run=run, benefit=OuterRef("benefit"), household=OuterRef("household")).filter(
        Q(member__isnull=True) | Q(member=OuterRef("member"))
    )
    rows = scoped(Payment.objects.filter(year=run.year), user, "household__village__code", household="household")
    if run.area_prefix:
        rows = rows.filter(household__village__code__startswith=run.area_prefix)
    codes = _department_codes(user, catalogue)
    if codes is not None:
        rows = rows.filter(benefit__in=codes)
    return rows.filter(~Exists(entitled))


def rows_filtered(
    rows: QuerySet[Any], *, catalogue: Catalogue, benefit: str = "", department: str = "", area: str = ""
) -> QuerySet[Any]:
    """A gap or unentitled list narrowed by benefit code, department key and area code prefix (already in scope)."""
    if benefit:
        rows = rows.filter(benefit=benefit)
    if department:
        rows = rows.filter(benefit__in=[b.code for b in catalogue.for_department(department)])
    if area:
        rows = rows.filter(household__village__code__startswith=area)
    return rows


def gap_list_for_user(
    *, user: Any, filters: dict[str, Any], catalogue: Catalogue, unentitled: bool
) -> tuple[EntitlementRun | None, QuerySet[Any] | None, QuerySet[Any] | None]:
    """(latest run of the year, all its rows in the user's scope, those rows narrowed by the list's ``filters``:
    ``year``, ``benefit``, ``department``, ``area``) of 应享未享 or (``unentitled``) 不应享而享; Nones without a run."""
    run = entitlement_run_latest(user=user, year=filters["year"])
    if run is None:
        return None, None, None
    every = unentitled_for_user(user=user, run=run) if unentitled else gaps_for_user(user=user, run=run)
    area = filters["area"].rstrip("0") if filters["area"] else ""
    narrowed = rows_filtered(
        every, catalogue=catalogue, benefit=filters["benefit"], department=filters["department"], area=area
    )
    return run, every, narrowed


def counts_by_village(rows: QuerySet[Any]) -> list[dict[str, Any]]:
    """``village`` code, ``n`` and ``total`` amount per village, in code order."""
    return list(
        rows.order_by()
        .values(village=F("household__village_id"))
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("village")
    )


def counts_by_department(rows: QuerySet[Any], *, catalogue: Catalogue) -> list[dict[str, Any]]:
    """``department`` key, its ``name``, ``n`` and ``total`` per department of the catalogue, in catalogue order."""
    per_benefit = rows.order_by().values("benefit").annotate(n=Count("id"), total=Sum("amount"))
    totals: dict[str, dict[str, Any]] = {}
    for row in per_benefit:
        benefit = catalogue.get(row["benefit"])
        key = benefit.department if benefit is not None else ""
        entry = totals.setdefault(
            key,
            {
                "department": key,
                "name": catalogue.department_name(key) if key else "（目录外）",
                "n": 0,
                "total": Decimal(0),
            },
        )
        entry["n"] += row["n"]
        entry["total"] += row["total"] or Decimal(0)
    order = list(catalogue.departments)
    return sorted(
        totals.values(), key=lambda e: order.index(e["department"]) if e["department"] in order else len(order)
    )


class _Yuan(Func):
    """An amount as text with two decimals ("1234.50"), written by the database."""

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="printf('%%.2f', %(expressions)s)", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="(%(expressions)s)::numeric(16, 2)::text", **extra)


def csv_lines(rows: QuerySet[Any]) -> Iterator[str]:
    """The lines ``benefit,household_no,id_number,amount`` of docs/LEDGER.md §5 in its order (code-point order of
    the text, the same on every database), each written by the database and streamed from the cursor: millions of
    rows for a county, no per-row work in Python. Codes, household numbers and ID numbers hold no comma or quote
    (the registry validates them), so no field needs quoting."""
    order: list[Any] = ["benefit", "household__household_no", "member__id_number"]
    if connection.vendor == "postgresql":
        order = [Collate(F(name), "C") for name in order]
    comma = Value(",")
    line = Concat(
        "benefit",
        comma,
        "household__household_no",
        comma,
        Coalesce("member__id_number", Value("")),
        comma,
        _Yuan("amount"),
        output_field=CharField(),
    )
    query = rows.annotate(csv_line=line).order_by(*order).values_list("csv_line")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(10000):
            for (text,) in batch:
                yield text


def gap_counts_for_user(*, user: Any, area_prefix: str = "") -> dict[str, Any]:
    """应享未享 and 不应享而享 of the benefit year in the user's scope (a department clerk: its department's), from
    the latest computed entitlements and today's payments: ``year``, ``run`` (None before the first run),
    ``gaps`` and ``unentitled``; ``area_prefix`` narrows to an area inside the scope (the households of its
    villages). Kept in the shared cache while neither changes: a new run or any new payment (payments are never
    deleted) makes a new key, so a stale count never shows."""
    year = benefit_year_default()
    run = entitlement_run_latest(user=user, year=year)
    if run is None:
        return {"year": year, "run": None}
    department = getattr(user, "department", "") if getattr(user, "role", "") == "department" else ""
    key = f"jingzhun:benefits:{run.pk}:{scope_key(user)}:{department}:{area_prefix}:{payments_version()}"

    def count() -> dict[str, int]:
        gaps, unentitled = gaps_for_user(user=user, run=run), unentitled_for_user(user=user, run=run)
        if area_prefix:
            gaps = gaps.filter(household__village__code__startswith=area_prefix)
            unentitled = unentitled.filter(household__village__code__startswith=area_prefix)
        return {"gaps": gaps.count(), "unentitled": unentitled.count()}

    return {"year": year, "run": run, **computed_once(key, count, timeout=24 * 3600)}
