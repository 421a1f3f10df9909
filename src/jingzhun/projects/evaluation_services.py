"""Writes of project evaluations (项目评估): one review of a project against the indicator bank.

Who: the county office or an inspector (EVALUATE_PROJECTS), for a project of its own area. What: a score for
every indicator of the bank in force, between 0 and the indicator's weight; a score below the weight is a
problem found, and the problem must be written down (it may become a supervision finding). The evaluation and
its items are written in one transaction, with the bank's name and version, so a later edit of the bank does not
change what an old evaluation meant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import SYSTEM, account_of

from .datafiles import CENT, IndicatorBank, indicator_bank
from .models import Evaluation, EvaluationItem, Project
from .selectors import project_editable_by, projects_for_user

PROBLEM_MAX = 1000
NOTE_MAX = 2000

# An indicator's score and the problem found ("" when the score is full).
Score = tuple[Decimal | int | float | str | None, str]


class EvaluationRefused(Exception):
    """An evaluation that cannot be recorded; the message says why, in Chinese (every problem at once)."""


def evaluation_record(
    *,
    project: Project,
    on: dt.date,
    scores: Mapping[str, Score],
    note: str = "",
    user: Any,
    today: dt.date | None = None,
    bank: IndicatorBank | None = None,
) -> Evaluation:
    """Record an evaluation of ``project`` on ``on``: ``scores`` maps each indicator code of the bank to
    ``(score, problem)``. Refused, with every problem named, before anything is written."""
    today = today or timezone.localdate()
    bank = bank or indicator_bank()
    if user is not SYSTEM and not user_can(user, Capability.EVALUATE_PROJECTS):
        raise PermissionDenied("「项目评估」须由县级或督导检查用户办理。")
    visible = projects_for_user(user=user).filter(pk=project.pk).exists()
    if not visible or not project_editable_by(user=user, project=project):
        raise PermissionDenied(f"项目 {project.code} 不在您的管辖区域内，不能评估。")
    problems: list[str] = []
    if date_problem := record_date_problem(on, what="评估日期", today=today):
        problems.append(date_problem)
    note = note.strip()
    if len(note) > NOTE_MAX:
        problems.append(f"评估说明不能超过 {NOTE_MAX} 个字")
    if unknown := sorted(set(scores) - {i.code for i in bank.indicators}):
        problems.append(f"指标 {'、'.join(unknown)} 不在指标库「{bank.label}」中")
    items: list[EvaluationItem] = []
    for indicator in bank.indicators:
        where = f"指标 {indicator.code}（{indicator.text}）"
        if indicator.code not in scores:
            problems.append(f"{where}未评分")
            continue
        raw, problem = scores[indicator.code]
        score = _score(raw)
        problem = (problem or "").strip()
        if score is None:
            problems.append(f"{where}的得分「{raw}」不是数字（最多两位小数）")
            continue
        if not 0 <= score <= indicator.weight:
            problems.append(f"{where}的得分 {score} 应在 0 到 {indicator.weight} 之间")
            continue
        if score < indicator.weight and not problem:
            problems.append(f"{where}得分低于满分 {indicator.weight}，须写明发现的问题")
        elif score == indicator.weight and problem:
            problems.append(f"{where}为满分，不应填写问题（有问题请扣分）")
        elif len(problem) > PROBLEM_MAX:
            problems.append(f"{where}的问题描述不能超过 {PROBLEM_MAX} 个字")
        items.append(EvaluationItem(indicator=indicator.code, score=score, weight=indicator.weight, problem=problem))
    if problems:
        raise EvaluationRefused("；".join(problems) + "。")
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            project=project,
            evaluated_on=on,
            bank=bank.label,
            score=sum((i.score for i in items), Decimal(0)),
            max_score=bank.total,
            problems=sum(1 for i in items if i.problem),
            note=note,
            by=account_of(user),
            actor=getattr(user, "username", "") or "system",
        )
        for item in items:
            item.evaluation = evaluation
        EvaluationItem.objects.bulk_create(items)
    return evaluation


def _score(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        score = Decimal(str(value).strip())
        if not score.is_finite() or score != score.quantize(CENT):
            return None
        return score.quantize(CENT)
    except InvalidOperation:  # not a number, or too many digits to quantize
        return None
