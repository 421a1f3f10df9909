"""The rectification ledger exported in the browser: an export of :mod:`jingzhun.core.uploads`, written by the
task worker for the findings the user who asked sees, on the as-of date of the statistics page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import ExportFile, Progress

from .ledger_export import findings_ledger_export

FINDINGS_LEDGER = "findings_ledger"


def findings_ledger_write(job: UploadJob, folder: Path, progress: Progress) -> ExportFile:
    as_of = dt.date.fromisoformat(job.params["as_of"])
    path = folder / f"督导问题整改台账-{job.area_prefix}-{as_of:%Y%m%d}.xlsx"
    written = findings_ledger_export(
        path=path, as_of=as_of, area_prefix=job.area_prefix, user=job.user, progress=progress, log=False
    )
    return ExportFile(path=path, rows=written.rows, log_target=written.log_target, log_detail=written.log_detail)
