"""Computing a year's entitlements (docs/RULES.md §12): one run is one transaction, a few ``INSERT … SELECT``
statements; older runs are kept, so a list can be explained after the registry or the catalogue changed."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.scope import SYSTEM, account_of, covers, scope_prefix
from jingzhun.core.sets import dialect, plan_execute, temp_cache
from jingzhun.core.sqlite import sqlite_pragmas

from .catalogue import Catalogue, CatalogueError, catalogue_get
from .entitlements import benefits_for_year, entitlement_plan, source_tables
from .models import Entitlement, EntitlementRun
from .selectors import catalogue_in_force


def catalogue_resolve(catalogue: Catalogue | str | None) -> Catalogue:
    """A catalogue given by itself, by name, or the one in force."""
    if isinstance(catalogue, Catalogue):
        return catalogue
    return catalogue_get(catalogue) if catalogue else catalogue_in_force()


def entitlements_compute(
    *, user: Any, year: int, area_prefix: str | None = None, catalogue: Catalogue | str | None = None
) -> EntitlementRun:
    """Compute who is entitled to what in ``year`` for every household of ``area_prefix`` (default: the user's
    whole scope) and store it as a new :class:`EntitlementRun` with its :class:`Entitlement` rows.

    For :data:`~jingzhun.core.scope.SYSTEM` (the command line) or a user who may ``COMPUTE_ENTITLEMENTS``, within
    that user's scope. Benefits without an amount for the year are skipped and named in ``run.skipped``; a year in
    which no benefit has an amount is refused (:class:`CatalogueError`, Chinese message) before anything is written.
    """
    if user is not SYSTEM and not user_can(user, Capability.COMPUTE_ENTITLEMENTS):
        raise PermissionDenied("您的角色不能计算应享政策。")
    prefix = scope_prefix(user)
    if prefix is None:
        raise PermissionDenied("您没有区划范围。")
    area = prefix if area_prefix is None else area_prefix
    if not covers(user, area):
        raise PermissionDenied("该区划不在您的范围内。")
    chosen = catalogue_resolve(catalogue)
    benefits, skipped = benefits_for_year(chosen, year)
    if not benefits:
        raise CatalogueError(f"政策目录「{chosen.name}」中没有 {year} 年可计算的政策。")
    with transaction.atomic():
        run = EntitlementRun.objects.create(
            year=year,
            catalogue=chosen.name,
            catalogue_version=chosen.version,
            area_prefix=area,
            skipped=skipped,
            started_at=timezone.now(),
            by=account_of(user),
        )
        _superseded_rows_delete(run)
        plan = entitlement_plan(
            source_tables(),
            chosen,
            year,
            run_id=run.pk,
            area_prefix=area,
            to=dialect(),
            table=Entitlement._meta.db_table,
        )
        # The steps' pages in memory (temp_cache) and more of the entitlement table's index pages (cache_size).
        with temp_cache(256), sqlite_pragmas({"cache_size": -256 * 1024}):
            written = plan_execute(plan)
        run.entitlements = written[Entitlement._meta.db_table]
        run.finished_at = timezone.now()
        run.save(update_fields=["entitlements", "finished_at"])
    return run


def _superseded_rows_delete(run: EntitlementRun) -> None:
    """Delete the rows of the runs ``run`` supersedes (before it writes its own, in its transaction): the earlier
    runs of its year over an area inside its own, which no list reads again (the latest run covering a user's
    area is read). Their run records stay, with their counts; a county computing every night keeps one run's
    rows, not one per night. When those runs hold every row, SQLite empties the table by its truncate
    optimisation (a DELETE without WHERE) instead of deleting millions of rows one by one."""
    older = list(
        EntitlementRun.objects.filter(
            year=run.year, area_prefix__startswith=run.area_prefix, id__lt=run.pk
        ).values_list("id", flat=True)
    )
    if not older:
        return
    rows = Entitlement.objects.all()
    if connection.vendor == "sqlite" and not rows.exclude(run_id__in=older).exists():
        with connection.cursor() as cursor:
            cursor.execute('DELETE FROM "benefits_entitlement"')  # no WHERE: the truncate optimisation
        return
    rows.filter(run_id__in=older).delete()
