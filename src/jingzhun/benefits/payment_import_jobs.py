"""Payment files (docs/LEDGER.md §5) as a kind of browser upload (:mod:`jingzhun.core.uploads`): the same import as
``jingzhun import payments FILE``, as the user who uploaded it (the households of their scope; a department
clerk its department's benefits)."""

from __future__ import annotations

from pathlib import Path

from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import Progress, UploadOutcome

from .payments_import import payments_import

KIND = "benefit_payments"


def payments_upload_import(job: UploadJob, progress: Progress) -> UploadOutcome:
    """Import an uploaded payments file as the user who uploaded it."""
    outcome = payments_import(path=Path(job.path), user=job.user, progress=progress)
    return UploadOutcome(
        result_id=outcome.batch_id,
        report_path=str(outcome.report_path or ""),
        summary={
            "rows": outcome.rows,
            "created": outcome.created,
            "amount": f"{outcome.amount:,.2f}",
            "unchanged": outcome.unchanged,
            "rejected": outcome.rejected,
            "errors": outcome.errors,
            "unknown_headers": "、".join(outcome.unknown_headers),
        },
    )
