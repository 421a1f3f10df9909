"""Writes to the project library and the assets (项目库, 资产管理): one function per action, each in one
transaction, each checking the user's capability and area before anything is written and refusing in Chinese.

The lifecycle 申报 → 立项 → 开工 → 完工 → 验收 → 运营 (or 终止 before 运营) is a table on the one workflow
machinery of :mod:`jingzhun.core.workflow`. A step is dated, may not be dated before the step before it, and is
kept as a :class:`ProjectStep` that is never changed; an edit of the project's facts is a step too, with the
fields it changed. ``version`` grows with every change, so a form based on an older page is refused.

Funds, dividends, the archive and evaluations have their own modules (``fund_services``, ``dividend_services``,
``archive_services``, ``evaluation_services``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F

from jingzhun.accounts.models import Role
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.areas.models import Area, Level
from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import SYSTEM, account_of, household_in_scope, in_scope
from jingzhun.core.workflow import StepRule, Workflow
from jingzhun.registry.models import Household

from .models import (
    STAGE_DATE_FIELD,
    STAGE_ORDER,
    Asset,
    AssetIncome,
    AssetKind,
    AssetState,
    Beneficiary,
    Project,
    ProjectKind,
    ProjectLevel,
    ProjectStep,
    Share,
    Stage,
)


class ProjectRefused(Exception):
    """A request the rules refuse; the message (Chinese) says why."""


class ProjectStale(ProjectRefused):
    """The record changed since the page was shown."""


STALE = "该记录已被他人修改，请刷新页面后重试。"
LEVEL_OF_AREA = {Level.COUNTY: ProjectLevel.COUNTY, Level.TOWN: ProjectLevel.TOWN, Level.VILLAGE: ProjectLevel.VILLAGE}
STAGE_TEXT: dict[str, str] = dict(Stage.choices)
ROLE_TEXT: dict[str, str] = {Role.COUNTY: "县级", Role.TOWN: "乡镇", "system": "系统"}
OFFICES = frozenset({Role.COUNTY, Role.TOWN, "system"})
COUNTY = frozenset({Role.COUNTY, "system"})
BEFORE_OPERATION = (Stage.DECLARED, Stage.APPROVED, Stage.STARTED, Stage.COMPLETED, Stage.ACCEPTED)
# Assets are formed by completed projects (完工 and after).
ASSET_STAGES = (Stage.COMPLETED, Stage.ACCEPTED, Stage.OPERATING)

LIFECYCLE = Workflow(
    [
        StepRule("approve", "立项", (Stage.DECLARED,), Stage.APPROVED, COUNTY),
        StepRule("start", "开工", (Stage.APPROVED,), Stage.STARTED, OFFICES),
        StepRule("complete", "完工", (Stage.STARTED,), Stage.COMPLETED, OFFICES),
        StepRule("accept", "验收", (Stage.COMPLETED,), Stage.ACCEPTED, OFFICES),
        StepRule("operate", "运营", (Stage.ACCEPTED,), Stage.OPERATING, OFFICES),
        StepRule("terminate", "终止", BEFORE_OPERATION, Stage.TERMINATED, COUNTY),
    ],
    stage_text=STAGE_TEXT,
    role_text=ROLE_TEXT,
)
ACTION_OF_STAGE = {rule.to: rule.action for rule in LIFECYCLE.steps.values()}


@dataclass
class ProjectInput:
    """The facts of a project a form or an import gives (the stage moves only by :func:`project_step`)."""

    name: str
    kind: str
    level: str
    area_code: str
    year: int
    planned_investment: Decimal
    responsible_unit: str = ""
    operator: str = ""
    description: str = ""


@dataclass
class AssetInput:
    code: str
    name: str
    kind: str
    value: Decimal
    formed_on: dt.date
    owner: str
    state: str = AssetState.IN_USE
    operator: str = ""
    operating_mode: str = ""
    contract_no: str = ""
    contract_start: dt.date | None = None
    contract_end: dt.date | None = None
    income_beneficiary: str = ""
    income_method: str = ""
    supervisor: str = ""
    published_at: str = ""


def _role(user: Any) -> str:
    return "system" if user is SYSTEM else getattr(user, "role", "")


def _actor(user: Any) -> str:
    return "system" if user is SYSTEM else user.get_username()


def _may(user: Any, capability: Capability) -> bool:
    return user is SYSTEM or user_can(user, capability)


def _check_manager(user: Any, project: Project | None = None, area_code: str | None = None) -> None:
    if not _may(user, Capability.MANAGE_PROJECTS):
        raise PermissionDenied("当前账号无权维护项目。")
    code = project.area_id if project is not None else area_code
    if not in_scope(user, code):
        raise PermissionDenied("该项目不在您的管辖范围内（县级、乡镇级项目由其所属县、乡镇维护）。")


def _check_version(project_or_asset: Project | Asset, version: int | None) -> None:
    if version is not None and version != project_or_asset.version:
        raise ProjectStale(STALE)


def _area(values: ProjectInput) -> Area:
    area = Area.objects.filter(code=values.area_code).first()
    if area is None:
        raise ProjectRefused(f"区划代码 {values.area_code} 不存在。")
    expected = LEVEL_OF_AREA.get(Level(area.level))
    if expected != values.level:
        level_text = dict(ProjectLevel.choices).get(values.level, values.level)
        raise ProjectRefused(f"项目级别为「{level_text}」，但区划 {area.name}（{area.code}）不是该级别的区划。")
    return area


def _check_values(values: ProjectInput) -> None:
    if not values.name.strip():
        raise ProjectRefused("项目名称不能为空。")
    if values.kind not in ProjectKind.values:
        raise ProjectRefused(f"项目类型「{values.kind}」无效。")
    if values.level not in ProjectLevel.values:
        raise ProjectRefused(f"项目级别「{values.level}」无效。")
    if not 2013 <= values.year <= 2099:
        raise ProjectRefused(f"年度 {values.year} 无效：应为 2013 至 2099 年。")
    if values.planned_investment < 0:
        raise ProjectRefused("计划投资不能为负数。")


@transaction.atomic
def project_create(*, code: str, values: ProjectInput, user: Any, on: dt.date) -> Project:
    """A project declared (申报) on ``on``, in the user's area."""
    code = code.strip()
    if not code:
        raise ProjectRefused("项目编号不能为空。")
    _check_values(values)
    _check_manager(user, area_code=values.area_code)
    area = _area(values)
    if problem := record_date_problem(on, what="申报日期"):
        raise ProjectRefused(problem)
    if Project.objects.filter(code=code).exists():
        raise ProjectRefused(f"项目编号 {code} 已存在。")
    try:
        with transaction.atomic():
            project = Project.objects.create(
                code=code,
                name=values.name.strip(),
                kind=values.kind,
                level=values.level,
                area=area,
                year=values.year,
                planned_investment=values.planned_investment,
                responsible_unit=values.responsible_unit.strip(),
                operator=values.operator.strip(),
                description=values.description.strip(),
                stage=Stage.DECLARED,
                declared_on=on,
                created_by=account_of(user),
            )
    except IntegrityError:
        raise ProjectRefused(f"项目编号 {code} 已存在。") from None
    ProjectStep.objects.create(
        project=project, action="declare", to_stage=Stage.DECLARED, on=on, by=account_of(user), actor=_actor(user)
    )
    return project


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, (Decimal, dt.date)) else value


