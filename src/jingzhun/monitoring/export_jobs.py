"""The monitoring and instant-help ledgers exported in the browser: exports of :mod:`jingzhun.core.uploads`,
written by the task worker in the area scope of the user who asked, as the command line writes them."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone

from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import ExportFile, Progress

from .ledger_export import ExportOutcome, instant_help_export, monitoring_ledger_export

MONITORING = "monitoring_ledger"
INSTANT_HELP = "instant_help_ledger"


def _file(written: ExportOutcome) -> ExportFile:
    return ExportFile(
        path=written.path, rows=written.rows, log_target=written.log_target, log_detail=written.log_detail
    )


def _name(title: str, job: UploadJob) -> str:
    return f"{title}-{job.area_prefix}-{timezone.localdate():%Y%m%d}.xlsx"


def monitoring_export_write(job: UploadJob, folder: Path, progress: Progress) -> ExportFile:
    path = folder / _name("防止返贫监测对象台账", job)
    return _file(
        monitoring_ledger_export(path=path, area_prefix=job.area_prefix, user=job.user, progress=progress, log=False)
    )


def instant_help_export_write(job: UploadJob, folder: Path, progress: Progress) -> ExportFile:
    path = folder / _name("即时帮扶台账", job)
    return _file(
        instant_help_export(path=path, area_prefix=job.area_prefix, user=job.user, progress=progress, log=False)
    )
