"""Refusing a workbook whose first sheet would take far more memory to read than it has content (issue 24).

calamine (the .xlsx reader) puts a sheet into one dense grid, 32 bytes a cell, from its first to its last cell
with a value: a 1.6 KB file with values at A1 and XFD1048576 asks for 549 GB and kills the process, one with
values at A1 and ZZ200000 really takes 4.5 GB. So before calamine reads the sheet, this module reads the sheet's
XML itself, as a stream (memory stays flat), finds where calamine will put every cell with a value, and refuses
the file — :class:`~jingzhun.spreadsheets.reading.UnusableFile`, a Chinese reason — when

- the sheet's declared range (``<dimension ref=…>``) or its farthest value lies beyond column
  :data:`MAX_COLUMNS` or row :data:`MAX_ROWS` (a ledger has 44 columns; Excel itself stops at row 1,048,576);
- the grid from A1 to the farthest value has more than :data:`MAX_CELLS` cells, or is mostly empty: more than
  :data:`FREE_CELLS` cells and more than :data:`SPARSE_FACTOR` cells per cell with a value. The grid then costs at
  most 32 × 8 = 256 bytes per value (calamine's own list of the values costs 40 bytes each, plus the text).

The declared range is checked but not trusted: a sheet without one, or whose range lies, is judged by its cells.
The shared-string table is counted too (calamine keeps one 24-byte string per entry, however short).

Where calamine puts a cell is mirrored from its source (``xlsx/cells_reader.rs``; python-calamine 0.9 has
calamine 0.37): a cell's
``r`` attribute when it has one, else the cell after the one before in the row (rows likewise); a cell counts
when its last child is a value (``<v>`` with text, or ``<is>``). Two readers do this:

- a fast one for the form Excel, WPS, LibreOffice, openpyxl and POI write (every cell ``<c r="B7" …>``, in its
  row, children without prefixes): one regular expression matches whole rows, so the work is done in C (about
  6 s of CPU for a 266,000-row, 44-column ledger, 537 MB of XML, where calamine takes 17 s to read it);
- an exact one on expat, mirroring the position rules, for any sheet the fast one does not match in full
  (prefixed element names, cells without ``r``, comments, other encodings …). It counts as a value only what
  calamine surely reads as one, and as occupying the grid every cell that has a child at all, so its errors can
  only refuse, never let through. XML that expat finds malformed, or with a DOCTYPE, is refused.
"""

from __future__ import annotations

import functools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from xml.parsers import expat

MAX_COLUMNS = 256  # IV; the ledger has 44 columns, a department list fewer
MAX_ROWS = 1_048_576  # Excel's own last row
MAX_CELLS = 50_000_000  # a whole county's ledger, a million member rows × 44 columns, is 46 million
FREE_CELLS = 1_000_000  # any grid up to this size is read (32 MB)
SPARSE_FACTOR = 8  # beyond FREE_CELLS, at least one cell in 8 must hold a value

_CHUNK = 4 << 20
_MAX_PROLOG = 16 << 20  # the XML before <sheetData> (column widths, views …); more goes to the exact reader
_MAX_ROW_XML = 16 << 20  # one row's XML; longer goes to the exact reader
_MAX_SMALL_PART = 4 << 20  # relationship files and workbook.xml are a few KB


def _refuse(reason: str) -> Exception:
    from .reading import UnusableFile  # reading imports this module

    return UnusableFile(reason)


