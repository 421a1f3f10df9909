"""Ledger imports from the browser: the upload is saved, a task runs the same import as the command line,
and the page follows its progress.

The import runs in one transaction, so its progress cannot be read from the database while it runs; the task
writes it to a small JSON file beside the upload instead (atomically replaced), which any process can read.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from jingzhun.core.scope import scope_prefix
from jingzhun.spreadsheets.reading import UnusableFile

from .ledger_import import ledger_import
from .models import ImportJob

ALLOWED_SUFFIXES = (".xlsx", ".csv")


class UploadRefused(Exception):
    """The upload is not a file we import; the message is in Chinese."""


def _progress_path(job: ImportJob) -> Path:
    return Path(job.path).with_name("progress.json")


def _write_progress(job: ImportJob, done: int, total: int) -> None:
    target = _progress_path(job)
    scratch = target.with_suffix(".tmp")
    scratch.write_text(json.dumps({"done": done, "total": total}), encoding="utf-8")
    os.replace(scratch, target)


def import_job_create(*, user: Any, upload: UploadedFile) -> ImportJob:
    """Save an uploaded ledger under the data directory and queue its import in the user's area scope."""
    from .tasks import ledger_import_job  # tasks import this module

    name = Path(upload.name or "").name
    if Path(name).suffix.lower() not in ALLOWED_SUFFIXES:
        raise UploadRefused(f"只能导入 .xlsx 或 .csv 文件：{name or '（无文件名）'}")
    if upload.size is not None and upload.size > settings.JINGZHUN_MAX_UPLOAD_BYTES:
        limit = settings.JINGZHUN_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise UploadRefused(f"文件太大（{upload.size // (1024 * 1024)} MB），上限为 {limit} MB")
    prefix = scope_prefix(user)
    if not prefix:
        raise UploadRefused("您的账号没有管辖范围，不能导入")
    folder = Path(settings.DATA_DIR) / "uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    path = folder / name
    with path.open("wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)
    job = ImportJob.objects.create(user=user, area_prefix=prefix, file_name=name, path=str(path))
    # Queue it once the job row is visible to the worker's connection.
    transaction.on_commit(lambda: ledger_import_job.enqueue(job.pk))
    return job


def import_job_run(*, job_id: int) -> None:
    """The task body: run the ledger import for a queued job and record how it ended."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if job.status != ImportJob.Status.QUEUED:
        return  # already run (a worker retried it): importing twice would change nothing anyway
    job.status = ImportJob.Status.RUNNING
    job.save(update_fields=["status"])
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5 or done >= total:
            last[0] = now
            _write_progress(job, done, total)

    try:
        outcome = ledger_import(path=Path(job.path), user=job.user, on_progress=progress, area_prefix=job.area_prefix)
    except UnusableFile as exc:
        job.status, job.message = ImportJob.Status.FAILED, str(exc)
    else:
        job.status = ImportJob.Status.DONE
        job.batch_id = outcome.batch_id
        job.report_path = str(outcome.report_path or "")
        job.summary = {
            "rows": outcome.rows,
            "households": outcome.households,
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
            "rejected": outcome.rejected,
            "errors": outcome.errors,
            "warnings": outcome.warnings,
            "members_missing": outcome.members_missing,
        }
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "batch", "report_path", "summary", "finished_at"])


def import_job_progress(*, job: ImportJob) -> dict[str, int]:
    """Bytes read so far and the file's size (both 0 before the worker starts)."""
    try:
        data = json.loads(_progress_path(job).read_text(encoding="utf-8"))
        return {"done": int(data["done"]), "total": int(data["total"])}
    except (OSError, ValueError, KeyError):
        return {"done": 0, "total": 0}
