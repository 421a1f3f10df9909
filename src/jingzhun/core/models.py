"""The base layer's one table: the background jobs started in the browser (every uploaded file alike, and the
jobs without a file, such as an assessment run)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UploadJob(models.Model):
    """A job the task worker runs for a browser user: a file uploaded and imported (the ledger, a department list,
    the uploads of the apps to come), or a job without a file (an assessment run, an export: ``file_name`` and
    ``path`` are empty). Its progress lives in a file in the job's folder, because the job's own transaction hides its writes
    until it commits; see :mod:`jingzhun.core.uploads`."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    # Not a counter: a job's address does not tell how many others there are.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=40)  # registered by the app that imports it, e.g. "ledger"
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    area_prefix = models.CharField(max_length=12)
    file_name = models.CharField(max_length=255, blank=True)  # empty for a job without a file
    path = models.CharField(max_length=1000, blank=True)
    params = models.JSONField(default=dict, blank=True)  # what the kind needs besides the file (department, date…)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result_id = models.BigIntegerField(null=True, blank=True)  # the batch the import made
    summary = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)  # why the file could not be used, in Chinese
    # The file the job wrote for its user to download: an import's error report, an export's workbook.
    report_path = models.CharField(max_length=1000, blank=True)
    # A kind that runs one job at a time (an assessment run) marks its jobs; the database then refuses a second
    # queued or running job of that kind, even from two requests at the same moment.
    exclusive = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "kind", "-created_at"], name="core_upload_user_kind")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(exclusive=True, status__in=["queued", "running"]),
                name="core_upload_one_exclusive_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name or self.pk} ({self.status})"