def column_letters(number: int) -> str:
    """1 → A, 27 → AA, 16384 → XFD."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(row: int, column: int) -> str:
    """The 1-based (row, column) as Excel names it: (7, 2) → B7."""
    return f"{column_letters(column)}{row}"


@dataclass(frozen=True)
class SheetExtent:
    """Where the values of a sheet lie, as calamine will read them."""

    rows: int  # 1-based row of the last value (0: no value)
    columns: int  # 1-based column of the farthest value
    values: int  # cells with a value (a lower bound on what calamine reads)
    declared: str = ""  # the sheet's <dimension ref>, as written
    columns_exact: bool = True  # False: ``columns`` is only a bound (MAX_COLUMNS)


def check_xlsx_shape(path: Any, *, sheet_name: str | None = None) -> SheetExtent:
    """Refuse the workbook at ``path`` (already checked to be a sound zip) when reading its first sheet (or the
    sheet named ``sheet_name``, for a format of several sheets) would take memory out of proportion to its
    content; else the extent of that sheet."""
    with zipfile.ZipFile(path) as zf:
        parts = _parts(zf)
        dirs, sheets = _first_sheets(zf, parts, sheet_name)
        for xl_dir in dirs:
            strings = _lookup(parts, f"{xl_dir}sharedStrings.xml")
            if strings is not None:
                _check_shared_strings(zf, strings)
        extents = [_sheet_extent(zf, sheet) for sheet in sheets]
    for extent in extents:
        _judge(extent)
    return extents[0]


def _sheet_extent(zf: zipfile.ZipFile, sheet: zipfile.ZipInfo) -> SheetExtent:
    with zf.open(sheet) as stream:
        try:
            extent = _FastReader().read(stream)
        except SystemError:  # CPython's re has had bugs with atomic groups: the exact reader then decides
            extent = None
    if extent is None:
        with zf.open(sheet) as stream:
            return _ExactReader().read(stream)
    if not extent.columns_exact and extent.rows * extent.columns > _allowed_cells(extent.values):
        # The fast reader bounds the columns by MAX_COLUMNS only; where that bound is too loose, the farthest
        # column decides (a second pass, only for big sheets with few values a row).
        with zf.open(sheet) as stream:
            extent = _with_exact_columns(extent, stream)
    return extent


def _allowed_cells(values: int) -> int:
    return min(MAX_CELLS, max(FREE_CELLS, SPARSE_FACTOR * values))


def _judge(extent: SheetExtent) -> None:
    if extent.columns > MAX_COLUMNS:
        raise _refuse(
            f"工作表第 {column_letters(extent.columns)} 列（第 {extent.columns} 列）有内容，超过上限 {MAX_COLUMNS} 列"
            f"（{column_letters(MAX_COLUMNS)} 列）；台账只有几十列，请删除多余的列后再导入"
        )
    if extent.rows > MAX_ROWS:
        raise _refuse(f"工作表第 {extent.rows} 行有内容，超过 Excel 的上限 {MAX_ROWS} 行，文件不是有效的工作簿")
    cells = extent.rows * extent.columns
    if cells > max(FREE_CELLS, SPARSE_FACTOR * extent.values):
        raise _refuse(
            f"工作表中有内容的单元格只有 {extent.values} 个，却分布在 A1:{cell_name(extent.rows, extent.columns)} "
            f"这么大的范围里（大部分是空白），读取它要占用的内存远超其内容，已拒绝；"
            f"请删除远处多余的单元格（或把数据复制到新的工作表）后再导入"
        )
    if cells > MAX_CELLS:
        raise _refuse(
            f"工作表的数据区 A1:{cell_name(extent.rows, extent.columns)} 有 {cells} 个单元格，"
            f"超过上限 {MAX_CELLS} 个，请分成几个文件导入"
        )


# -- finding the first sheet as calamine does --------------------------------------------------------------


def _parts(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The archive's members by lower-case name (calamine looks names up that way); two members whose names
    differ only in case (or at all, once ``\\`` is read as ``/``) make it unclear which one is read."""
    parts: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        key = _ascii_lower(info.filename.replace("\\", "/"))
        if key in parts:
            raise _refuse(f"Excel 文件中有两个同名的部件“{info.filename}”，文件不是有效的工作簿")
        parts[key] = info
    return parts


def _ascii_lower(text: str) -> str:
    return text.translate(_LOWER)


_LOWER = {c: c + 32 for c in range(65, 91)}


def _elements(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> list[tuple[str, dict[str, str]]]:
    """The start tags of a small part (relationships, workbook.xml): local name and attributes as written."""
    if info.file_size > _MAX_SMALL_PART:
        raise _refuse(f"Excel 文件的部件“{info.filename}”大得异常（{info.file_size} 字节），文件不是有效的工作簿")
    elements: list[tuple[str, dict[str, str]]] = []
    parser = expat.ParserCreate()
    parser.StartElementHandler = lambda name, attrs: elements.append((name.rpartition(":")[2], attrs))
    parser.StartDoctypeDeclHandler = _no_doctype
    try:
        parser.Parse(zf.read(info), True)
    except expat.ExpatError as exc:
        raise _refuse(f"Excel 文件的部件“{info.filename}”不是规范的 XML（{exc}），文件已损坏") from None
    return elements


def _no_doctype(*args: Any) -> None:
    raise _refuse("Excel 文件含有 DTD 声明，已拒绝")


def _lookup(parts: dict[str, zipfile.ZipInfo], name: str) -> zipfile.ZipInfo | None:
    return parts.get(_ascii_lower(name.replace("\\", "/")))


def _office_document_dir(zf: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo]) -> str | None:
    """The directory of workbook.xml as _rels/.rels names it ("xl/"), as calamine reads it."""
    rels = _lookup(parts, "_rels/.rels")
    if rels is None:
        return None
    target = None
    for name, attrs in _elements(zf, rels):
        if name == "Relationship" and attrs.get("Type", "").endswith("/relationships/officeDocument"):
            target = attrs.get("Target", target)  # the last one, as calamine
    return None if target is None else target[: target.rfind("/") + 1].removeprefix("/")


