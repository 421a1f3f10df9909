"""A standard table as the A4 page an office files: landscape, the title, the unit and the date, the two-row header
repeated on every page, the total and each town's subtotal in bold, page numbers; drawn with the Chinese font the
project's setup installs (``jingzhun fonts install``; :class:`~jingzhun.core.fonts.FontMissing` without it)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from jingzhun.core.fonts import cjk_font_register
from jingzhun.spreadsheets.pdf import pdf_written

from .tables import StandardTable
from .xlsx import row_label

PAGE = landscape(A4)
MARGIN = 10 * mm


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table_pdf(table: StandardTable, path: Path) -> int:
    """Write ``table`` to ``path`` (.pdf), whole or not at all; returns the number of pages."""
    font = cjk_font_register()
    width = PAGE[0] - 2 * MARGIN
    # Each column as wide as its widest figure (and its header's words), the whole fitted to the page: a smaller
    # type when the figures would not fit at 7 points, never below 4.
    texts = [[_text(row.values[c.key]) for row in table.rows] for c in table.columns]
    names = [row_label(table, row) for row in table.rows] or ["区划"]

    def needed(points: float) -> list[float]:
        name = max(stringWidth(n, font, points) for n in names) + 6
        columns = [
            max([stringWidth(t, font, points) for t in column] + [stringWidth("人数", font, points)]) + 6
            for column in texts
        ]
        return [min(name, 40 * mm), *columns]

    size = 7.0
    total = sum(needed(size))
    if total > width:
        size = max(4.0, size * width / total)
    widths = needed(size)
    widths = [w * width / sum(widths) for w in widths]
    cell = ParagraphStyle("cell", fontName=font, fontSize=size, leading=size + 1.5)
    head = ParagraphStyle("head", parent=cell, alignment=1)
    title = ParagraphStyle("title", fontName=font, fontSize=14, leading=18, alignment=1)
    note = ParagraphStyle("note", fontName=font, fontSize=8, leading=11)
    groups: list[Any] = []
    spans: list[tuple[int, int]] = []
    column = 1
    for group, span in table.groups:
        groups += [Paragraph(escape(group), head)] + [""] * (span - 1)
        spans.append((column, column + span - 1))
        column += span
    data: list[list[Any]] = [
        [Paragraph("区划", head), *groups],
        ["", *(Paragraph(escape(c.label), head) for c in table.columns)],
    ]
    bold_rows = []
    for number, row in enumerate(table.rows, start=2):
        if row.level != "village":
            bold_rows.append(number)
        data.append(
            [Paragraph(escape(row_label(table, row)), cell), *(_text(row.values[c.key]) for c in table.columns)]
        )
    style = [
        ("FONT", (0, 0), (-1, -1), font, size),
        ("LEFTPADDING", (1, 2), (-1, -1), 2),
        ("RIGHTPADDING", (1, 2), (-1, -1), 2),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 2), (-1, -1), "RIGHT"),
        ("SPAN", (0, 0), (0, 1)),
        ("BACKGROUND", (0, 0), (-1, 1), colors.Color(0.93, 0.95, 0.97)),
        *(("SPAN", (first, 0), (last, 0)) for first, last in spans if last > first),
        *(("BACKGROUND", (0, r), (-1, r), colors.Color(0.96, 0.96, 0.96)) for r in bold_rows),
    ]
    grid = Table(data, colWidths=widths, repeatRows=2)
    grid.setStyle(TableStyle(style))
    heading = f"{table.scope_name}{table.year}年{table.title}"
    return pdf_written(
        Path(path),
        [
            Paragraph(escape(heading), title),
            Paragraph(
                escape(
                    f"填报单位：{table.scope_name}　　{table.unit}　　截至 {table.as_of.isoformat()}"
                    f"　　打印日期：{timezone.localdate().isoformat()}"
                ),
                note,
            ),
            Spacer(1, 3 * mm),
            grid,
            Spacer(1, 3 * mm),
            Paragraph(escape(table.note), note),
        ],
        font=font,
        pagesize=PAGE,
        margin=MARGIN,
        title=heading,
        footer=lambda page: f"第 {page} 页",
    )
