"""The payment list and the gap lists (应享未享, 不应享而享) exported in the browser: exports of
:mod:`jingzhun.core.uploads`, written by the task worker as the user who asked, with the filters of the page."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone

from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import ExportFailed, ExportFile, Progress

from .gap_export import gap_office_export
from .gap_selectors import gap_list_for_user
from .payment_export import payments_office_export
from .payment_selectors import PaymentFilters
from .selectors import catalogue_in_force

PAYMENTS = "payment_list"
GAPS = "benefit_gaps"
UNENTITLED = "benefit_unentitled"


def payment_list_write(job: UploadJob, folder: Path, progress: Progress) -> ExportFile:
    today = timezone.localdate()
    path = folder / f"政策兑现发放明细-{job.area_prefix}-{today:%Y%m%d}.xlsx"
    written = payments_office_export(
        path=path, user=job.user, filters=PaymentFilters(**job.params), today=today, progress=progress, log=False
    )
    return ExportFile(path=path, rows=written.rows, log_target=written.log_target, log_detail=written.log_detail)


def _gap_write(job: UploadJob, folder: Path, progress: Progress, *, unentitled: bool) -> ExportFile:
    catalogue = catalogue_in_force()
    filters = job.params
    _run, _every, narrowed = gap_list_for_user(
        user=job.user, filters=filters, catalogue=catalogue, unentitled=unentitled
    )
    if narrowed is None:
        raise ExportFailed(f"{filters['year']} 年还没有计算应享政策，没有生成文件")
    today = timezone.localdate()
    name = "不应享而享" if unentitled else "应享未享"
    path = folder / f"{name}-{filters['year']}-{job.area_prefix}-{today:%Y%m%d}.xlsx"
    written = gap_office_export(
        path=path,
        user=job.user,
        rows=narrowed,
        catalogue=catalogue,
        year=filters["year"],
        unentitled=unentitled,
        today=today,
        progress=progress,
        log=False,
    )
    return ExportFile(path=path, rows=written.rows, log_target=written.log_target, log_detail=written.log_detail)


def gaps_write(job: UploadJob, folder: Path, progress: Progress) -> ExportFile:
    return _gap_write(job, folder, progress, unentitled=False)


def unentitled_write(job: UploadJob, folder: Path, progress: Progress) -> ExportFile:
    return _gap_write(job, folder, progress, unentitled=True)