def _first_sheet_in(
    zf: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo], xl_dir: str, sheet_name: str | None = None
) -> zipfile.ZipInfo | None:
    """The member calamine reads as the first sheet of the workbook in ``xl_dir`` (or as the sheet named
    ``sheet_name``: the first ``<sheet>`` of that name)."""
    workbook = _lookup(parts, f"{xl_dir}workbook.xml")
    workbook_rels = _lookup(parts, f"{xl_dir}_rels/workbook.xml.rels")
    if workbook is None or workbook_rels is None:
        return None
    rel_id = None
    for name, attrs in _elements(zf, workbook):
        if name == "sheet" and (sheet_name is None or attrs.get("name") == sheet_name):
            for key, value in attrs.items():
                if key.rpartition(":")[2] == "id":
                    rel_id = value  # the last attribute named id, whatever its prefix, as calamine
            break
    if rel_id is None:
        return None
    target = None
    for name, attrs in _elements(zf, workbook_rels):
        if name == "Relationship" and attrs.get("Id") == rel_id:
            target = attrs.get("Target")  # calamine keeps the last one with this Id
    if target is None:
        return None
    return _lookup(parts, target[1:] if target.startswith("/") else f"{xl_dir}{target}")


def _first_sheets(
    zf: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo], sheet_name: str | None = None
) -> tuple[list[str], list[zipfile.ZipInfo]]:
    """The directories a workbook may be in and the members that may be read as its first sheet.

    calamine finds the workbook through _rels/.rels (since 0.3x; "xl/" before, and when that file says nothing):
    both are checked, so that a file crafted to point one reader here and another there gains nothing.
    """
    dirs = list(dict.fromkeys(d for d in (_office_document_dir(zf, parts), "xl/") if d is not None))
    sheets = {}
    for xl_dir in dirs:
        sheet = _first_sheet_in(zf, parts, xl_dir, sheet_name)
        if sheet is not None:
            sheets[sheet.filename] = sheet
    if not sheets:
        if sheet_name is not None:
            raise _refuse(f"Excel 文件中没有名为“{sheet_name}”的工作表")
        raise _refuse("Excel 文件中找不到工作表（文件损坏或不是 Excel 工作簿）")
    return dirs, list(sheets.values())


def _check_shared_strings(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """calamine keeps every shared string (24 bytes each, even an empty ``<si/>`` of 5 bytes of XML)."""
    count = 0
    with zf.open(info) as stream:
        for chunk in _chunks(stream, cut=b">"):
            count += len(_SHARED_STRING.findall(chunk))
            if count > MAX_CELLS:
                raise _refuse(f"Excel 文件的共享文本表有超过 {MAX_CELLS} 个条目，超过上限，已拒绝")


_SHARED_STRING = re.compile(rb"<(?:[^\s<>/:!?]+:)?si[\s/>]")


def _chunks(stream: IO[bytes], *, cut: bytes) -> Iterator[bytes]:
    """The stream in blocks of about 4 MiB, each ending just after the last ``cut`` in it."""
    carry = b""
    while block := stream.read(_CHUNK):
        data = carry + block
        end = data.rfind(cut) + len(cut)
        if end < len(cut):
            end = 0
        if end == 0 and len(data) > 2 * _MAX_ROW_XML:  # longer than any row the fast reader lets through
            end = len(data)
        carry = data[end:]
        if end:
            yield data[:end]
    if carry:
        yield carry


# -- the fast reader: the usual form, whole rows matched in C ----------------------------------------------

# The attributes of a cell in the usual form (ECMA-376 CT_Cell: r, s, t, cm, vm, ph), r first and only once (a
# second r would be ambiguous: calamine takes the last). A <v> is a value unless the cell is inline text (t=
# "inlineStr": calamine ignores the <v> of those), and only written without "&" (calamine reads an entity there
# as no value). Atomic groups and possessive repeats: a form either matches or the sheet goes to the exact
# reader, there is nothing to retry (and it is twice as fast).
_CELL_ATTRS = rb'(?: (?:s|cm|vm)="\d++"| ph="[01]"| t="[A-Za-z]++")*+'
_NUMBER_ATTRS = rb'(?: (?:s|cm|vm)="\d++"| ph="[01]"| t="(?:s|n|b|e|str|d)")*+'
_FORMULA = rb'(?:<f(?: [A-Za-z0-9]+="[^"<>]*+")*+(?: ?/>|>[^<]*+</f>))'
_TEXT = rb'<t(?: xml:space="preserve")?>[^<]*+</t>'
_ONLY_SPACE = re.compile(rb"\s*")
_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\b[^>]*?\sref="([^"]*)"')
_VALUE_ENDS = (b"</v></c>", b"</is></c>")


