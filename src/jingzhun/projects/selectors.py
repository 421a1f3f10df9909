"""Reads of projects, funds and assets. Every read goes through the area-scope guard: a user sees the projects of
its area and, read-only, those of the town and county above it that serve it (:func:`core.scope.scoped_or_above`);
beneficiary households are people data and are listed only within the user's own scope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from jingzhun.core.scope import in_scope, scoped, scoped_or_above
from jingzhun.registry.models import Member

from .models import Asset, AssetIncome, Beneficiary, Project, ProjectStep


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


def project_search_for_user(
    *,
    user: Any,
    year: int | None = None,
    stage: str = "",
    kind: str = "",
    level: str = "",
    town: str = "",
    village: str = "",
    text: str = "",
) -> QuerySet[Project]:
    """The projects the user sees, filtered; ``town`` a town's 12-digit code (its projects and its villages'),
    ``village`` a village's code (the projects serving that village itself)."""
    projects = projects_for_user(user=user)
    if year:
        projects = projects.filter(year=year)
    if stage:
        projects = projects.filter(stage=stage)
    if kind:
        projects = projects.filter(kind=kind)
    if level:
        projects = projects.filter(level=level)
    if town:
        projects = projects.filter(area__code__startswith=town[:9])
    if village:
        projects = projects.filter(area__code=village)
    if text:
        projects = projects.filter(Q(code__icontains=text) | Q(name__icontains=text))
    return projects


def project_counts_for_user(*, user: Any, year: int | None = None, area_prefix: str = "") -> dict[str, Any]:
    """Projects by stage and the planned investment, for the list's head; ``area_prefix`` narrows them to the
    projects serving the areas whose codes begin with it (a town's 9 digits, a village's 12)."""
    projects = projects_for_user(user=user)
    if year:
        projects = projects.filter(year=year)
    if area_prefix:
        projects = projects.filter(area__code__startswith=area_prefix)
    by_stage = {row["stage"]: row["n"] for row in projects.values("stage").annotate(n=Count("id")).order_by()}
    totals = projects.aggregate(n=Count("id"), planned=Sum("planned_investment"))
    return {"by_stage": by_stage, "total": totals["n"] or 0, "planned": totals["planned"] or Decimal("0")}


def project_years_for_user(*, user: Any) -> list[int]:
    return list(projects_for_user(user=user).values_list("year", flat=True).distinct().order_by("-year"))


def project_history(*, project: Project) -> list[ProjectStep]:
    return list(ProjectStep.objects.filter(project=project).select_related("by").order_by("recorded_at", "id"))


def beneficiary_counts(*, project: Project) -> dict[str, int]:
    """How many households benefit and how (whole project: counts are not people data)."""
    rows = Beneficiary.objects.filter(project=project)
    return rows.aggregate(
        total=Count("id"),
        dividend=Count("id", filter=Q(by_dividend=True)),
        work=Count("id", filter=Q(by_work=True)),
        land=Count("id", filter=Q(by_land=True)),
        other=Count("id", filter=Q(by_other=True)),
        refused=Count("id", filter=Q(refused_post=True)),
    )


def projects_of_household(*, user: Any, household: Any) -> list[Beneficiary]:
    """The projects a household benefits from, as the household record (一户一档) shows them: only projects the
    user may see (the household itself was already checked by the caller)."""
    visible = projects_for_user(user=user).values("pk")
    return list(
        Beneficiary.objects.filter(household=household, project__in=visible)
        .select_related("project")
        .order_by("-project__year", "project__code")
    )


# --- assets -----------------------------------------------------------------------------------------------------


def assets_for_user(*, user: Any) -> QuerySet[Asset]:
    return scoped_or_above(Asset.objects.select_related("project", "project__area"), user, "project__area__code")


def asset_get_for_user(*, user: Any, asset_id: int) -> Asset:
    asset = assets_for_user(user=user).filter(pk=asset_id).first()
    if asset is None:
        raise Http404("没有找到该资产。")
    return asset


def asset_search_for_user(*, user: Any, kind: str = "", state: str = "", town: str = "") -> QuerySet[Asset]:
    assets = assets_for_user(user=user)
    if kind:
        assets = assets.filter(kind=kind)
    if state:
        assets = assets.filter(state=state)
    if town:
        assets = assets.filter(project__area__code__startswith=town[:9])
    return assets.annotate(income_total=Sum("incomes__amount")).order_by("code")


def asset_incomes(*, asset: Asset) -> list[AssetIncome]:
    return list(AssetIncome.objects.filter(asset=asset).order_by("-period_start"))


def asset_income_by_year(*, asset: Asset) -> list[dict[str, Any]]:
    rows = AssetIncome.objects.filter(asset=asset).values("year").annotate(total=Sum("amount")).order_by("-year")
    return [dict(row) for row in rows]


def project_assets(*, project: Project) -> list[Asset]:
    return list(Asset.objects.filter(project=project).annotate(income_total=Sum("incomes__amount")).order_by("code"))


def household_heads(*, household_ids: list[int]) -> dict[int, str]:
    """The head's name of each of these households (for a page of rows already scoped)."""
    return dict(
        Member.objects.filter(household_id__in=household_ids, relation="head").values_list("household_id", "name")
    )
