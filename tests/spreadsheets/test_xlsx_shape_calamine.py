"""The shape check sees every value where calamine puts it: on random small sheets written in every way calamine
accepts (cells with and without references, rows in any order, prefixed names, formulas, empty values, comments),
the grid calamine reads never reaches beyond the extent the check found, and the check never counts more values
than calamine reads. A sheet the fast reader takes gives what the exact reader gives."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from jingzhun.spreadsheets import xlsx_shape
from jingzhun.spreadsheets.xlsx_shape import check_xlsx_shape, column_letters

from .workbooks import MAIN, sheet, workbook

# How a cell may be written, and whether calamine reads a value from it.
CELL_FORMS: dict[str, tuple[str, bool]] = {
    "number": ("<v>7</v>", True),
    "inline": ('<is><t xml:space="preserve">王 </t></is>', True),
    "inline_empty": ("<is><t></t></is>", True),  # an empty text, still a value
    "formula_number": ("<f>A1+1</f><v>2</v>", True),
    "formula_only": ("<f>A1</f>", False),
    "empty_pair": ("", False),
    "empty_v": ("<v></v>", False),
    "entity_v": ("<v>&#49;</v>", False),  # calamine 0.37 reads an entity in a number as no value
    "comment_v": ("<v><!-- c -->1</v>", False),
    "text_str": ("<v>a&amp;b</v>", True),  # t="str"
    "inline_typed_v": ("<v>1</v>", False),  # t="inlineStr" with a <v>: calamine ignores the <v>
}
TYPES = {"text_str": ' t="str"', "inline_typed_v": ' t="inlineStr"', "inline": ' t="inlineStr"'}


USUAL = ["number", "inline", "inline_empty", "formula_number", "formula_only", "empty_pair"]  # the fast reader's


@st.composite
def sheets(draw: st.DrawFn) -> str:
    """A sheet's XML: half of them in the usual form (the fast reader's), the others in any form calamine takes."""
    usual = draw(st.booleans())
    prefix = "" if usual else draw(st.sampled_from(["", "x:"]))
    space = draw(st.sampled_from(["", "\n  "]))
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        row_r = draw(st.one_of(st.none(), st.integers(1, 60))) if not usual else draw(st.integers(1, 60))
        cells = []
        for _ in range(draw(st.integers(0, 6))):
            form = draw(st.sampled_from(USUAL if usual else sorted(CELL_FORMS)))
            body = CELL_FORMS[form][0]
            ref = ""
            if usual or draw(st.booleans()):
                row = row_r if row_r is not None and draw(st.booleans()) else draw(st.integers(1, 60))
                ref = f' r="{column_letters(draw(st.integers(1, 40)))}{row}"'
            attrs = ref + TYPES.get(form, "") + draw(st.sampled_from(["", ' s="1"']))
            if prefix:
                for name in ("v", "f", "is", "t"):
                    body = body.replace(f"<{name}>", f"<{prefix}{name}>").replace(f"</{name}>", f"</{prefix}{name}>")
                body = body.replace("<t ", f"<{prefix}t ")
            if not body and draw(st.booleans()):
                cells.append(f"<{prefix}c{attrs}/>")
            else:
                cells.append(f"<{prefix}c{attrs}>{body}</{prefix}c>")
        row_attr = f' r="{row_r}"' if row_r is not None else ""
        between = "" if usual else draw(st.sampled_from(["", "<!-- between -->"]))
        rows.append(f"<{prefix}row{row_attr}>{space}{space.join(cells)}{space}</{prefix}row>{between}")
    xmlns = f' xmlns:{prefix[:-1]}="{MAIN}"' if prefix else ""
    return sheet(f"<{prefix}sheetData{xmlns}>{''.join(rows)}</{prefix}sheetData>")


def _calamine_end(path: Path) -> tuple[int, int] | bool | None:
    """Where calamine's grid ends (0-based row, column), None for no value, False when it refuses the file."""
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except Exception:
        return False
    return sheet.end if sheet.height else None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(xml=sheets())
def test_the_check_bounds_what_calamine_reads(xml):
    with tempfile.TemporaryDirectory() as tmp:
        path = workbook(Path(tmp) / "s.xlsx", xml)
        checked = check_xlsx_shape(path)
        end = _calamine_end(path)
    exact = xlsx_shape._ExactReader().read(io.BytesIO(xml.encode()))
    for extent in (checked, exact):
        if end:
            assert end[0] < extent.rows
            assert end[1] < extent.columns


SURE = {"number", "inline", "inline_empty", "formula_number"}  # what the check counts as a value


@settings(max_examples=200, deadline=None)
@given(
    cells=st.dictionaries(
        st.tuples(st.integers(1, 60), st.integers(1, 40)), st.sampled_from(sorted(CELL_FORMS)), max_size=30
    ),
    shuffled=st.randoms(),
)
def test_values_are_counted_only_where_calamine_surely_reads_one(cells, shuffled):
    order = list(cells.items())
    shuffled.shuffle(order)  # rows and cells in any order
    body = "".join(
        f'<row r="{row}"><c r="{column_letters(col)}{row}"{TYPES.get(form, "")}>{CELL_FORMS[form][0]}</c></row>'
        for (row, col), form in order
    )
    xml = sheet(f"<sheetData>{body}</sheetData>")
    exact = xlsx_shape._ExactReader().read(io.BytesIO(xml.encode()))
    assert exact.values == sum(form in SURE for form in cells.values())
    with tempfile.TemporaryDirectory() as tmp:
        path = workbook(Path(tmp) / "s.xlsx", xml)
        book = CalamineWorkbook.from_path(str(path))
        grid = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    read = sum(cell != "" for row in grid for cell in row)
    assert exact.values <= read + sum(form == "inline_empty" for form in cells.values())
    fast = xlsx_shape._FastReader().read(io.BytesIO(xml.encode()))
    if fast is not None:  # the same count; the exact reader's extent also takes in cells that only may hold one
        assert fast.values == exact.values
        assert fast.rows <= exact.rows