@functools.cache
def _rows(columns: int) -> re.Pattern[bytes]:
    """Whole rows in the usual form whose values lie in the first ``columns`` columns and in their own row
    (group 1). An empty cell (no child, or a formula without a value) may be anywhere. (No group inside the
    repeat: CPython 3.11 gets the span of one wrong there, with atomic groups.)"""
    cell = (
        rb'<c r="(?>' + _columns_up_to(columns) + rb'\1"'
        rb"(?>" + _NUMBER_ATTRS + rb">" + _FORMULA + rb"?+<v>[^<&]++</v>"
        rb"|" + _CELL_ATTRS + rb">" + _FORMULA + rb"?+<is>" + _TEXT + rb"</is>)</c>"
        rb'|[A-Z]{1,3}[1-9]\d{0,6}"' + _CELL_ATTRS + rb"(?: ?/>|>" + _FORMULA + rb"?+</c>))"
    )
    return re.compile(
        rb'<row r="([1-9]\d{0,6})"(?: (?!r=)[\w.:-]+="[^"<>]*+")*+(?: ?/>|>(?:\s*+' + cell + rb")*+\s*+</row>)"
    )


def _columns_up_to(columns: int) -> bytes:
    """A pattern for the column letters A … (``columns`` ≤ 702, ZZ)."""
    last = column_letters(columns).encode()
    if len(last) == 1:
        return b"[A-" + last + b"]"
    first, second = last[:1], last[1:]
    forms = [b"[A-Z]"]
    if first != b"A":
        forms.append(b"[A-" + bytes([first[0] - 1]) + b"][A-Z]")
    forms.append(first + b"[A-" + second + b"]")
    return b"(?:" + b"|".join(forms) + b")"


