"""Decision workbooks (docs/LEDGER.md §8) as a kind of browser upload (:mod:`jingzhun.core.uploads`): the same import
as ``jingzhun import adjustments FILE``, as the county user who uploaded it (the households of their county)."""

from __future__ import annotations

from pathlib import Path

from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import Progress, UploadOutcome

from .services import decisions_import

KIND = "adjustments"


def decisions_upload_import(job: UploadJob, progress: Progress) -> UploadOutcome:
    """Import an uploaded decision workbook as the user who uploaded it (their scope bounds every household)."""
    outcome = decisions_import(path=Path(job.path), user=job.user, progress=progress)
    return UploadOutcome(
        result_id=outcome.batch_id,
        report_path=str(outcome.report_path or ""),
        summary={
            "rows": outcome.rows,
            "households": outcome.households,
            "applied": outcome.applied,
            "unchanged": outcome.unchanged,
            "rejected": outcome.rejected,
            "households_applied": outcome.households_applied,
            "households_rejected": outcome.households_rejected,
            "errors": outcome.errors,
            "unknown_headers": "、".join(outcome.unknown_headers),
        },
    )
