"""The comparison clues exported in the browser: an export of :mod:`jingzhun.core.uploads`, written by the task
worker for the clues the user who asked sees, filtered as the clue list was."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone

from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import ExportFile, Progress

from .clue_export import clues_export

CLUES = "clue_list"


def clue_list_write(job: UploadJob, folder: Path, progress: Progress) -> ExportFile:
    path = folder / f"数据比对线索-{job.area_prefix}-{timezone.localdate():%Y%m%d}.xlsx"
    filters = job.params
    written = clues_export(
        path=path,
        user=job.user,
        area_prefix=job.area_prefix,
        rule=filters["rule"],
        department=filters["department"],
        state=filters["state"],
        village=filters["village"],
        progress=progress,
        log=False,
    )
    return ExportFile(path=path, rows=written.rows, log_target=written.log_target, log_detail=written.log_detail)