class _FastReader:
    """The extent of a sheet in the usual form, or None when any of it is in another form.

    The rows are matched with the columns of the first few thousand rows (or the declared range) as the
    bound, which a ledger's header row sets; a value beyond it (still within MAX_COLUMNS) makes the bound
    MAX_COLUMNS, tightened afterwards if needed (see check_xlsx_shape).
    """

    def __init__(self) -> None:
        self.last_row = 0

    def read(self, stream: IO[bytes]) -> SheetExtent | None:
        prolog = b""
        while b"sheetData" not in prolog:
            block = stream.read(_CHUNK)
            if not block or len(prolog) > _MAX_PROLOG:
                return None
            prolog += block
        start = prolog.index(b"sheetData")
        if b"<!" in prolog[:start] or prolog[start - 1 : start] != b"<":
            return None
        declared = _declared(prolog[:start])
        if prolog[start:].startswith((b"sheetData/>", b"sheetData />")):
            return SheetExtent(rows=0, columns=0, values=0, declared=declared)
        if not prolog[start:].startswith(b"sheetData>"):
            return None
        rest = prolog[start + len(b"sheetData>") :]
        values = 0
        columns = 0
        for segment, final in self._segments(rest, stream):
            if not columns:
                columns = max(_columns_seen(segment), _declared_columns(declared)) or MAX_COLUMNS
            if not _ONLY_SPACE.fullmatch(_rows(columns).sub(self._row, segment)):
                if columns == MAX_COLUMNS or not _ONLY_SPACE.fullmatch(_rows(MAX_COLUMNS).sub(self._row, segment)):
                    return None
                columns = MAX_COLUMNS  # only a bound now (see columns_exact)
            for ending in _VALUE_ENDS:
                values += segment.count(ending)
            if final:
                break
        else:
            return None
        if not values:
            return SheetExtent(rows=0, columns=0, values=0, declared=declared)
        return SheetExtent(
            rows=self.last_row,
            columns=columns,
            values=values,
            declared=declared,
            columns_exact=columns < MAX_COLUMNS,
        )

    def _row(self, row: re.Match[bytes]) -> bytes:
        segment, start, end = row.string, row.start(), row.end()
        if segment.find(b"</v></c>", start, end) >= 0 or segment.find(b"</is></c>", start, end) >= 0:
            self.last_row = max(self.last_row, int(row[1]))  # the row has a value
        return b""

    @staticmethod
    def _segments(rest: bytes, stream: IO[bytes]) -> Iterator[tuple[bytes, bool]]:
        """The XML of <sheetData> in pieces of whole rows; the last one flagged. Stops (the caller gives up)
        when a row is too long or </sheetData> never comes."""
        data = rest
        while True:
            end = data.find(b"</sheetData>")
            if end >= 0:
                yield data[:end], True
                return
            cut = data.rfind(b"</row>")
            if cut >= 0:
                yield data[: cut + 6], False
                data = data[cut + 6 :]
            elif len(data) > _MAX_ROW_XML:
                return
            block = stream.read(_CHUNK)
            if not block:
                return
            data += block


def _declared(prolog: bytes) -> str:
    """The <dimension ref> (the largest, if the sheet has several); refused when beyond the limits."""
    refs = [ref.decode("ascii", "replace") for ref in _DIMENSION.findall(prolog)]
    _judge_declared(refs)
    return refs[-1] if refs else ""


def _judge_declared(refs: list[str]) -> None:
    for ref in refs:
        corner = _position(ref.rsplit(":", 1)[-1])
        if corner is None:
            continue  # calamine refuses a malformed range itself
        row, column = corner
        if column + 1 > MAX_COLUMNS or row + 1 > MAX_ROWS:
            raise _refuse(
                f"工作表声明的使用范围是 {ref}，超过上限（最多 {MAX_COLUMNS} 列、{MAX_ROWS} 行）；"
                "如表中并没有这么多数据，请在 Excel 中删除多余的行和列（或把数据复制到新的工作表）后另存再导入"
            )


def _with_exact_columns(extent: SheetExtent, stream: IO[bytes]) -> SheetExtent:
    """The extent with its farthest column found (the fast form only; the exact reader knows it already)."""
    columns = max((_columns_seen(chunk) for chunk in _chunks(stream, cut=b"</row>")), default=0)
    return SheetExtent(rows=extent.rows, columns=columns, values=extent.values, declared=extent.declared)


def _columns_seen(rows: bytes) -> int:
    """The farthest column of a cell that is not empty in these rows of the usual form (at most ZZ)."""
    return max((_column_number(c.decode()) for c in set(_VALUE_COLUMN.findall(rows))), default=0)


def _declared_columns(declared: str) -> int:
    corner = _position(declared.rsplit(":", 1)[-1]) if declared else None
    return corner[1] + 1 if corner else 0


# Any cell that has a child (a formula alone is counted too: the bound only needs to be above the values).
_VALUE_COLUMN = re.compile(rb'<c r="([A-Z]{1,2})[1-9]\d*"[^>/]*>(?!</c>)')


# -- the exact reader: any well-formed sheet, on expat -------------------------------------------------------


def _column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + (ord(char.upper()) - 64)
    return number


def _position(ref: str) -> tuple[int, int] | None:
    """calamine's ``get_row_column``: "B7" → (6, 1), 0-based; letters of either case, then digits."""
    match = _REF.fullmatch(ref)
    if not match or not match[1] or int(match[2]) == 0:
        return None
    return int(match[2]) - 1, _column_number(match[1]) - 1


def _row_position(ref: str) -> int | None:
    """calamine's ``get_row``: the row of "7" or "B7", 0-based."""
    match = _REF.fullmatch(ref)
    if not match or int(match[2]) == 0:
        return None
    return int(match[2]) - 1


