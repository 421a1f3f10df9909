"""Helper rosters (docs/LEDGER.md §9) as a kind of browser upload (:mod:`jingzhun.core.uploads`): the same import as
``jingzhun import helpers FILE``, in the uploader's area scope."""

from __future__ import annotations

from pathlib import Path

from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import Progress, UploadOutcome

from .services import roster_import

KIND = "helper_roster"


def roster_upload_import(job: UploadJob, progress: Progress) -> UploadOutcome:
    """Import an uploaded roster file as the user who uploaded it (their scope bounds every row)."""
    outcome = roster_import(path=Path(job.path), user=job.user, progress=progress)
    return UploadOutcome(
        report_path=str(outcome.report_path or ""),
        summary={
            "sheet": outcome.sheet,
            "rows": outcome.rows,
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
            "rejected": outcome.rejected,
            "errors": len(outcome.errors),
            "unknown_headers": "、".join(outcome.unknown_headers),
        },
    )