@transaction.atomic
def project_update(*, project: Project, values: ProjectInput, user: Any, version: int | None, on: dt.date) -> Project:
    """Change a project's facts; the step keeps what changed ({field: [old, new]})."""
    _check_values(values)
    project = Project.objects.select_for_update().get(pk=project.pk)
    _check_manager(user, project)
    _check_manager(user, area_code=values.area_code)
    _check_version(project, version)
    area = _area(values)
    new = {
        "name": values.name.strip(),
        "kind": values.kind,
        "level": values.level,
        "area_id": area.code,
        "year": values.year,
        "planned_investment": values.planned_investment,
        "responsible_unit": values.responsible_unit.strip(),
        "operator": values.operator.strip(),
        "description": values.description.strip(),
    }
    if project.stage == Stage.OPERATING and not new["operator"]:
        raise ProjectRefused("运营中的项目须填写运营主体。")
    changed = {
        name: [_text(getattr(project, name)), _text(value)]
        for name, value in new.items()
        if getattr(project, name) != value
    }
    if not changed:
        return project
    for name, value in new.items():
        setattr(project, name, value)
    project.version = F("version") + 1
    project.save()
    ProjectStep.objects.create(
        project=project,
        action="edit",
        from_stage=project.stage,
        to_stage=project.stage,
        on=on,
        by=account_of(user),
        actor=_actor(user),
        data={"changed": changed},
    )
    project.refresh_from_db()
    return project