_REF = re.compile(r"([A-Za-z]*)([0-9]+)")
_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*>""")
_SURE_VALUE = re.compile(rb"(?:" + _FORMULA + rb")?(?:<v>([^<&]+)</v>|<is>" + _TEXT + rb"</is>)")


class _Stop(Exception):
    pass


class _ExactReader:
    """calamine's ``XlsxCellReader`` position rules on expat, over the XML as it streams."""

    def __init__(self) -> None:
        self.in_data = False
        self.row = 0  # 0-based, as calamine's row_index
        self.column = 0
        self.cell: tuple[int, int] | None = None
        self.cell_start = 0
        self.cell_type: str | None = None
        self.children = 0
        self.depth = 0  # inside a child of the cell
        self.max_row = -1
        self.max_column = -1
        self.values = 0
        self.declared: list[str] = []
        self.window = b""
        self.window_start = 0
        parser = expat.ParserCreate()
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.StartDoctypeDeclHandler = _no_doctype
        self.parser = parser

    def read(self, stream: IO[bytes]) -> SheetExtent:
        try:
            while block := stream.read(1 << 20):
                # The last two blocks stay at hand, to see how a cell is written (see _end).
                keep = self.window[-(1 << 20) :]
                self.window_start += len(self.window) - len(keep)
                self.window = keep + block
                self.parser.Parse(block, False)
            self.parser.Parse(b"", True)
        except _Stop:
            pass
        except expat.ExpatError as exc:
            raise _refuse(
                f"工作表不是规范的 XML（{expat.ErrorString(exc.code)}，第 {exc.lineno} 行），文件已损坏"
            ) from None
        _judge_declared(self.declared)
        return SheetExtent(
            rows=self.max_row + 1,
            columns=self.max_column + 1,
            values=self.values,
            declared=self.declared[-1] if self.declared else "",
        )

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = self._local(name)
        if self.cell is not None:
            if self.depth == 0:
                self.children += 1
            self.depth += 1
        elif not self.in_data:
            if local == "dimension" and "ref" in attrs:
                self.declared.append(attrs["ref"])
            elif local == "sheetData":
                self.in_data = True
        elif local == "row":
            if "r" in attrs:
                row = _row_position(attrs["r"])
                if row is None:
                    raise _refuse(f"工作表中的行号“{attrs['r']}”无效，文件已损坏")
                self.row = row
        elif local == "c":
            if "r" in attrs:
                position = _position(attrs["r"])
                if position is None:
                    raise _refuse(f"工作表中的单元格位置“{attrs['r']}”无效，文件已损坏")
                self.column = position[1]
            else:
                position = (self.row, self.column)
            self.cell = position
            self.cell_start = self.parser.CurrentByteIndex
            self.cell_type = attrs.get("t")
            self.children = 0

    def _end(self, name: str) -> None:
        local = self._local(name)
        if self.cell is not None:
            if self.depth:
                self.depth -= 1
                return
            if local != "c":
                return  # calamine reads on to the cell's end
            if self.children:
                self._value(*self.cell)
            self.cell = None
            self.column += 1
        elif not self.in_data:
            return
        elif local == "row":
            self.row += 1
            self.column = 0
        elif local == "sheetData":
            raise _Stop

    def _value(self, row: int, column: int) -> None:
        """A cell with children: it may hold a value, so it counts for the grid; it counts as a value only when
        written so that calamine surely reads one."""
        self.max_row = max(self.max_row, row)
        self.max_column = max(self.max_column, column)
        if column + 1 > MAX_COLUMNS or row + 1 > MAX_ROWS:
            _judge(SheetExtent(rows=row + 1, columns=column + 1, values=self.values))
        start = self.cell_start - self.window_start
        end = self.parser.CurrentByteIndex - self.window_start
        if start < 0:
            return
        written = self.window[start:end]
        tag = _START_TAG.match(written)
        if tag is None:
            return
        sure = _SURE_VALUE.fullmatch(written, tag.end())
        if sure and not (sure[1] is not None and self.cell_type in ("inlineStr", "is")):
            self.values += 1

    @staticmethod
    def _local(name: str) -> str:
        prefix, colon, local = name.partition(":")
        if ":" in local:
            raise _refuse(f"工作表中的元素名“{name}”无效，文件已损坏")
        return local if colon else prefix
