"""Writes of the policy app: assessment runs (one run is one transaction: all of it is stored, or none), and the
exits (摘帽) of poor villages and counties."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.areas.models import Area, Level
from jingzhun.areas.selectors import area_table
from jingzhun.core.files import upload_sha256
from jingzhun.core.filetypes import DOCUMENTS, RefusedFile, file_kind
from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import account_of, in_scope
from jingzhun.core.sets import plan_execute
from jingzhun.registry.selectors import registry_held, registry_marks, registry_tables

from .engine import Tables, assessment_plan
from .models import OUTCOMES, AreaExit, AreaExitDocument, AreaResult, AssessmentRun, HouseholdResult, Tier, VillageTally
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
        registry_held()  # the marks below must name every change the results do not show
        run = AssessmentRun.objects.create(
            year=year,
            pack=rules.pack,
            pack_version=rules.pack_version,
            parameters=rules.snapshot(),
            area_prefix=area_prefix,
            started_at=timezone.now(),
            user=account_of(user),
            registry_marks=registry_marks(),
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
        run_tallies_store(run=run)
        run.finished_at = timezone.now()
        run.seconds = time.perf_counter() - started
        run.save(update_fields=["excluded", "households", "finished_at", "seconds"])
    return run


def tally_counts() -> dict[str, Any]:
    """The aggregates of one :class:`VillageTally` row over a run's results (grouped by village and status)."""
    assessed = Q(exclusion="")
    return {
        "households": Count("id"),
        "people": Coalesce(Sum("size"), 0),
        "assessed": Count("id", filter=assessed),
        **{name: Count("id", filter=assessed & Q(**{name: True})) for name in OUTCOMES},
        **{str(tier.value): Count("id", filter=assessed & Q(tier=tier.value)) for tier in Tier},
    }


def run_tallies_store(*, run: AssessmentRun) -> int:
    """Count the run's results once per village and poverty status (:class:`VillageTally`), in the run's
    transaction: one grouped read of the results, a few thousand rows written. Returns the rows written."""
    rows = (
        HouseholdResult.objects.filter(run=run)
        .order_by()
        .values("village_code", "poverty_status")
        .annotate(**tally_counts())
    )
    tallies = [VillageTally(run=run, **row) for row in rows]
    VillageTally.objects.bulk_create(tallies, batch_size=1000)
    return len(tallies)


# --- exits (摘帽) of poor villages and counties ------------------------------------------------------------------

EXIT_DOCUMENT_TYPES = DOCUMENTS  # told from the bytes (core.filetypes): PDF, photos, .docx, .xlsx
EXIT_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
EXIT_DOCUMENTS_MAX = 10
EARLIEST_EXIT_YEAR = 2014  # the first year of exits under targeted poverty alleviation


class ExitRefused(Exception):
    """The exit cannot be recorded; ``str(exc)`` says why, in Chinese."""


@dataclass(frozen=True)
class ExitInput:
    year: int
    document_no: str
    decided_on: dt.date
    note: str = ""
    override_reason: str = ""
    documents: Sequence[Any] = field(default_factory=tuple)  # uploaded files


def area_exit_unit(area: Area) -> str | None:
    """The kind of exit ``area`` may have: a registered poor village's, a county's; ``None`` for any other."""
    if area.level == Level.VILLAGE and area.poor_village:
        return AreaExit.Kind.VILLAGE
    if area.level == Level.COUNTY:
        return AreaExit.Kind.COUNTY
    return None


def _latest_area_result(area: Area) -> AreaResult | None:
    return (
        AreaResult.objects.filter(area_code=area.code, run__finished_at__isnull=False)
        .select_related("run")
        .order_by("-run_id")
        .first()
    )


def area_exit_record(*, user: Any, area_code: str, entry: ExitInput) -> AreaExit:
    """Record the exit (摘帽) of a poor village or a county in the user's scope, with its decision's documents.

    Only a county user (:attr:`Capability.RECORD_AREA_EXIT`) records it. ``LookupError`` for an area the user does
    not see; :class:`ExitRefused` (Chinese) for an area that is neither a poor village nor a county, a second
    exit of the same area, a bad year, date, document number or file, and — unless ``override_reason`` says why
    — when the area's latest assessment says the exit test of docs/RULES.md §5 is not met (or it was never
    assessed). Everything or nothing is written."""
    if not user_can(user, Capability.RECORD_AREA_EXIT):
        raise PermissionError("record_area_exit")
    area = Area.objects.filter(code=area_code).first()
    if area is None or not in_scope(user, area.code):
        raise LookupError(f"没有区划代码为 {area_code} 的区划")
    kind = area_exit_unit(area)
    if kind is None:
        raise ExitRefused(f"「{area.name}」不是贫困村，也不是县，没有摘帽可记录。")
    document_no = entry.document_no.strip()
    note, override = entry.note.strip(), entry.override_reason.strip()
    today = timezone.localdate()
    if not document_no:
        raise ExitRefused("须填写摘帽的决定文号。")
    if len(document_no) > 100:
        raise ExitRefused("决定文号不能超过 100 个字。")
    if not EARLIEST_EXIT_YEAR <= entry.year <= today.year:
        raise ExitRefused(f"摘帽年度应在 {EARLIEST_EXIT_YEAR} 到 {today.year} 之间，而不是 {entry.year}。")
    problem = record_date_problem(entry.decided_on, what="决定日期", today=today)
    if problem:
        raise ExitRefused(problem + "。")
    if len(entry.documents) > EXIT_DOCUMENTS_MAX:
        raise ExitRefused(f"一次最多上传 {EXIT_DOCUMENTS_MAX} 个文件。")
    kinds = []
    for upload in entry.documents:
        if (upload.size or 0) > EXIT_DOCUMENT_MAX_BYTES:
            raise ExitRefused(f"文件「{upload.name}」超过 10 MB。")
        try:
            kinds.append(file_kind(upload, allowed=EXIT_DOCUMENT_TYPES))
        except RefusedFile as refused:
            raise ExitRefused(f"文件「{upload.name}」{refused}。") from None
    result = _latest_area_result(area)
    met = result.exit_eligible if result is not None else None
    if not met and not override:
        said = (
            f"最近一次评估（批次 #{result.run_id}，{result.run.year} 年）：{result.reasons or '未达到退出条件'}"
            if result is not None
            else "尚未评估过该区划"
        )
        raise ExitRefused(f"「{area.name}」不满足退出条件（{said}）；如确需记录摘帽，请填写覆盖理由。")
    with transaction.atomic():
        locked = Area.objects.select_for_update().get(pk=area.pk)  # two clerks at once: the second is refused
        if AreaExit.objects.filter(area=locked).exists():
            raise ExitRefused(f"「{area.name}」已记录摘帽，不能重复记录；记录一经保存不能修改。")
        record = AreaExit.objects.create(
            area=area,
            kind=kind,
            year=entry.year,
            document_no=document_no,
            decided_on=entry.decided_on,
            note=note,
            run=result.run if result is not None else None,
            test_met=met,
            test_reasons=result.reasons if result is not None else "",
            override_reason=override if not met else "",
            by=account_of(user),
        )
        for number, (upload, file_type) in enumerate(zip(entry.documents, kinds, strict=True), start=1):
            document = AreaExitDocument(exit=record, original_name=(upload.name or "附件")[:255], size=upload.size or 0)
            document.sha256 = upload_sha256(upload)
            document.file.save(f"{area.code}-{record.pk}-{number}{file_type.suffix}", upload, save=False)
            document.save()
    return record
