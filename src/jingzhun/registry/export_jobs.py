"""The household ledger (docs/LEDGER.md §1) exported in the browser: an export of :mod:`jingzhun.core.uploads`,
written by the task worker for the whole area scope of the user who asked, in the import's layout, each
household's latest income year, ID numbers as that user may see them — as .xlsx, or as .csv (``params["format"]``),
which a county of a million households needs: its members do not fit on one worksheet."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone

from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import ExportFile, Progress

from .ledger_export import ledger_export

LEDGER = "household_ledger"


def household_ledger_write(job: UploadJob, folder: Path, progress: Progress) -> ExportFile:
    suffix = "csv" if job.params.get("format") == "csv" else "xlsx"
    path = folder / f"贫困人口台账-{job.area_prefix}-{timezone.localdate():%Y%m%d}.{suffix}"
    written = ledger_export(path=path, area_prefix=job.area_prefix, user=job.user, progress=progress, log=False)
    return ExportFile(path=path, rows=written.rows, log_target=written.log_target, log_detail=written.log_detail)
