"""One design for every job the browser hands to the task worker — a file uploaded and imported, a job without a
file (an assessment run), or an export that writes a file to download: refused the same way, queued, run by the
task worker, followed on a progress page, and always ended — done, or failed with a reason.

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

An export (a ledger the browser asks for) is a job without a file too, declared with :func:`export_kind_register`:
its writer streams the workbook into the job's folder, reporting rows written against the total, and names the
file as it is downloaded. :func:`export_job_create` queues one for the user's own area scope. The file is kept
for its user only until the same user's next export of that kind is written, and at most
``settings.EXPORT_KEEP_DAYS`` days (:func:`export_files_purge`); the access log records each download, not the
writing (the accounts app's ``ExportPages``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task

from jingzhun.spreadsheets.reading import UnusableFile
from jingzhun.spreadsheets.writing import SheetFull

from .models import UploadJob
from .scope import scope_prefix

logger = logging.getLogger(__name__)

T = TypeVar("T")
Progress = Callable[[int, int], None]
INTERNAL_ERROR = "导入时出现内部错误，未写入任何数据；请联系系统管理员"
ABANDONED = "导入未能完成（后台任务进程已停止），未写入任何数据；请重新上传"
EXPORT_INTERNAL_ERROR = "导出时出现内部错误，没有生成文件；请联系系统管理员"
EXPORT_ABANDONED = "导出未能完成（后台任务进程已停止），没有生成文件；请重新导出"
EXPORT_SCOPE_CHANGED = "开始导出后您的管辖范围有变动，没有生成文件；请重新导出"
EXPORT_REPLACED = "这个文件已被您之后的同类导出替换并删除；请下载新的文件，或重新导出"
EXPORT_EXPIRED = "导出的文件保存 {days} 天后已删除；请重新导出"


class UploadRefused(Exception):
    """The upload is not a file we import; the message is in Chinese."""


class JobBusy(Exception):
    """A job of a one-at-a-time kind is already queued or running; the message is in Chinese."""


class ExportFailed(Exception):
    """The export cannot be written; the message is the reason, in Chinese."""


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
    export: bool = False  # an export: its file (``report_path``) is for its user to download, then purged


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


@dataclass(frozen=True)
class ExportFile:
    """What an export's writer made: the file (in the job's folder, named as it is downloaded), the data rows
    written, and what the access log says each time it is downloaded (the target and detail that the export
    logged when it was written in the request)."""

    path: Path
    rows: int
    log_target: str
    log_detail: dict[str, Any]


ExportWriter = Callable[[UploadJob, Path, Progress], ExportFile]


def export_kind_register(
    name: str,
    *,
    writer: ExportWriter,
    failures: tuple[type[Exception], ...] = (),
    internal_error: str = EXPORT_INTERNAL_ERROR,
    abandoned: str = EXPORT_ABANDONED,
) -> None:
    """Declare a kind of export (called once, from the app's ``AppConfig.ready``).

    ``writer(job, folder, progress)`` writes the file of ``job`` (its user, area scope and ``params``) into
    ``folder``, streamed, calling ``progress(rows written, total)`` as it goes (:func:`rows_counted`), and
    returns an :class:`ExportFile`. :class:`ExportFailed`, a table too long for a worksheet
    (:class:`~jingzhun.spreadsheets.writing.SheetFull`) and the errors in ``failures`` end the job with their
    message; any other error with ``internal_error``. The job is run as its user at the time of writing: if that
    user's area scope is no longer the one the job was started for, nothing is written.
    """

    def run(job: UploadJob, progress: Progress) -> UploadOutcome:
        folder = _folder(job)
        try:
            if scope_prefix(job.user) != job.area_prefix:
                raise ExportFailed(EXPORT_SCOPE_CHANGED)
            folder.mkdir(parents=True, exist_ok=True)
            written = writer(job, folder, progress)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)  # a failed export leaves nothing behind
            raise
        _exports_replaced(job)
        log = {"target": written.log_target, "detail": written.log_detail}
        return UploadOutcome(summary={"rows": written.rows, "log": log}, report_path=str(written.path))

    _KINDS[name] = UploadKind(
        name=name,
        importer=run,
        suffixes=(),
        failures=(ExportFailed, SheetFull, *failures),
        internal_error=internal_error,
        abandoned=abandoned,
        export=True,
    )


def export_job_create(*, kind: str, user: Any, params: dict[str, Any]) -> UploadJob:
    """Queue an export of ``kind`` in ``user``'s own area scope (the caller has checked the user may export
    it, and read ``params`` from the page's filters). A click repeated while the same export is still queued or
    running gets that job back rather than a second one. A user without an area is refused (an empty prefix
    would mean every area)."""
    if not _KINDS[kind].export:
        raise ValueError(f"jobs of kind {kind!r} are not exports")
    prefix = scope_prefix(user)
    if not prefix:
        raise PermissionDenied("您的账号没有管辖范围，不能导出")
    export_files_purge()
    for active in UploadJob.objects.filter(user_id=user.pk, kind=kind, status__in=ACTIVE, area_prefix=prefix):
        if active.params == params:
            return active
    return background_job_create(kind=kind, user=user, area_prefix=prefix, params=params)


def export_file(job: UploadJob) -> Path | None:
    """The file an export job wrote, while it is kept; None before it is written or once purged."""
    if job.status != UploadJob.Status.DONE or not job.report_path:
        return None
    path = Path(job.report_path)
    return path if path.is_file() else None


def export_kinds() -> list[str]:
    """The kinds of job that are exports."""
    return [spec.name for spec in _KINDS.values() if spec.export]


def _export_forget(jobs: QuerySet[UploadJob], message: str) -> int:
    """Delete the folders of finished export jobs and say why on each job; how many."""
    count = 0
    for job in jobs.exclude(report_path=""):
        shutil.rmtree(_folder(job), ignore_errors=True)
        job.report_path, job.message = "", message
        job.save(update_fields=["report_path", "message"])
        count += 1
    return count


def _exports_replaced(job: UploadJob) -> int:
    """Delete the files of the user's earlier exports of the same kind: one file per user and kind is kept."""
    earlier = UploadJob.objects.filter(
        user_id=job.user_id, kind=job.kind, status=UploadJob.Status.DONE, created_at__lt=job.created_at
    )
    return _export_forget(earlier, EXPORT_REPLACED)


def export_files_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the export files finished more than ``settings.EXPORT_KEEP_DAYS`` days ago; how many. Called when
    an export is queued and when the task worker starts."""
    days = settings.EXPORT_KEEP_DAYS
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    old = UploadJob.objects.filter(kind__in=export_kinds(), status=UploadJob.Status.DONE, finished_at__lt=cutoff)
    return _export_forget(old, EXPORT_EXPIRED.format(days=days))


def rows_counted(rows: Iterable[T], *, total: int, progress: Progress | None, every: int = 1000) -> Iterator[T]:
    """``rows`` as they are, reporting ``progress(rows so far, total)`` at the start, every ``every`` rows and at
    the end (an export's progress: the rows written of the rows to write)."""
    if progress is None:
        yield from rows
        return
    done = 0
    progress(0, total)
    for row in rows:
        yield row
        done += 1
        if done % every == 0:
            progress(done, max(total, done))
    progress(done, max(total, done))


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
    Call before a worker starts. An export's half-written file goes with them."""
    running = UploadJob.objects.filter(status=UploadJob.Status.RUNNING)
    now, failed = timezone.now(), 0
    for job in running.filter(kind__in=export_kinds()):
        shutil.rmtree(_folder(job), ignore_errors=True)
    for spec in _KINDS.values():
        failed += running.filter(kind=spec.name).update(
            status=UploadJob.Status.FAILED, message=spec.abandoned, finished_at=now
        )
    # A kind no longer registered: the general reason.
    return failed + running.update(status=UploadJob.Status.FAILED, message=ABANDONED, finished_at=now)
