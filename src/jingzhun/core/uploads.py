"""One design for every job the browser hands to the task worker — a file uploaded and imported, or a job
without a file (an assessment run): refused the same way, queued, run by the task worker, followed on a progress
page, and always ended — done, or failed with a reason.

An app declares a kind of job once (in its ``AppConfig.ready``) with :func:`upload_kind_register`: the file
types it takes (none for a job without a file), the function that runs a job, the errors whose Chinese message
is the reason it failed, and whether only one job of the kind may be queued or running at a time. Then:

- :func:`upload_job_create` refuses what is not importable (type, size, no area) with :class:`UploadRefused`,
  saves the file under the data directory and queues :func:`upload_job_task`; :func:`background_job_create`
  queues a job without a file, and refuses a second one of a one-at-a-time kind with :class:`JobBusy`;
- :func:`upload_job_run` (the task body) runs the kind's function and records the outcome. A file that cannot
  be used (:class:`~jingzhun.spreadsheets.reading.UnusableFile`), or another error the kind names, fails the
  job with its Chinese reason; *any other error* fails it too, with the kind's general reason, and is logged —
  a job never stays "running";
- :func:`upload_jobs_abandon` (at the worker's start) fails the jobs a killed worker left running; every
  job is one transaction, so nothing of theirs was written.
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
from django.db import IntegrityError, transaction
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


class JobBusy(Exception):
    """A job of a one-at-a-time kind is already queued or running; the message is in Chinese."""


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
    suffixes: tuple[str, ...] = (".xlsx", ".csv")  # empty: a job without a file
    failures: tuple[type[Exception], ...] = (UnusableFile,)  # errors whose message is the reason, in Chinese
    internal_error: str = INTERNAL_ERROR
    abandoned: str = ABANDONED
    busy: str = ""  # set: one job of this kind at a time, and what to say when another is asked for


_KINDS: dict[str, UploadKind] = {}
ACTIVE = (UploadJob.Status.QUEUED, UploadJob.Status.RUNNING)


def upload_kind_register(
    name: str,
    *,
    importer: Importer,
    suffixes: tuple[str, ...] = (".xlsx", ".csv"),
    failures: tuple[type[Exception], ...] = (UnusableFile,),
    internal_error: str = INTERNAL_ERROR,
    abandoned: str = ABANDONED,
    busy: str = "",
) -> None:
    """Declare a kind of job (called once, from the app's ``AppConfig.ready``). A kind without ``suffixes``
    takes no file (:func:`background_job_create`); one with ``busy`` runs one job at a time."""
    _KINDS[name] = UploadKind(
        name=name,
        importer=importer,
        suffixes=suffixes,
        failures=failures,
        internal_error=internal_error,
        abandoned=abandoned,
        busy=busy,
    )


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


def background_job_create(*, kind: str, user: Any, area_prefix: str, params: dict[str, Any]) -> UploadJob:
    """Queue a job without a file for ``user`` in ``area_prefix`` (the caller has checked both).

    A kind that runs one job at a time raises :class:`JobBusy` while another of its jobs is queued or
    running; the database's constraint decides between two requests at the same moment.
    """
    spec = _KINDS[kind]
    if spec.suffixes:
        raise ValueError(f"jobs of kind {kind!r} import a file: use upload_job_create")
    exclusive = bool(spec.busy)
    if exclusive and UploadJob.objects.filter(kind=kind, exclusive=True, status__in=ACTIVE).exists():
        raise JobBusy(spec.busy)
    job = UploadJob(kind=kind, user=user, area_prefix=area_prefix, params=params, exclusive=exclusive)
    try:
        with transaction.atomic():
            job.save(force_insert=True)
    except IntegrityError:
        raise JobBusy(spec.busy) from None
    _folder(job).mkdir(parents=True, exist_ok=True)
    transaction.on_commit(lambda: upload_job_task.enqueue(str(job.pk)))
    return job


def upload_job_active(*, kind: str) -> UploadJob | None:
    """The queued or running job of a one-at-a-time kind, if any (whoever started it)."""
    return UploadJob.objects.filter(kind=kind, status__in=ACTIVE).select_related("user").first()


def _folder(job: UploadJob) -> Path:
    """Where the job keeps its files: the uploaded file's folder, or one of its own for a job without a file."""
    if job.path:
        return Path(job.path).parent
    return Path(settings.DATA_DIR) / "jobs" / job.kind / job.id.hex


def _progress_path(job: UploadJob) -> Path:
    return _folder(job) / "progress.json"


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
    target.parent.mkdir(parents=True, exist_ok=True)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5 or done >= total:
            last[0] = now
            scratch = target.with_suffix(".tmp")
            scratch.write_text(json.dumps({"done": done, "total": total}), encoding="utf-8")
            os.replace(scratch, target)

    spec = _KINDS.get(job.kind)
    try:
        if spec is None:
            raise LookupError(f"no kind of job {job.kind!r} is registered")
        outcome = spec.importer(job, progress)
    except Exception as exc:
        if spec is not None and isinstance(exc, spec.failures):
            job.status, job.message = UploadJob.Status.FAILED, str(exc)
        else:
            logger.exception("upload job %s (%s) failed", job.pk, job.kind)
            job.status = UploadJob.Status.FAILED
            job.message = spec.internal_error if spec is not None else INTERNAL_ERROR
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


def upload_job_or_404(*, user: Any, kind: str, job_id: UUID | str) -> UploadJob:
    """The job of a page's URL: only the user who started it sees it; another user's job is "not found", not
    "forbidden" (its existence is not disclosed)."""
    from django.http import Http404

    job = upload_job_for_user(user=user, kind=kind, job_id=job_id)
    if job is None:
        raise Http404
    return job


def upload_jobs_abandon() -> int:
    """Fail the jobs left "running" by a worker that stopped, each with its kind's reason; returns how many.
    Call before a worker starts."""
    running = UploadJob.objects.filter(status=UploadJob.Status.RUNNING)
    now, failed = timezone.now(), 0
    for spec in _KINDS.values():
        failed += running.filter(kind=spec.name).update(
            status=UploadJob.Status.FAILED, message=spec.abandoned, finished_at=now
        )
    # A kind no longer registered: the general reason.
    return failed + running.update(status=UploadJob.Status.FAILED, message=ABANDONED, finished_at=now)
