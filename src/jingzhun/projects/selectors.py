"""Reads of projects, funds and assets. Every read goes through the area-scope guard: a user sees the projects of
its area and, read-only, those of the town and county above it that serve it (:func:`core.scope.scoped_or_above`);
beneficiary households are people data and are listed only within the user's own scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from jingzhun.core.scope import in_scope, scoped, scoped_or_above

from .models import Beneficiary, Project


def projects_for_user(*, user: Any) -> QuerySet[Project]:
    return scoped_or_above(Project.objects.select_related("area"), user, "area__code")


def project_get_for_user(*, user: Any, code: str) -> Project:
    """The project numbered ``code`` if the user may see it; "not found" otherwise (never "forbidden": a project
    of another area does not exist for the user)."""
    project = projects_for_user(user=user).filter(code=code).first()
    if project is None:
        raise Http404("没有找到该项目。")
    return project


def project_editable_by(*, user: Any, project: Project) -> bool:
    """Whether the project lies inside the user's own area (the county's projects are the county's to edit)."""
    return in_scope(user, project.area_id)


def beneficiaries_for_user(*, user: Any, project: Project) -> QuerySet[Beneficiary]:
    """The project's beneficiary households that lie in the user's scope, by household number."""
    rows = Beneficiary.objects.filter(project=project).select_related("household", "household__village")
    return scoped(rows, user, "household__village__code", household="household").order_by("household__household_no")
