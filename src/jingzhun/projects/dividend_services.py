"""Writes of differentiated dividends (docs/RULES.md §9): approving a project's distribution for a year, and
recording that it was paid. Each in one transaction, refused with a Chinese reason before anything is written.

Approval stores the :class:`Distribution` and its :class:`Share` rows with one ``INSERT … SELECT`` of the
statement the preview runs (``dividend_selectors.shares_sql``), then adds each share to the household's
资产收益分红 income of the year through the registry's set-based service, with its field history, so the next
assessment counts it and the household record shows it. A distribution is approved once per project and year:
approving the same income again returns the one approved and writes nothing; another income is refused.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import SYSTEM, account_of
from jingzhun.core.sql import q
from jingzhun.registry import services as registry

from .dividend_selectors import DividendRefused, computation_for, may_approve, shares_sql
from .models import Distribution, DistributionStage, Project, Share

__all__ = ["DividendRefused", "distribution_approve", "distribution_pay"]


def _check(user: Any, project: Project) -> None:
    if user is SYSTEM:
        return
    if not may_approve(user=user, project=project):
        raise PermissionDenied("只有项目所在县的县级用户可以批准和发放差异化分红。")


@transaction.atomic
def distribution_approve(
    *, user: Any, project: Project, year: int, income: Decimal, today: dt.date | None = None
) -> tuple[Distribution, bool]:
    """Approve the distribution of ``income`` of ``project`` for ``year``: ``(distribution, created)``.

    The same project, year and income approved before: the existing distribution, nothing written. Another
    income for an approved project and year: refused, naming the amount approved."""
    _check(user, project)
    Project.objects.select_for_update().filter(pk=project.pk).first()  # one approval of a project at a time
    existing = Distribution.objects.filter(project=project, year=year).first()
    if existing is not None:
        if existing.income == income:
            return existing, False
        raise DividendRefused(
            f"项目 {project.code} {year} 年的分红已于 {existing.approved_on:%Y-%m-%d} 批准，项目收益 "
            f"{existing.income} 元（可分红 {existing.distributable} 元），不能按 {income} 元再次批准。"
        )
    computation = computation_for(project=project, year=year, income=income)
    try:
        with transaction.atomic():
            distribution = Distribution.objects.create(
                project=project,
                year=year,
                income=income,
                ratio=computation.rules.ratio,
                distributable=computation.distributable,
                pack=computation.rules.pack,
                run=computation.run,
                households=computation.households,
                weight_total=Decimal(computation.weight_total) / 100,
                stage=DistributionStage.APPROVED,
                approved_on=today or timezone.localdate(),
                approved_by=account_of(user),
            )
    except IntegrityError:  # approved meanwhile by someone else
        raise DividendRefused(f"项目 {project.code} {year} 年的分红刚刚已被批准，请刷新后查看。") from None
    sql, params = shares_sql(computation)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(Share._meta.db_table)} "
            f"(distribution_id, household_id, household_no, tier, weight, share, reason) "
            f"SELECT %s, s.household_id, s.household_no, s.tier, s.w / 100.0, s.share_cents / 100.0, s.reason "
            f"FROM ({sql}) s",
            [distribution.pk, *params],
        )
    registry.income_add_set(
        year=year,
        field="dividend",
        amounts=Share.objects.filter(distribution=distribution).values("household_id", amount=F("share")),
        user=user,
    )
    return distribution, True


@transaction.atomic
def distribution_pay(
    *, user: Any, distribution: Distribution, on: dt.date, today: dt.date | None = None
) -> Distribution:
    """Record that an approved distribution was paid out on ``on`` (once)."""
    _check(user, distribution.project)
    locked = Distribution.objects.select_for_update().get(pk=distribution.pk)
    if locked.stage == DistributionStage.PAID:
        raise DividendRefused(f"该分红已于 {locked.paid_on:%Y-%m-%d} 登记发放，不能重复登记。")
    problem = record_date_problem(on, what="发放日期", today=today)
    if problem:
        raise DividendRefused(problem + "。")
    if on < locked.approved_on:
        raise DividendRefused(f"发放日期不能早于批准日期（{locked.approved_on:%Y-%m-%d}）。")
    locked.stage = DistributionStage.PAID
    locked.paid_on = on
    locked.paid_by = account_of(user)
    locked.save(update_fields=["stage", "paid_on", "paid_by"])
    return locked
