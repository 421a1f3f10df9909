"""Telling an uploaded file's kind from its bytes, and handing a stored one back as a download (issue 24)."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingzhun.core.filetypes import (
    DOCUMENTS,
    DOCX,
    JPEG,
    OLE2_MAGIC,
    PDF,
    PHOTOS,
    PNG,
    WEBP,
    XLSX,
    RefusedFile,
    download_response,
    file_kind,
)


def office(main: str, *extra: str) -> io.BytesIO:
    """A .docx (main = word/document.xml) or .xlsx (xl/workbook.xml) with these further members."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        for name in ("[Content_Types].xml", main, *extra):
            zf.writestr(name, "<x/>")
    data.seek(0)
    return data


WEBP_BYTES = b"RIFF\x24\x00\x00\x00WEBPVP8 "


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00", PNG),
        (WEBP_BYTES, WEBP),
        (b"%PDF-1.7\n", PDF),
    ],
    ids=["jpeg", "png", "webp", "pdf"],
)
def test_a_file_is_known_by_its_first_bytes(data, kind):
    assert file_kind(io.BytesIO(data), allowed=DOCUMENTS) is kind


def test_office_documents_are_known_by_their_main_part():
    assert file_kind(office("word/document.xml", "word/media/image1.png"), allowed=DOCUMENTS) is DOCX
    assert file_kind(office("xl/workbook.xml", "xl/worksheets/sheet1.xml"), allowed=DOCUMENTS) is XLSX


def test_a_chart_with_its_workbook_inside_a_document_is_accepted():
    chart = office("word/document.xml", "word/embeddings/Microsoft_Excel_Worksheet.xlsx")
    assert file_kind(chart, allowed=DOCUMENTS) is DOCX


@pytest.mark.parametrize(
    "inside", ["word/vbaProject.bin", "word/activeX/activeX1.bin", "word/embeddings/oleObject1.bin"]
)
def test_a_document_with_macros_or_embedded_programs_is_refused(inside):
    with pytest.raises(RefusedFile) as exc:
        file_kind(office("word/document.xml", inside), allowed=DOCUMENTS)
    assert str(exc.value).startswith(
        "含有宏、ActiveX 控件或嵌入的程序对象，不能上传；请另存为不含宏的Word 文档（.docx）或 PDF"
    )


def test_an_old_binary_office_file_is_refused_with_what_to_do():
    with pytest.raises(RefusedFile) as exc:
        file_kind(io.BytesIO(OLE2_MAGIC + b"\0" * 100), allowed=DOCUMENTS)
    assert "旧版 Office 格式（.doc、.xls）" in str(exc.value)
    assert "请另存为Word 文档（.docx）、Excel 工作簿（.xlsx）或 PDF 后再上传" in str(exc.value)


def test_a_zip_that_is_no_office_document_is_refused():
    with pytest.raises(RefusedFile):
        file_kind(office("content.xml"), allowed=DOCUMENTS)


def test_a_kind_not_allowed_is_refused():
    with pytest.raises(RefusedFile) as exc:
        file_kind(io.BytesIO(b"%PDF-1.4"), allowed=PHOTOS)
    assert str(exc.value) == "不是可以上传的文件（只能上传：JPEG 图片、PNG 图片、WebP 图片）"


@given(data=st.binary(max_size=64))
def test_bytes_without_a_known_beginning_are_refused(data):
    known = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"%PDF-", b"RIFF", b"PK\x03\x04")
    if data.startswith(known):
        return
    with pytest.raises(RefusedFile):
        file_kind(io.BytesIO(data), allowed=DOCUMENTS)


@given(page=st.text(max_size=200))
def test_a_web_page_is_refused_whatever_it_says(page):
    with pytest.raises(RefusedFile):
        file_kind(io.BytesIO(f"<!DOCTYPE html><html>{page}".encode()), allowed=DOCUMENTS)


def test_the_file_is_left_at_its_start():
    data = io.BytesIO(b"%PDF-1.7 rest")
    data.seek(5)
    file_kind(data, allowed=DOCUMENTS)
    assert data.read(5) == b"%PDF-"


def test_a_download_is_typed_by_its_bytes_and_named_to_match():
    response = download_response(io.BytesIO(b"\x89PNG\r\n\x1a\n"), name="公示照片.jpg", allowed=DOCUMENTS)
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''%E5%85%AC%E7%A4%BA%E7%85%A7%E7%89%87.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_download_of_an_unknown_kind_is_plain_bytes():
    response = download_response(io.BytesIO(b"<html><script>alert(1)</script>"), name="x.html", allowed=DOCUMENTS)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
