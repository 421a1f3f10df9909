"""An assessment run started in the browser: a job without a file of :mod:`jingzhun.core.uploads`, run by the
task worker, one at a time, with the same set-based, all-or-nothing run as ``jingzhun assess``.

Only a user who may run assessments and whose scope is a whole county (or more) may start one; the run covers
that scope. Starting it is recorded in the access log (action 「评估」).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.accounts.services import access_log_record
from jingzhun.areas.models import PREFIX_LENGTH, Level
from jingzhun.core.models import UploadJob
from jingzhun.core.scope import scope_prefix
from jingzhun.core.uploads import Progress, UploadOutcome, background_job_create

from .packs import PackError, pack_get, packs_load
from .services import assessment_run

KIND = "assessment"
INTERNAL_ERROR = "评估时出现内部错误，未保存任何结果；请联系系统管理员"
ABANDONED = "评估未能完成（后台任务进程已停止），未保存任何结果；请重新开始评估"
BUSY = "已有一次评估正在排队或进行，请等它结束后再开始新的评估"


class StartRefused(Exception):
    """The year or rule pack asked for cannot be assessed; the message is in Chinese."""


@dataclass(frozen=True)
class PackChoice:
    name: str
    title: str
    version: str
    years: tuple[int, ...]


def assessment_scope(user: Any) -> str | None:
    """The area prefix ``user`` may start an assessment run for: its scope, when it may run assessments and
    that scope is a whole county (or more); ``None`` otherwise (a town or village user, another role)."""
    prefix = scope_prefix(user)
    if not user_can(user, Capability.RUN_ASSESSMENT) or prefix is None:
        return None
    return prefix if len(prefix) <= PREFIX_LENGTH[Level.COUNTY] else None


def pack_choices() -> list[PackChoice]:
    """The rule packs a run may use, as ``jingzhun packs`` lists them (none when a pack file is broken)."""
    try:
        packs = packs_load()
    except PackError:
        return []
    return [PackChoice(p.name, p.title, p.version, tuple(p.years)) for p in packs.values()]


def assessment_job_start(*, user: Any, year: int, pack: str) -> UploadJob:
    """Queue an assessment run of ``year`` under ``pack`` for ``user``'s county and log it.

    Raises ``PermissionError`` for a user who may not (see :func:`assessment_scope`), :class:`StartRefused`
    when the pack does not exist or does not cover the year (nothing queued), and
    :class:`~jingzhun.core.uploads.JobBusy` while another run is queued or running.
    """
    prefix = assessment_scope(user)
    if prefix is None:
        raise PermissionError("只有管辖全县的县级用户可以开始评估")
    try:
        pack_get(pack).rules_for(year)
    except PackError as exc:
        raise StartRefused(str(exc)) from None
    with transaction.atomic():
        job = background_job_create(kind=KIND, user=user, area_prefix=prefix, params={"year": year, "pack": pack})
        access_log_record(
            user=user,
            action=AccessLog.Action.ASSESS,
            target=f"评估 {year} 年（规则包 {pack}）",
            detail={"job": str(job.pk), "year": year, "pack": pack, "area_prefix": prefix},
        )
    return job


def assessment_job_body(job: UploadJob, progress: Progress) -> UploadOutcome:
    """The task body: the run itself, in the job's scope, recorded as the starting user's."""
    run = assessment_run(
        year=int(job.params["year"]),
        pack=str(job.params["pack"]),
        area_prefix=job.area_prefix,
        user=job.user,
        on_progress=progress,
    )
    return UploadOutcome(
        result_id=run.pk,
        summary={"households": run.households, "excluded": run.excluded, "seconds": round(run.seconds, 1)},
    )
