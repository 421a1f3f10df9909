"""Reads of project evaluations (项目评估): a project's evaluations, the latest per project, and the problems per
town that decide which towns are put under supervision (挂牌督办).

A town's problem count is the sum of the problems found by the *latest* evaluation of each of its projects: a
project reviewed again after rectification counts with its new result, not twice. The latest evaluation is the
one with the latest date (then the last recorded), picked by a correlated subquery, and the counts are one
grouped statement. A town is flagged when its count reaches the bank's ``town_supervision_threshold``.
Evaluations are seen by whoever sees the project (``projects_for_user``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.http import Http404

from jingzhun.areas.models import Area

from .archive_selectors import project_town
from .datafiles import IndicatorBank, indicator_bank
from .models import Evaluation, EvaluationItem, Project
from .selectors import projects_for_user

RECENT = 20


def evaluations_for_user(*, user: Any) -> QuerySet[Evaluation]:
    visible = projects_for_user(user=user).values("pk")
    return Evaluation.objects.filter(project__in=visible).select_related("project", "project__area", "by")


def latest_only(evaluations: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    """``evaluations`` restricted to the latest evaluation of each project."""
    latest = Evaluation.objects.filter(project=OuterRef("project")).order_by("-evaluated_on", "-id").values("pk")[:1]
    return evaluations.filter(pk=Subquery(latest))


def _with_items(evaluations: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    # The finding a problem became lives on supervision's Finding (a one-to-one to the item): read through the
    # ORM's reverse relation, projects imports nothing of supervision.
    items = EvaluationItem.objects.order_by("id")
    if hasattr(EvaluationItem, "finding"):
        items = items.select_related("finding")
    return evaluations.prefetch_related(Prefetch("items", queryset=items))


def project_evaluations(*, user: Any, project: Project) -> QuerySet[Evaluation]:
    """The project's evaluations the user may see, newest first, with their items."""
    rows = evaluations_for_user(user=user).filter(project=project).order_by("-evaluated_on", "-id")
    return _with_items(rows)


def evaluation_get_for_user(*, user: Any, evaluation_id: int) -> Evaluation:
    evaluation = _with_items(evaluations_for_user(user=user).filter(pk=evaluation_id)).first()
    if evaluation is None:
        raise Http404("没有找到该评估。")
    return evaluation


def evaluation_item_get_for_user(*, user: Any, item_id: int) -> EvaluationItem:
    """An item of an evaluation the user may see; :class:`EvaluationItem.DoesNotExist` otherwise (another
    area's item does not exist for the user)."""
    visible = projects_for_user(user=user).values("pk")
    return EvaluationItem.objects.select_related("evaluation__project__area").get(
        pk=item_id, evaluation__project__in=visible
    )


@dataclass
class ItemRow:
    item: EvaluationItem
    text: str
    dimension: str

    @property
    def is_problem(self) -> bool:
        return bool(self.item.problem)


def evaluation_rows(evaluation: Evaluation, *, bank: IndicatorBank | None = None) -> list[tuple[str, list[ItemRow]]]:
    """An evaluation's items grouped by dimension, with each indicator's question from the bank in force (the
    code alone for an indicator the bank no longer has)."""
    bank = bank or indicator_bank()
    order = {i.code: n for n, i in enumerate(bank.indicators)}
    items = sorted(evaluation.items.all(), key=lambda i: (order.get(i.indicator, len(order)), i.indicator))
    groups: dict[str, list[ItemRow]] = {}
    for item in items:
        indicator = bank.get(item.indicator)
        dimension = indicator.dimension if indicator else "—"
        groups.setdefault(dimension, []).append(
            ItemRow(item, indicator.text if indicator else item.indicator, dimension)
        )
    return list(groups.items())


def problems_of(evaluation: Evaluation, *, bank: IndicatorBank | None = None) -> list[ItemRow]:
    return [row for _, rows in evaluation_rows(evaluation, bank=bank) for row in rows if row.is_problem]


@dataclass
class TownProblems:
    code: str
    name: str
    problems: int
    projects: int  # projects with an evaluation
    flagged: bool


def town_problem_counts(*, user: Any, bank: IndicatorBank | None = None) -> list[TownProblems]:
    """Per town, the problems of its projects' latest evaluations and whether it reaches the supervision
    threshold; most problems first. County-level projects belong to no town and are left out."""
    bank = bank or indicator_bank()
    rows = (
        latest_only(evaluations_for_user(user=user))
        .annotate(town=project_town("project__"))
        .filter(town__isnull=False)
        .order_by()
        .values("town")
        .annotate(problems=Sum("problems"), projects=Count("project", distinct=True))
    )
    figures = [(str(r["town"]), int(r["problems"] or 0), int(r["projects"])) for r in rows]
    names = dict(Area.objects.filter(code__in=[code for code, _, _ in figures]).values_list("code", "name"))
    threshold = bank.town_supervision_threshold
    towns = [TownProblems(code, names.get(code) or code, n, p, n >= threshold) for code, n, p in figures]
    return sorted(towns, key=lambda t: (-t.problems, t.code))


def towns_flagged(*, user: Any, bank: IndicatorBank | None = None) -> list[TownProblems]:
    """The towns to put under supervision (挂牌督办)."""
    return [t for t in town_problem_counts(user=user, bank=bank) if t.flagged]


def recent_evaluations(*, user: Any, limit: int = RECENT) -> list[Evaluation]:
    return list(evaluations_for_user(user=user).order_by("-evaluated_on", "-id")[:limit])


def project_evaluation_latest(*, project: Project) -> dict[str, Any] | None:
    """For the project page: the project's latest evaluation (score, date, bank) and its problems; None when it
    has not been evaluated. The caller has checked that the user sees the project."""
    evaluation = _with_items(Evaluation.objects.filter(project=project).order_by("-evaluated_on", "-id")).first()
    if evaluation is None:
        return None
    return {
        "evaluation": evaluation,
        "score": evaluation.score,
        "max_score": evaluation.max_score,
        "on": evaluation.evaluated_on,
        "problems": problems_of(evaluation),
        "count": Evaluation.objects.filter(project=project).count(),
    }
