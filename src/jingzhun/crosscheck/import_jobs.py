"""Department lists from the browser: the upload is saved, a task runs the same import as the command line,
and the page follows its progress (as the ledger import does, :mod:`jingzhun.registry.import_jobs`).

A job has no table of its own: its record is a small JSON file (``job.json``) in the upload's own folder under
the data directory, beside the file and its progress, each replaced atomically, so any process can read it.
The batch it makes is the durable record; the job folder only says how the upload went.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from jingzhun.core.scope import scope_prefix
from jingzhun.spreadsheets.reading import UnusableFile

from .list_import import department_list_import
from .models import Department

ALLOWED_SUFFIXES = (".xlsx", ".csv")
_JOB_ID = frozenset("0123456789abcdef")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class UploadRefused(Exception):
    """The upload is not a file we import; the message is in Chinese."""


def _jobs_dir() -> Path:
    return Path(settings.DATA_DIR) / "uploads" / "crosscheck"


def _write_json(target: Path, data: dict[str, Any]) -> None:
    scratch = target.with_name(target.name + ".tmp")
    scratch.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(scratch, target)


@dataclass
class ListImportJob:
    id: str  # 32 hex digits, the folder's name
    user_id: int
    area_prefix: str
    department: str
    as_of: str
    source: str
    file_name: str
    created_at: str
    status: str = JobStatus.QUEUED
    finished_at: str = ""
    batch_id: int | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    message: str = ""  # why the file could not be used, in Chinese
    report_path: str = ""

    @property
    def uuid(self) -> uuid.UUID:
        """The job's id as its URLs spell it."""
        return uuid.UUID(self.id)

    @property
    def folder(self) -> Path:
        return _jobs_dir() / self.id

    @property
    def path(self) -> Path:
        return self.folder / self.file_name

    @property
    def department_label(self) -> str:
        return str(Department(self.department).label)

    @property
    def created(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.created_at)

    def get_status_display(self) -> str:
        return str(JobStatus(self.status).label)

    def save(self) -> None:
        _write_json(self.folder / "job.json", asdict(self))


def _load(job_id: str) -> ListImportJob | None:
    if len(job_id) != 32 or not _JOB_ID.issuperset(job_id):
        return None
    try:
        data = json.loads((_jobs_dir() / job_id / "job.json").read_text(encoding="utf-8"))
        return ListImportJob(**data)
    except (OSError, ValueError, TypeError):
        return None


def list_import_job_for_user(*, job_id: str, user: Any) -> ListImportJob | None:
    """The job, if ``user`` started it (another user's job is as good as absent)."""
    job = _load(job_id)
    if job is None or job.user_id != getattr(user, "pk", None):
        return None
    return job


def list_import_job_create(
    *, user: Any, upload: UploadedFile, department: str, as_of: dt.date, source: str = ""
) -> ListImportJob:
    """Save an uploaded department list under the data directory and queue its import."""
    name = Path(upload.name or "").name
    if Path(name).suffix.lower() not in ALLOWED_SUFFIXES:
        raise UploadRefused(f"只能导入 .xlsx 或 .csv 文件：{name or '（无文件名）'}")
    if upload.size is not None and upload.size > settings.JINGZHUN_MAX_UPLOAD_BYTES:
        limit = settings.JINGZHUN_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise UploadRefused(f"文件太大（{upload.size // (1024 * 1024)} MB），上限为 {limit} MB")
    prefix = scope_prefix(user)
    if not prefix:
        raise UploadRefused("您的账号没有管辖范围，不能导入")
    job = ListImportJob(
        id=uuid.uuid4().hex,
        user_id=user.pk,
        area_prefix=prefix,
        department=department,
        as_of=as_of.isoformat(),
        source=source,
        file_name=name,
        created_at=timezone.now().isoformat(),
    )
    job.folder.mkdir(parents=True)
    with job.path.open("wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)
    job.save()
    # Queued after the request's transaction, like the ledger import (the worker must see what it needs).
    transaction.on_commit(lambda: department_list_import_task.enqueue(job.id))
    return job


def list_import_job_run(*, job_id: str) -> None:
    """The task body: import a queued job's list and record how it ended."""
    from jingzhun.accounts.models import User

    job = _load(job_id)
    if job is None or job.status != JobStatus.QUEUED:
        return  # gone, or already run (a worker retried it): importing twice would make a second batch
    job.status = JobStatus.RUNNING
    job.save()
    last = [0.0]
    progress_file = job.folder / "progress.json"

    def progress(done: int, total: int) -> None:
        now = timezone.now().timestamp()
        if now - last[0] >= 0.5 or done >= total:
            last[0] = now
            _write_json(progress_file, {"done": done, "total": total})

    try:
        outcome = department_list_import(
            department=job.department,
            path=job.path,
            as_of=dt.date.fromisoformat(job.as_of),
            source=job.source,
            user=User.objects.filter(pk=job.user_id).first(),
            area_prefix=job.area_prefix,
            progress=progress,
        )
    except UnusableFile as exc:
        job.status, job.message = JobStatus.FAILED, str(exc)
    except Exception:
        job.status, job.message = JobStatus.FAILED, "导入时出现内部错误，未写入任何数据；请联系系统管理员"
        job.finished_at = timezone.now().isoformat()
        job.save()
        raise
    else:
        job.status = JobStatus.DONE
        job.batch_id = outcome.batch_id
        job.report_path = str(outcome.report_path or "")
        job.summary = {
            "rows": outcome.rows,
            "imported": outcome.imported,
            "invalid_ids": outcome.invalid_ids,
            "rejected": outcome.rejected,
            "errors": outcome.errors,
            "notes": outcome.notes,
            "unknown_headers": "、".join(outcome.unknown_headers),
            "same_as_batch": outcome.same_as_batch,
        }
    job.finished_at = timezone.now().isoformat()
    job.save()


def list_import_job_progress(*, job: ListImportJob) -> dict[str, int]:
    """How far the import is, in the unit of its total (rows of .xlsx, bytes of .csv); 0/0 before it starts."""
    try:
        data = json.loads((job.folder / "progress.json").read_text(encoding="utf-8"))
        return {"done": int(data["done"]), "total": int(data["total"])}
    except (OSError, ValueError, KeyError):
        return {"done": 0, "total": 0}


@task()
def department_list_import_task(job_id: str) -> None:
    list_import_job_run(job_id=job_id)
