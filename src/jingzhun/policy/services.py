"""Writes of the policy app: assessment runs. One run is one transaction: all of it is stored, or none."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from jingzhun.areas.selectors import area_table
from jingzhun.core.scope import account_of
from jingzhun.core.sets import plan_execute
from jingzhun.registry.selectors import registry_tables

from .engine import Tables, assessment_plan
from .models import AreaResult, AssessmentRun, HouseholdResult
from .packs import DEFAULT_PACK, pack_get


def source_tables() -> Tables:
    """The app database's registry and area tables, as the engine reads them."""
    return Tables(**registry_tables(), areas=area_table())


def assessment_run(
    *,
    year: int,
    pack: str = DEFAULT_PACK,
    area_prefix: str = "",
    user: Any = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> AssessmentRun:
    """Assess every household in scope for ``year`` under ``pack`` and store the run (docs/RULES.md §1–§7).

    Raises :class:`~jingzhun.policy.packs.PackError` (Chinese message) when the pack is broken or does not
    cover the year — before anything is written. The whole run is a few ``INSERT … SELECT`` statements;
    ``on_progress(done, total)`` is told how many of them have run.
    """
    rules = pack_get(pack).rules_for(year)
    started = time.perf_counter()
    with transaction.atomic():
        run = AssessmentRun.objects.create(
            year=year,
            pack=rules.pack,
            pack_version=rules.pack_version,
            parameters=rules.snapshot(),
            area_prefix=area_prefix,
            started_at=timezone.now(),
            user=account_of(user),
        )
        plan = assessment_plan(
            source_tables(),
            rules,
            run_id=run.pk,
            area_prefix=area_prefix,
            household_table=HouseholdResult._meta.db_table,
            area_table=AreaResult._meta.db_table,
        )
        written = plan_execute(plan, on_progress=on_progress)[HouseholdResult._meta.db_table]
        run.excluded = HouseholdResult.objects.filter(run=run).exclude(exclusion="").count()
        run.households = written - run.excluded
        run.finished_at = timezone.now()
        run.seconds = time.perf_counter() - started
        run.save(update_fields=["excluded", "households", "finished_at", "seconds"])
    return run
