"""Background tasks of the registry (django-tasks: the database backend in production, run by the worker that
``jingzhun serve`` starts; immediate in tests)."""

from __future__ import annotations

from django_tasks import task

from .import_jobs import import_job_run


@task()
def ledger_import_job(job_id: int) -> None:
    import_job_run(job_id=job_id)
