"""Workbooks written by hand with zipfile, byte for byte what a hostile user can upload (issue 24): a few hundred
bytes that ask the reader for gigabytes. Only the parts calamine needs; cells as inline text or numbers."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER = "户编号"


def value(ref: str, text: str | int) -> str:
    """A cell with a value: a number, or inline text."""
    if isinstance(text, int):
        return f'<c r="{ref}"><v>{text}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_data(*cells: tuple[str, str | int]) -> str:
    """<sheetData> with these (reference, value) cells, each in the row its reference names."""
    rows: dict[int, list[str]] = {}
    for ref, text in cells:
        number = int(re.sub(r"[A-Z]+", "", ref))
        rows.setdefault(number, []).append(value(ref, text))
    body = "".join(f'<row r="{n}">{"".join(rows[n])}</row>' for n in sorted(rows))
    return f"<sheetData>{body}</sheetData>"


def sheet(data: str, *, dimension: str | None = None, prolog: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}">{dim}{prolog}{data}</worksheet>'


def workbook(
    path: Path,
    sheet_xml: str | bytes,
    *,
    office_dir: str = "xl/",
    shared_strings: str | None = None,
    extra: dict[str, str | bytes] | None = None,
) -> Path:
    """A .xlsx at ``path`` whose first (only) sheet is ``sheet_xml``; the workbook in ``office_dir``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{OFFICE}/officeDocument" Target="{office_dir}workbook.xml"/></Relationships>',
        )
        z.writestr(
            f"{office_dir}workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            f"{office_dir}_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr(f"{office_dir}worksheets/sheet1.xml", sheet_xml)
        if shared_strings is not None:
            z.writestr(f"{office_dir}sharedStrings.xml", shared_strings)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def two_cells(path: Path, far: str, *, dimension: str | None = None) -> Path:
    """The memory bomb: a header at A1, one value at ``far``, nothing between."""
    return workbook(path, sheet(sheet_data(("A1", HEADER), (far, "x")), dimension=dimension))


# The memory bombs, as (far cell, declared range, start of the refusal): each tiny, each asking calamine for
# gigabytes (549 GB, 4.5 GB, 4.5 GB, 4.5 GB, 8 GB).
BOMBS = {
    "declared A1:XFD1048576": ("XFD1048576", "A1:XFD1048576", "工作表声明的使用范围是 A1:XFD1048576，超过上限"),
    "declared A1:ZZ200000": ("ZZ200000", "A1:ZZ200000", "工作表声明的使用范围是 A1:ZZ200000，超过上限"),
    "no declared range": ("ZZ200000", None, "工作表第 ZZ 列（第 702 列）有内容，超过上限 256 列"),
    "a declared range that lies": ("ZZ200000", "A1:B2", "工作表第 ZZ 列（第 702 列）有内容，超过上限 256 列"),
    "mostly empty": ("IV1000000", None, "工作表中有内容的单元格只有 2 个，却分布在 A1:IV1000000"),
}
