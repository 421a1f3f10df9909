"""A printed document (PDF) written whole: the page set-up and the footer every document of the project shares."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate

from .writing import written_whole


def pdf_written(
    path: Path,
    flow: Sequence[Flowable],
    *,
    font: str,
    pagesize: tuple[float, float],
    title: str,
    footer: Callable[[int], str],
    margin: float = 12 * mm,
    bottom: float = 12 * mm,
    footer_at: float = 6 * mm,
) -> int:
    """Write ``flow`` to ``path`` (nothing there unless whole), ``footer(page)`` centred at the foot of each page in
    ``font``; the same bytes for the same content (``invariant``). Returns the number of pages."""
    pages = 0

    def foot(canvas: Any, document: Any) -> None:
        nonlocal pages
        pages = document.page
        canvas.setFont(font, 8)
        canvas.drawCentredString(pagesize[0] / 2, footer_at, footer(document.page))

    with written_whole(Path(path)) as tmp:
        document = SimpleDocTemplate(
            str(tmp),
            pagesize=pagesize,
            leftMargin=margin,
            rightMargin=margin,
            topMargin=margin,
            bottomMargin=bottom,
            title=title,
            invariant=1,
        )
        document.build(list(flow), onFirstPage=foot, onLaterPages=foot)
    return pages
