"""The evaluation pages (项目评估): the towns with the problems of their projects' latest evaluations (those at
the threshold marked 挂牌督办) and the recent evaluations; a project's evaluations with their problems, each of
which becomes a supervision finding in one click (the button posts to supervision's own page: projects imports
nothing of supervision); the on-site evaluation form; one evaluation in full."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.permissions import Capability, user_can

from . import evaluation_selectors as selectors
from .datafiles import indicator_bank
from .evaluation_forms import EvaluationForm
from .evaluation_services import EvaluationRefused, evaluation_record
from .models import Project
from .selectors import project_editable_by, project_get_for_user

view_projects = capability_required(Capability.VIEW_PROJECTS)


def _finding_rights(user: Any) -> dict[str, bool]:
    return {
        "may_record_findings": user_can(user, Capability.RECORD_FINDINGS),
        "sees_findings": user_can(user, Capability.VIEW_FINDINGS),
    }


def _may_evaluate(user: Any, project: Project) -> bool:
    return user_can(user, Capability.EVALUATE_PROJECTS) and project_editable_by(user=user, project=project)


@require_GET
@view_projects
def evaluation_index(request: HttpRequest) -> HttpResponse:
    bank = indicator_bank()
    towns = selectors.town_problem_counts(user=request.user, bank=bank)
    context = {
        "bank": bank,
        "towns": towns,
        "flagged": sum(1 for t in towns if t.flagged),
        "recent": selectors.recent_evaluations(user=request.user),
    }
    return render(request, "projects/evaluation_index.html", context)


@require_GET
@view_projects
def project_evaluations(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    project = project_get_for_user(user=user, code=code)
    bank = indicator_bank()
    evaluations = [
        {"evaluation": e, "problems": selectors.problems_of(e, bank=bank)}
        for e in selectors.project_evaluations(user=user, project=project)
    ]
    context = {
        "project": project,
        "evaluations": evaluations,
        "may_evaluate": _may_evaluate(user, project),
        **_finding_rights(user),
    }
    return render(request, "projects/evaluation_project.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.EVALUATE_PROJECTS)
def evaluation_new(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    project = project_get_for_user(user=user, code=code)
    if not project_editable_by(user=user, project=project):
        raise PermissionDenied
    bank = indicator_bank()
    form = EvaluationForm(request.POST or None, bank=bank)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                evaluation = evaluation_record(
                    project=project,
                    on=form.cleaned_data["evaluated_on"],
                    scores=form.scores(),
                    note=form.cleaned_data["note"],
                    user=user,
                    bank=bank,
                )
            except (EvaluationRefused, PermissionDenied) as refused:
                error = str(refused)
            else:
                messages.success(
                    request,
                    _("Evaluation recorded: %(score)s points, %(problems)s problems.")
                    % {"score": evaluation.score, "problems": evaluation.problems},
                )
                return redirect("projects:evaluation_detail", evaluation_id=evaluation.pk)
        else:
            error = _("Some scores need correcting; see the marked indicators.")
    context = {"project": project, "bank": bank, "form": form, "error": error}
    return render(request, "projects/evaluation_new.html", context, status=400 if error else 200)


@require_GET
@view_projects
def evaluation_detail(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = selectors.evaluation_get_for_user(user=request.user, evaluation_id=evaluation_id)
    context = {
        "evaluation": evaluation,
        "project": evaluation.project,
        "groups": selectors.evaluation_rows(evaluation),
        **_finding_rights(request.user),
    }
    return render(request, "projects/evaluation_detail.html", context)
