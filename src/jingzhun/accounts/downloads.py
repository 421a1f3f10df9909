"""A stored file (an attachment, a piece of evidence, a document) handed to a user who may see it: always as a
download typed by its bytes — a page someone uploaded is never shown as one of this site's — and logged in the
access log as an export. The caller has read the record through its scoped selector; a file gone from the disk is
"not found"."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

from jingzhun.core.filetypes import FileKind, download_response

from .models import AccessLog
from .services import access_log_record


def stored_file_download(
    *, user: Any, file: FieldFile, name: str, allowed: Collection[FileKind], target: str, detail: dict[str, Any]
) -> FileResponse:
    """``file`` (named ``name`` for the user) as a download, logged as ``target`` with ``detail``."""
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    access_log_record(user=user, action=AccessLog.Action.EXPORT, target=target, detail=detail)
    return download_response(handle, name=name, allowed=allowed)
