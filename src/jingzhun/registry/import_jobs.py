"""The household ledger as a kind of browser upload (:mod:`jingzhun.core.uploads`): the same import as the
command line, in the uploader's area scope."""

from __future__ import annotations

from pathlib import Path

from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import Progress, UploadOutcome

from .ledger_import import ledger_import

KIND = "ledger"


def ledger_upload_import(job: UploadJob, progress: Progress) -> UploadOutcome:
    """Import an uploaded ledger (households outside ``job.area_prefix`` are rejected, as in the report)."""
    outcome = ledger_import(path=Path(job.path), user=job.user, on_progress=progress, area_prefix=job.area_prefix)
    return UploadOutcome(
        result_id=outcome.batch_id,
        report_path=str(outcome.report_path or ""),
        summary={
            "rows": outcome.rows,
            "households": outcome.households,
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
            "rejected": outcome.rejected,
            "errors": outcome.errors,
            "warnings": outcome.warnings,
            "members_missing": outcome.members_missing,
        },
    )
