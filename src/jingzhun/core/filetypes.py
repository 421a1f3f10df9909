"""What an uploaded file is, told from its bytes — never from its name or from what the browser says — and how a
stored one is handed back.

Visit photos (assistance) and monitoring attachments are checked here. A file we keep is served with the type
found in its bytes, as a download (``Content-Disposition: attachment``) with ``X-Content-Type-Options: nosniff``:
a page a user uploaded is never shown as a page of this site (issue 24).

Office documents are accepted in their current formats only (.docx, .xlsx), and only without macros, ActiveX
controls or embedded OLE objects (programs can be packed in those): what is inside them is listed in the zip's
directory, which we read. The old binary formats (.doc, .xls) can carry macros we cannot see without a parser
for them; the user saves the file as .docx, .xlsx or PDF instead.
"""

from __future__ import annotations

import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from django.http import FileResponse

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls, .ppt, and Office files with an opening password


@dataclass(frozen=True)
class FileKind:
    content_type: str
    suffix: str  # what a file of this kind is stored and served as
    suffixes: tuple[str, ...]  # what its name may end with
    label: str  # as users know it


JPEG = FileKind("image/jpeg", ".jpg", (".jpg", ".jpeg"), "JPEG 图片")
PNG = FileKind("image/png", ".png", (".png",), "PNG 图片")
WEBP = FileKind("image/webp", ".webp", (".webp",), "WebP 图片")
PDF = FileKind("application/pdf", ".pdf", (".pdf",), "PDF 文件")
DOCX = FileKind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", (".docx",), "Word 文档（.docx）"
)
XLSX = FileKind(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", (".xlsx",), "Excel 工作簿（.xlsx）"
)
PHOTOS = (JPEG, PNG, WEBP)
DOCUMENTS = (PDF, JPEG, PNG, WEBP, DOCX, XLSX)  # what an office scans, photographs or writes

_MAGIC = ((b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG), (b"%PDF-", PDF))
_OFFICE_MAIN_PART = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX}


class RefusedFile(Exception):
    """The file is not one of the kinds allowed; ``str(exc)`` says why, in Chinese, without the file's name."""


def file_kind(file: IO[bytes] | Any, *, allowed: Collection[FileKind]) -> FileKind:
    """The kind of ``file`` (an open binary file or an upload) among ``allowed``, from its bytes; else
    :class:`RefusedFile`. The file is left at its start."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    kind = next((k for magic, k in _MAGIC if head.startswith(magic)), None)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        kind = WEBP
    elif head.startswith(OLE2_MAGIC):
        if allowed_office := [k.label for k in allowed if k in (DOCX, XLSX)]:
            raise RefusedFile(
                "是旧版 Office 格式（.doc、.xls）或设置了打开密码的文件，其中可能含有无法检查的宏，不能上传；"
                f"请另存为{'、'.join(allowed_office)}或 PDF 后再上传"
            )
    elif head.startswith(b"PK\x03\x04") and any(k in allowed for k in (DOCX, XLSX)):
        kind = _office_kind(file)
    if kind is None or kind not in allowed:
        raise RefusedFile(f"不是可以上传的文件（只能上传：{'、'.join(k.label for k in allowed)}）")
    return kind


def _office_kind(file: IO[bytes] | Any) -> FileKind | None:
    """DOCX or XLSX from the zip's directory (nothing is unpacked); RefusedFile when it holds macros, ActiveX
    controls or embedded OLE objects."""
    try:
        with zipfile.ZipFile(file) as zf:
            names = [info.filename.lower() for info in zf.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        file.seek(0)
    if "[content_types].xml" not in names:
        return None
    kind = next((k for part, k in _OFFICE_MAIN_PART.items() if part in names), None)
    if kind is None:
        return None
    for name in names:
        if name.endswith("vbaproject.bin") or "/activex/" in name or ("/embeddings/" in name and name.endswith(".bin")):
            raise RefusedFile(
                f"含有宏、ActiveX 控件或嵌入的程序对象，不能上传；请另存为不含宏的{kind.label}或 PDF 后再上传"
            )
    return kind


def download_response(file: IO[bytes], *, name: str, allowed: Collection[FileKind]) -> FileResponse:
    """A stored upload as a download: the type its bytes show (``application/octet-stream`` when none of
    ``allowed``: a file kept before the check), its name ending as that type does, ``nosniff``."""
    try:
        kind: FileKind | None = file_kind(file, allowed=allowed)
    except RefusedFile:
        kind = None
    if kind is not None and PurePath(name).suffix.lower() not in kind.suffixes:
        name = f"{PurePath(name).stem or 'file'}{kind.suffix}"
    content_type = kind.content_type if kind else "application/octet-stream"
    response = FileResponse(file, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
