"""The standard tables as pages and as workbooks to file (统计报表)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.permissions import Capability
from jingzhun.accounts.services import access_log_record
from jingzhun.areas.selectors import area_prefix_for_code
from jingzhun.core.fonts import FontMissing
from jingzhun.spreadsheets.writing import written_in_memory

from .dashboard import dashboard_for
from .pdf import table_pdf
from .standard import FIRST_YEAR, report_default_year, report_names, report_table
from .tables import StandardTable
from .xlsx import row_label, table_xlsx

view_reports = capability_required(Capability.VIEW_REPORTS)


def _year(request: HttpRequest, name: str) -> int:
    """The year asked for; the table's own default year (where its data is) when none or one out of range is."""
    this_year = timezone.localdate().year
    text = request.GET.get("year", "")
    if text.isascii() and text.isdigit() and len(text) == 4 and FIRST_YEAR <= int(text) <= this_year:
        return int(text)
    return report_default_year(name=name, user=request.user)


def _area(request: HttpRequest) -> str | None:
    """The area prefix asked for (None: the user's whole scope); 404 for a code that is no area."""
    code = request.GET.get("area", "")
    if not code:
        return None
    if not (code.isascii() and code.isdigit() and len(code) == 12):
        raise Http404
    try:
        return area_prefix_for_code(code)
    except LookupError:
        raise Http404 from None


def _table(request: HttpRequest, name: str) -> StandardTable:
    return report_table(name=name, user=request.user, year=_year(request, name), area_prefix=_area(request))


@require_GET
@view_reports
def index(request: HttpRequest) -> HttpResponse:
    reports = [(name, title, reverse(f"reports:{name}")) for name, title in report_names()]
    return render(request, "reports/index.html", {"reports": reports})


@require_GET
@view_reports
def table_page(request: HttpRequest, name: str) -> HttpResponse:
    table = _table(request, name)
    rows: list[dict[str, Any]] = []
    for row in table.rows:
        cells = []
        for column in table.columns:
            link = table.links.get(column.key, "") if row.level == "village" else ""
            cells.append((row.values[column.key], link.format(code=row.code) if link else ""))
        # A town's subtotal opens the town's own table (not the total: it is the page itself).
        narrow = row.level == "town" and row is not table.total
        rows.append({"row": row, "label": row_label(table, row), "cells": cells, "narrow": narrow})
    this_year = timezone.localdate().year
    return render(
        request,
        "reports/table.html",
        {
            "table": table,
            "rows": rows,
            "years": range(this_year, FIRST_YEAR - 1, -1),
            "area": request.GET.get("area", ""),
            "download": f"{reverse(f'reports:{name}_xlsx')}?{request.GET.urlencode()}",
            "download_pdf": f"{reverse(f'reports:{name}_pdf')}?{request.GET.urlencode()}",
        },
    )


@require_GET
@view_reports
def table_download(request: HttpRequest, name: str) -> FileResponse:
    table = _table(request, name)
    handle, _ = written_in_memory(lambda path: table_xlsx(table, path), name=f"{name}.xlsx")
    access_log_record(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        target=f"report:{name}:{request.GET.get('area', '')}:{table.year}",
        detail={"format": "xlsx", "rows": len(table.rows)},
    )
    return FileResponse(handle, as_attachment=True, filename=f"{table.scope_name}{table.year}年{table.title}.xlsx")


@require_GET
@view_reports
def table_pdf_download(request: HttpRequest, name: str) -> HttpResponse | FileResponse:
    """The table as an A4 PDF to file (503 with the way to install the font when the server has none)."""
    table = _table(request, name)
    try:
        handle, pages = written_in_memory(lambda path: table_pdf(table, path), name=f"{name}.pdf")
    except FontMissing as missing:
        return render(request, "reports/font_missing.html", {"message": str(missing)}, status=503)
    access_log_record(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        target=f"report:{name}:{request.GET.get('area', '')}:{table.year}",
        detail={"format": "pdf", "rows": len(table.rows), "pages": pages},
    )
    filename = f"{table.scope_name}{table.year}年{table.title}.pdf"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type="application/pdf")


@require_GET
@view_reports
def dashboard(request: HttpRequest) -> HttpResponse:
    """The leadership dashboard of the user's area, or of a town or village inside it (``?area=``)."""
    board = dashboard_for(user=request.user, area_prefix=_area(request))
    return render(request, "reports/dashboard.html", {"board": board, "chart": board.charts})
