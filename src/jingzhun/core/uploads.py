"""One design for every file uploaded in the browser: refused the same way, queued, run by the task worker,
followed on a progress page, and always ended — done, or failed with a reason.

An app declares a kind of upload once (in its ``AppConfig.ready``) with :func:`upload_kind_register`: the file
types it takes and the function that imports a saved file. Then:

- :func:`upload_job_create` refuses what is not importable (type, size, no area) with :class:`UploadRefused`,
  saves the file under the data directory and queues :func:`upload_job_task`;
- :func:`upload_job_run` (the task body) runs the kind's importer and records the outcome. A file that cannot
  be used (:class:`~jingzhun.spreadsheets.reading.UnusableFile`) fails the job with its Chinese reason; *any
  other error* fails it too, with a general reason, and is logged — a job never stays "running";
- :func:`upload_jobs_abandon` (at the worker's start) fails the jobs a killed worker left running; every
  import is one transaction, so nothing of theirs was written.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task

from jingzhun.spreadsheets.reading import UnusableFile

from .models import UploadJob
from .scope import scope_prefix

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
INTERNAL_ERROR = "导入时出现内部错误，未写入任何数据；请联系系统管理员"
ABANDONED = "导入未能完成（后台任务进程已停止），未写入任何数据；请重新上传"


class UploadRefused(Exception):
    """The upload is not a file we import; the message is in Chinese."""


@dataclass(frozen=True)
class UploadOutcome:
    """What an importer reports: the batch it made (if any), counts to show, and its error report."""

    result_id: int | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    report_path: str = ""


Importer = Callable[[UploadJob, Progress], UploadOutcome]


@dataclass(frozen=True)
class UploadKind:
    name: str
    importer: Importer
    suffixes: tuple[str, ...] = (".xlsx", ".csv")


_KINDS: dict[str, UploadKind] = {}


def upload_kind_register(name: str, *, importer: Importer, suffixes: tuple[str, ...] = (".xlsx", ".csv")) -> None:
    """Declare a kind of upload (called once, from the importing app's ``AppConfig.ready``)."""
    _KINDS[name] = UploadKind(name=name, importer=importer, suffixes=suffixes)


def upload_job_create(*, kind: str, user: Any, upload: UploadedFile, params: dict[str, Any] | None = None) -> UploadJob:
    """Save an uploaded file under the data directory and queue its import in the user's area scope."""
    spec = _KINDS[kind]
    name = Path(upload.name or "").name
    if Path(name).suffix.lower() not in spec.suffixes:
        allowed = " 或 ".join(spec.suffixes)
        raise UploadRefused(f"只能导入 {allowed} 文件：{name or '（无文件名）'}")
    if upload.size is not None and upload.size > settings.JINGZHUN_MAX_UPLOAD_BYTES:
        limit = settings.JINGZHUN_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise UploadRefused(f"文件太大（{upload.size // (1024 * 1024)} MB），上限为 {limit} MB")
    prefix = scope_prefix(user)
    if not prefix:
        raise UploadRefused("您的账号没有管辖范围，不能导入")
    job = UploadJob(kind=kind, user=user, area_prefix=prefix, file_name=name, params=params or {})
    folder = Path(settings.DATA_DIR) / "uploads" / kind / job.id.hex
    folder.mkdir(parents=True)
    path = folder / name
    with path.open("wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)
    job.path = str(path)
    job.save(force_insert=True)
    # Queued once the job row is visible to the worker's connection.
    transaction.on_commit(lambda: upload_job_task.enqueue(str(job.pk)))
    return job


def _progress_path(job: UploadJob) -> Path:
    return Path(job.path).with_name("progress.json")


def upload_job_run(*, job_id: str) -> None:
    """The task body: run the kind's importer for a queued job and record how it ended, whatever happens."""
    try:
        job = UploadJob.objects.select_related("user").get(pk=job_id)
    except (UploadJob.DoesNotExist, ValueError):
        return
    if job.status != UploadJob.Status.QUEUED:
        return  # already run (a worker retried it)
    job.status, job.started_at = UploadJob.Status.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])
    target = _progress_path(job)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5 or done >= total:
            last[0] = now
            scratch = target.with_suffix(".tmp")
            scratch.write_text(json.dumps({"done": done, "total": total}), encoding="utf-8")
            os.replace(scratch, target)

    try:
        outcome = _KINDS[job.kind].importer(job, progress)
    except UnusableFile as exc:
        job.status, job.message = UploadJob.Status.FAILED, str(exc)
    except Exception:
        logger.exception("upload job %s (%s) failed", job.pk, job.kind)
        job.status, job.message = UploadJob.Status.FAILED, INTERNAL_ERROR
    else:
        job.status = UploadJob.Status.DONE
        job.result_id = outcome.result_id
        job.summary = outcome.summary
        job.report_path = outcome.report_path
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "result_id", "summary", "report_path", "finished_at"])


@task()
def upload_job_task(job_id: str) -> None:
    """The queued task (django-tasks: the database backend under ``jingzhun serve``, immediate in tests)."""
    upload_job_run(job_id=job_id)


def upload_job_progress(*, job: UploadJob) -> dict[str, int]:
    """How far the import is, in its importer's unit (rows or bytes), and its total; 0/0 before it starts."""
    try:
        data = json.loads(_progress_path(job).read_text(encoding="utf-8"))
        return {"done": int(data["done"]), "total": int(data["total"])}
    except (OSError, ValueError, KeyError, TypeError):
        return {"done": 0, "total": 0}


def upload_jobs_for_user(*, user: Any, kind: str) -> QuerySet[UploadJob]:
    """The user's own jobs of ``kind``, newest first (nobody sees another user's uploads)."""
    if getattr(user, "pk", None) is None:
        return UploadJob.objects.none()
    return UploadJob.objects.filter(user_id=user.pk, kind=kind)


def upload_job_for_user(*, user: Any, kind: str, job_id: UUID | str) -> UploadJob | None:
    """The job if ``user`` started it; another user's job is as good as absent."""
    return upload_jobs_for_user(user=user, kind=kind).filter(pk=job_id).first()


def upload_jobs_abandon() -> int:
    """Fail the jobs left "running" by a worker that stopped; returns how many. Call before a worker starts."""
    return UploadJob.objects.filter(status=UploadJob.Status.RUNNING).update(
        status=UploadJob.Status.FAILED, message=ABANDONED, finished_at=timezone.now()
    )
