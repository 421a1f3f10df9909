"""Writes to the red/green/blue archive (三色档案): filing a document against an item of the checklist.

Who: a user who manages projects (county, town), for a project of its own area — the county's projects are the
county's to file, a town's its own (a town sees county projects read-only). What: a PDF, a photo, a .docx or an
.xlsx, told from the bytes (``core.filetypes``), at most :data:`ARCHIVE_MAX_BYTES`, kept with its SHA-256 under
``projects/archive/``. The same bytes filed twice against the same item of the same project are kept once: a
second upload (a double click, a retried request on a poor connection) returns the first.

A filed document is never deleted by the application: the archive is evidence (监督权).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.files import upload_sha256
from jingzhun.core.filetypes import DOCUMENTS, RefusedFile, file_kind
from jingzhun.core.scope import SYSTEM, account_of

from .datafiles import archive_checklist
from .models import ArchiveFile, Project
from .selectors import project_editable_by

ARCHIVE_MAX_BYTES = 20 * 1024 * 1024  # a scanned contract or audit report runs to many pages
ARCHIVE_TYPES = DOCUMENTS  # PDF, photos, .docx, .xlsx — told from the bytes
NOTE_MAX = 500


class ArchiveRefused(Exception):
    """A document that cannot be filed; the message says why, in Chinese."""


def archive_file_add(*, project: Project, item: str, upload: UploadedFile, user: Any, note: str = "") -> ArchiveFile:
    """File ``upload`` against checklist item ``item`` of ``project``. Refused (nothing written) when the user may
    not manage the project, the item is not on the checklist, or the file is too large or not a document."""
    if user is not SYSTEM and not user_can(user, Capability.MANAGE_PROJECTS):
        raise PermissionDenied("「上传项目档案」须由县级或乡镇用户办理。")
    if not project_editable_by(user=user, project=project):
        raise PermissionDenied(f"项目 {project.code} 不在您的管辖区域内，不能上传档案（上级项目由上级归档）。")
    entry = archive_checklist().get(item)
    if entry is None:
        raise ArchiveRefused(f"档案项「{item}」不在三色档案清单中。")
    name = (upload.name or "档案").strip()[:255] or "档案"
    size = upload.size or 0
    if size <= 0:
        raise ArchiveRefused(f"文件「{name}」是空文件。")
    if size > ARCHIVE_MAX_BYTES:
        raise ArchiveRefused(f"文件「{name}」超过 {ARCHIVE_MAX_BYTES // (1024 * 1024)} MB。")
    try:
        kind = file_kind(upload, allowed=ARCHIVE_TYPES)
    except RefusedFile as refused:
        raise ArchiveRefused(f"文件「{name}」{refused}。") from None
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ArchiveRefused(f"说明不能超过 {NOTE_MAX} 个字。")
    digest = upload_sha256(upload)
    with transaction.atomic():
        # The project row is locked so that two uploads of the same bytes at once keep one.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        existing = ArchiveFile.objects.filter(project=project, item=entry.code, sha256=digest).first()
        if existing is not None:
            return existing
        archive_file = ArchiveFile(
            project=project,
            item=entry.code,
            colour=entry.colour,
            original_name=name,
            size=size,
            sha256=digest,
            note=note,
            uploaded_by=account_of(user),
        )
        archive_file.file.save(f"{project.pk}-{entry.code}-{digest[:12]}{kind.suffix}", upload, save=False)
        archive_file.save()
    return archive_file
