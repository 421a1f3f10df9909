"""Helpers of the archive and evaluation tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.projects.datafiles import indicator_bank
from jingzhun.projects.evaluation_services import evaluation_record
from jingzhun.projects.models import ArchiveFile, Evaluation, Project

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ON = dt.date(2026, 5, 12)
TODAY = dt.date(2026, 6, 30)


def pdf(name: str = "申报书.pdf", body: bytes = b"") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF + body, content_type="application/pdf")


def filed(project: Project, item: str, colour: str = "red") -> ArchiveFile:
    """An archive row without a file on disk: enough for the completeness figures."""
    return ArchiveFile.objects.create(
        project=project,
        item=item,
        colour=colour,
        file=f"projects/archive/{project.pk}-{item}.pdf",
        original_name=f"{item}.pdf",
        size=len(PDF),
        sha256="0" * 64,
    )


def full_scores() -> dict[str, tuple[Decimal, str]]:
    return {i.code: (i.weight, "") for i in indicator_bank().indicators}


def evaluate(project: Project, user: Any, *, problems: dict[str, str] | None = None, on: dt.date = ON) -> Evaluation:
    """An evaluation of ``project`` with a point off each indicator named in ``problems`` (code → problem)."""
    scores = full_scores()
    for code, problem in (problems or {}).items():
        weight = scores[code][0]
        scores[code] = (weight - 1, problem)
    return evaluation_record(project=project, on=on, scores=scores, note="", user=user, today=TODAY)