def _last_stage_date(project: Project) -> dt.date | None:
    dates = [getattr(project, STAGE_DATE_FIELD[stage]) for stage in STAGE_ORDER]
    return max((d for d in dates if d), default=None)


@transaction.atomic
def project_step(
    *, project: Project, action: str, on: dt.date, user: Any, version: int | None, note: str = "", operator: str = ""
) -> Project:
    """Move a project to its next stage (or terminate it) on ``on``."""
    rule = LIFECYCLE.rule(action)
    if rule is None:
        raise ProjectRefused(f"未知的项目环节「{action}」。")
    project = Project.objects.select_for_update().get(pk=project.pk)
    _check_manager(user, project)
    _check_version(project, version)
    if problem := LIFECYCLE.order_problem(rule, project.stage):
        raise ProjectRefused(problem)
    if problem := LIFECYCLE.role_problem(rule, _role(user)):
        raise PermissionDenied(problem)
    if problem := record_date_problem(on, what=f"{rule.label}日期"):
        raise ProjectRefused(problem)
    last = _last_stage_date(project)
    if last and on < last:
        raise ProjectRefused(f"{rule.label}日期 {on:%Y-%m-%d} 早于上一环节的日期 {last:%Y-%m-%d}。")
    if rule.to == Stage.TERMINATED and not note.strip():
        raise ProjectRefused("终止项目须说明原因。")
    operator = operator.strip() or project.operator
    if rule.to == Stage.OPERATING and not operator:
        raise ProjectRefused("项目进入运营须填写运营主体。")
    from_stage = project.stage
    setattr(project, STAGE_DATE_FIELD[rule.to], on)
    project.stage = rule.to
    project.operator = operator
    project.version = F("version") + 1
    project.save()
    ProjectStep.objects.create(
        project=project,
        action=rule.action,
        from_stage=from_stage,
        to_stage=rule.to,
        on=on,
        by=account_of(user),
        actor=_actor(user),
        note=note.strip(),
    )
    project.refresh_from_db()
    return project


# --- beneficiary households -------------------------------------------------------------------------------------

WAY_FIELDS = ("by_dividend", "by_work", "by_land", "by_other")


@transaction.atomic
def beneficiary_set(
    *,
    project: Project,
    household: Household,
    ways: set[str],
    user: Any,
    refused_post: bool = False,
    refusal_reason: str = "",
) -> Beneficiary:
    """Add a household to a project's beneficiaries, or change how it benefits."""
    _check_manager(user, project)
    if not household_in_scope(user, household):
        raise PermissionDenied("该户不在您的管辖范围内。")
    if not ways or not ways <= set(WAY_FIELDS):
        raise ProjectRefused("请至少选择一种受益方式（分红、务工、土地流转、其他）。")
    refusal_reason = refusal_reason.strip()
    if refused_post and not refusal_reason:
        raise ProjectRefused("拒绝岗位的受益户须填写拒绝原因。")
    values: dict[str, Any] = {name: name in ways for name in WAY_FIELDS}
    values |= {"refused_post": refused_post, "refusal_reason": refusal_reason if refused_post else ""}
    row, _created = Beneficiary.objects.update_or_create(project=project, household=household, defaults=values)
    return row


@transaction.atomic
def beneficiary_remove(*, project: Project, household: Household, user: Any) -> None:
    _check_manager(user, project)
    if not household_in_scope(user, household):
        raise PermissionDenied("该户不在您的管辖范围内。")
    if Share.objects.filter(distribution__project=project, household=household).exists():
        raise ProjectRefused("该户已列入本项目已批准的分红方案，不能移出受益户。")
    Beneficiary.objects.filter(project=project, household=household).delete()


