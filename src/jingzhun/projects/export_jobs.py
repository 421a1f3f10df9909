"""The project library table, the fund ledger and a dividend list exported in the browser: exports of
:mod:`jingzhun.core.uploads`, written by the task worker as the user who asked, with the filters of the page."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone

from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import ExportFailed, ExportFile, Progress

from .dividend_export import distribution_list_export
from .dividend_selectors import distributions_for_user
from .fund_ledger import fund_ledger_export
from .library_export import LibraryFilters, library_office_export

FUND_LEDGER = "fund_ledger"
DIVIDEND_LIST = "dividend_list"
PROJECT_LIBRARY = "project_library"


def fund_ledger_write(job: UploadJob, folder: Path, progress: Progress) -> ExportFile:
    year, today = int(job.params["year"]), timezone.localdate()
    path = folder / f"项目资金台账-{year}-{today:%Y%m%d}.xlsx"
    written = fund_ledger_export(path=path, user=job.user, year=year, as_of=today, progress=progress, log=False)
    return ExportFile(path=path, rows=written.rows, log_target=written.log_target, log_detail=written.log_detail)


def dividend_list_write(job: UploadJob, folder: Path, progress: Progress) -> ExportFile:
    distribution = distributions_for_user(user=job.user).filter(pk=job.params["distribution"]).first()
    if distribution is None:  # gone, or out of the user's sight, since the export was asked for
        raise ExportFailed("没有找到该分红，没有生成文件")
    path = folder / f"差异化分红名单-{distribution.project.code}-{distribution.year}.xlsx"
    written = distribution_list_export(
        path=path, distribution=distribution, user=job.user, today=timezone.localdate(), progress=progress, log=False
    )
    return ExportFile(path=path, rows=written.rows, log_target=written.log_target, log_detail=written.log_detail)


def project_library_write(job: UploadJob, folder: Path, progress: Progress) -> ExportFile:
    today = timezone.localdate()
    path = folder / f"项目库-{job.area_prefix}-{today:%Y%m%d}.xlsx"
    filters = LibraryFilters(**job.params)
    written = library_office_export(
        path=path, user=job.user, filters=filters, today=today, progress=progress, log=False
    )
    return ExportFile(path=path, rows=written.projects, log_target=written.log_target, log_detail=written.log_detail)
