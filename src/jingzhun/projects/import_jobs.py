"""Project library files (docs/LEDGER.md §4) as a kind of browser upload (:mod:`jingzhun.core.uploads`): the same
import as ``jingzhun import projects FILE``, as the user who uploaded it (the areas and households of their scope).

The browser takes one file: a workbook with sheets 项目 and 受益户, or a CSV of projects alone (a CSV upload has no
beneficiaries file beside it, so it changes no beneficiary list)."""

from __future__ import annotations

from pathlib import Path

from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import Progress, UploadOutcome

from .projects_import import projects_import

KIND = "projects"


def projects_upload_import(job: UploadJob, progress: Progress) -> UploadOutcome:
    """Import an uploaded project library as the user who uploaded it (their scope bounds every area and
    household)."""
    outcome = projects_import(path=Path(job.path), user=job.user, progress=progress)
    return UploadOutcome(
        result_id=outcome.batch_id,
        report_path=str(outcome.report_path or ""),
        summary={
            "rows": outcome.rows,
            "beneficiary_rows": outcome.beneficiary_rows,
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
            "rejected": outcome.rejected,
            "beneficiaries_added": outcome.beneficiaries_added,
            "beneficiaries_changed": outcome.beneficiaries_changed,
            "beneficiaries_removed": outcome.beneficiaries_removed,
            "errors": outcome.errors,
            "unknown_headers": "、".join(outcome.unknown_headers),
            "warnings": "；".join(outcome.warnings),
        },
    )
