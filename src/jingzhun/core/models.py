"""The base layer's one table: the jobs of files uploaded in the browser (every kind of upload alike)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UploadJob(models.Model):
    """A file uploaded in the browser and imported by the task worker: the ledger, a department list, and the
    uploads of the apps to come. Its progress lives in a file beside the upload, because the import's own
    transaction hides its writes until it commits; see :mod:`jingzhun.core.uploads`."""

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
    file_name = models.CharField(max_length=255)
    path = models.CharField(max_length=1000)
    params = models.JSONField(default=dict, blank=True)  # what the kind needs besides the file (department, date…)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result_id = models.BigIntegerField(null=True, blank=True)  # the batch the import made
    summary = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)  # why the file could not be used, in Chinese
    report_path = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "kind", "-created_at"], name="core_upload_user_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.status})"
