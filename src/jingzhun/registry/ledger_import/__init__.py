"""Importing the household ledger (docs/LEDGER.md §1), set-based.

1. Stream the file once: each cell is normalised and parsed in Python (the only per-row work), and the
   typed rows go to a temporary staging table in chunks — memory stays flat whatever the file size. From the
   command line, a big CSV file is cut into parts at household boundaries and staged by forked worker
   processes, one per CPU, each into an SQLite file of its own that is then copied in.
2. Check the file as a whole with a few SQL statements: household columns that disagree between rows,
   an ID number on two households, households without exactly one head.
3. Apply the accepted households with ``INSERT … SELECT … ON CONFLICT DO UPDATE``: households, members,
   incomes, each written only where a value really changed, after the field-level differences have been
   copied into the change history. A household is imported whole or not at all, and the whole import is
   one transaction.

Works the same on SQLite and PostgreSQL (see :mod:`jingzhun.core.sql`).

The passes live in their own modules: ``parsing`` and ``staging`` (1, with the forked workers), ``checks`` (2),
``apply`` (3) and ``report`` (the error workbook), as mixins over ``base.ImportBase``; this module composes them
and runs the import.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.services import access_log_record
from jingzhun.core.sql import drop_temp_tables
from jingzhun.core.sqlite import sorts_in_runs
from jingzhun.spreadsheets.reading import open_table

from ..models import ImportBatch
from .apply import Applying
from .base import TEMP_TABLES, LedgerImportOutcome, Progress
from .checks import Checks
from .report import Reporting
from .staging import PARALLEL_MIN_BYTES, Staging

__all__ = ["PARALLEL_MIN_BYTES", "LedgerImportOutcome", "Progress", "ledger_import"]


class _LedgerImport(Staging, Checks, Applying, Reporting):
    """One import: stage, check, apply, report (``_ledger_import_run`` runs them in one transaction)."""


def ledger_import(
    *,
    path: Path,
    user: Any = None,
    on_progress: Progress | None = None,
    area_prefix: str = "",
    workers: int = 1,
) -> LedgerImportOutcome:
    """Import a household ledger file; see the module docstring for how.

    ``area_prefix`` (imports from the web) rejects households outside the user's area, and households
    already registered outside it. The command line imports for the whole database.

    ``workers`` > 1 lets a big CSV file be read and parsed by that many forked processes (embedded SQLite,
    when the import owns its transaction; see ``_LedgerImport._stage_parallel``). Only a caller that is
    the whole process (the command line) should allow it: forking a web server's threads is not safe.

    Raises :class:`~jingzhun.spreadsheets.reading.UnusableFile` when the file cannot be used at all;
    nothing is written then.
    """
    path = Path(path)
    # An import that owns its transaction on SQLite closes the connection after the commit instead of
    # dropping its temporary tables: the temporary database then goes at once, where a DROP TABLE would
    # free its pages one by one (a second for a million rows). Inside a caller's transaction it cannot.
    close_after = not connection.in_atomic_block and connection.vendor == "sqlite"
    if connection.in_atomic_block:
        workers = 1  # the workers' files can only be detached once the transaction is over
    with open_table(path) as table:
        job = _LedgerImport(
            path=path, table=table, user=user, on_progress=on_progress, area_prefix=area_prefix, workers=workers
        )
        try:
            if close_after:
                # Every reference the import writes is joined from its parent row in this same transaction
                # (villages created first, households before their members, incomes and history), so
                # SQLite's per-row look-up of each parent only costs time: about 0.7 s for a million
                # members. As for Django's loaddata, the check is off for the import's own transaction;
                # the tests run PRAGMA foreign_key_check after the imports that take this path.
                connection.disable_constraint_checking()
            with sorts_in_runs():
                outcome = _ledger_import_run(job, path, drop_temp=not close_after)
            if close_after:
                connection.close()  # the temporary tables and the workers' attached files go with it
                if connection.connection is None:
                    job.attached = []
                else:  # Django never closes an in-memory database (the tests'): drop them after all
                    drop_temp_tables(connection.cursor(), TEMP_TABLES)
            return outcome
        finally:
            if close_after and connection.connection is not None:  # failed, or the tests' in-memory database
                connection.enable_constraint_checking()
            job.release()


def _ledger_import_run(job: _LedgerImport, path: Path, *, drop_temp: bool) -> LedgerImportOutcome:
    with transaction.atomic():
        batch = ImportBatch.objects.create(kind=ImportBatch.Kind.LEDGER, file_name=path.name, user_id=job.user_id)
        for phase in (job.stage, job.check, lambda: job.apply(batch), job.report):
            started = time.perf_counter()
            phase()
            job.outcome.timings.append(round(time.perf_counter() - started, 3))
        # On failure the rollback removes the temporary tables with everything else.
        if drop_temp:
            drop_temp_tables(connection.cursor(), TEMP_TABLES)
        o = job.outcome
        batch.sha256 = job.sha256()
        batch.rows = o.rows
        batch.households_created, batch.households_updated = o.created, o.updated
        batch.households_unchanged, batch.households_rejected = o.unchanged, o.rejected
        batch.summary = {k: v if isinstance(v, int | str) else str(v) for k, v in job.summary()}  # JSON: time as text
        batch.save()
        o.batch_id = batch.pk
        # In the import's transaction: the log says an import happened exactly when it did.
        access_log_record(
            user=job.user,
            action=AccessLog.Action.IMPORT,
            target=f"贫困人口台账 {path.name}",
            detail={
                "batch": batch.pk,
                "rows": o.rows,
                "created": o.created,
                "updated": o.updated,
                "rejected": o.rejected,
            },
        )
    return o