# --- assets (4+1) -----------------------------------------------------------------------------------------------


def _check_asset(values: AssetInput) -> None:
    if not values.code.strip() or not values.name.strip():
        raise ProjectRefused("资产编号和资产名称不能为空。")
    if values.kind not in AssetKind.values:
        raise ProjectRefused(f"资产类型「{values.kind}」无效。")
    if values.state not in AssetState.values:
        raise ProjectRefused(f"资产状态「{values.state}」无效。")
    if values.value < 0:
        raise ProjectRefused("资产原值不能为负数。")
    if not values.owner.strip():
        raise ProjectRefused("须写明资产的所有权人（所有权）。")
    if problem := record_date_problem(values.formed_on, what="资产形成日期"):
        raise ProjectRefused(problem)
    if values.contract_start and values.contract_end and values.contract_end < values.contract_start:
        raise ProjectRefused("承包（经营）合同的截止日期早于起始日期。")
    if values.contract_no.strip() and not values.operator.strip():
        raise ProjectRefused("填写了经营合同的资产须写明经营主体（经营权）。")


def _asset_fields(values: AssetInput) -> dict[str, Any]:
    return {
        f.name: (
            getattr(values, f.name).strip() if isinstance(getattr(values, f.name), str) else getattr(values, f.name)
        )
        for f in fields(values)
    }


@transaction.atomic
def asset_create(*, project: Project, values: AssetInput, user: Any) -> Asset:
    """An asset a completed project formed (完工, 验收 or 运营), with its four rights."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    _check_manager(user, project)
    if project.stage not in ASSET_STAGES:
        raise ProjectRefused(f"项目当前为「{STAGE_TEXT[project.stage]}」，完工后才能登记其形成的资产。")
    _check_asset(values)
    if Asset.objects.filter(code=values.code.strip()).exists():
        raise ProjectRefused(f"资产编号 {values.code.strip()} 已存在。")
    return Asset.objects.create(project=project, **_asset_fields(values))


@transaction.atomic
def asset_update(*, asset: Asset, values: AssetInput, user: Any, version: int | None) -> Asset:
    asset = Asset.objects.select_for_update().select_related("project").get(pk=asset.pk)
    _check_manager(user, asset.project)
    _check_version(asset, version)
    _check_asset(values)
    new = _asset_fields(values)
    if new["code"] != asset.code and Asset.objects.filter(code=new["code"]).exists():
        raise ProjectRefused(f"资产编号 {new['code']} 已存在。")
    for name, value in new.items():
        setattr(asset, name, value)
    asset.version = F("version") + 1
    asset.save()
    asset.refresh_from_db()
    return asset


@transaction.atomic
def asset_income_record(
    *,
    asset: Asset,
    period_start: dt.date,
    period_end: dt.date,
    amount: Decimal,
    received_on: dt.date,
    user: Any,
    note: str = "",
) -> AssetIncome:
    """The income an asset brought in one period; a period is recorded once."""
    asset = Asset.objects.select_for_update().select_related("project").get(pk=asset.pk)
    _check_manager(user, asset.project)
    if amount < 0:
        raise ProjectRefused("收益金额不能为负数。")
    if period_end < period_start:
        raise ProjectRefused("收益期间的截止日期早于起始日期。")
    if period_start.year != period_end.year:
        raise ProjectRefused("一条收益记录的期间应在同一年度内（按年、半年、季度或月登记）。")
    if problem := record_date_problem(received_on, what="收益到账日期"):
        raise ProjectRefused(problem)
    if received_on < period_start:
        raise ProjectRefused("收益到账日期早于收益期间。")
    overlap = AssetIncome.objects.filter(asset=asset, period_start__lte=period_end, period_end__gte=period_start)
    if clash := overlap.first():
        raise ProjectRefused(
            f"该资产 {clash.period_start:%Y-%m-%d} 至 {clash.period_end:%Y-%m-%d} 的收益已登记，期间不能重叠。"
        )
    return AssetIncome.objects.create(
        asset=asset,
        year=period_start.year,
        period_start=period_start,
        period_end=period_end,
        amount=amount,
        received_on=received_on,
        note=note.strip(),
        by=account_of(user),
    )
