"""Department lists as a kind of browser upload (:mod:`jingzhun.core.uploads`): the same import as the command
line. Department clerks import lists but never see people data: the job shows files, dates and counts only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import Progress, UploadOutcome

from .list_import import department_list_import

KIND = "department_list"


def department_list_upload_import(job: UploadJob, progress: Progress) -> UploadOutcome:
    """Import an uploaded department list as a new batch (``job.params``: department, as_of, source)."""
    outcome = department_list_import(
        department=job.params["department"],
        path=Path(job.path),
        as_of=dt.date.fromisoformat(job.params["as_of"]),
        source=job.params.get("source", ""),
        user=job.user,
        area_prefix=job.area_prefix,
        progress=progress,
    )
    return UploadOutcome(
        result_id=outcome.batch_id,
        report_path=str(outcome.report_path or ""),
        summary={
            "rows": outcome.rows,
            "imported": outcome.imported,
            "invalid_ids": outcome.invalid_ids,
            "rejected": outcome.rejected,
            "errors": outcome.errors,
            "notes": outcome.notes,
            "unknown_headers": "、".join(outcome.unknown_headers),
            "same_as_batch": outcome.same_as_batch,
        },
    )
