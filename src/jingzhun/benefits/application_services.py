"""Writes to benefit applications (一窗受理): taken at the window, decided and paid by the department that owns
the benefit, withdrawn by the window while still waiting.

The procedure is a table (:data:`WORKFLOW`, on :mod:`jingzhun.core.workflow`)::

    受理 (submit: county, town) ─┬─ 批准 (decide: department) ── 已发放 (pay: department)
                                 ├─ 不予批准 (decide, not passed, with a reason)
                                 └─ 撤回 (withdraw: county, town)

Each step is one transaction that writes an :class:`~.models.ApplicationStep` row (never changed afterwards)
and raises the application's ``version``; a step must name the version its page showed, so a decision taken on
an older page is refused (:class:`ApplicationStale`). The decision and the payment are for the clerks of the
benefit's department only (the county window takes applications, the department decides them); every step
checks the household lies in the user's area. Dates lie between the previous step's date and today. Paying
records the payment through :func:`~.payment_services.payment_record` (``source = application``), which adds it
to the household's income of its year once; a payment already recorded for the same key is refused with that
service's words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import account_of, household_in_scope
from jingzhun.core.workflow import StepRule, Workflow
from jingzhun.registry.models import Household
from jingzhun.registry.vocab import MemberStatus

from .catalogue import Benefit, Catalogue
from .models import Application, ApplicationStage, ApplicationStep, PaymentSource
from .payment_services import MAX_AMOUNT, PaymentRefused, payment_record
from .selectors import catalogue_in_force

Stage = ApplicationStage

STAGE_TEXT: dict[str, str] = {
    Stage.SUBMITTED: "已受理",
    Stage.APPROVED: "已批准",
    Stage.REFUSED: "不予批准",
    Stage.PAID: "已发放",
    Stage.WITHDRAWN: "已撤回",
}
ROLE_TEXT: dict[str, str] = {Role.COUNTY: "县级窗口", Role.TOWN: "乡镇窗口", Role.DEPARTMENT: "主管部门"}
WINDOW = frozenset({Role.COUNTY, Role.TOWN})
DEPARTMENT = frozenset({Role.DEPARTMENT})
OPEN = (Stage.SUBMITTED, Stage.APPROVED)  # an application still waiting for someone
CLOSED = (Stage.REFUSED, Stage.PAID, Stage.WITHDRAWN)

WORKFLOW = Workflow(
    (
        StepRule("submit", "受理", (), Stage.SUBMITTED, WINDOW),
        StepRule(
            "decide", "审批", (Stage.SUBMITTED,), Stage.APPROVED, DEPARTMENT, refusable=True, refused_to=Stage.REFUSED
        ),
        StepRule("pay", "发放", (Stage.APPROVED,), Stage.PAID, DEPARTMENT),
        StepRule("withdraw", "撤回", (Stage.SUBMITTED,), Stage.WITHDRAWN, WINDOW),
    ),
    stage_text=STAGE_TEXT,
    role_text=ROLE_TEXT,
)
NOTE_MAX = 2000
EARLIEST_YEAR = 2013


class ApplicationRefused(Exception):
    """A step that cannot be taken; the message says why, in Chinese."""


class ApplicationStale(ApplicationRefused):
    """The application changed since the user's page was loaded."""


def _actor(user: Any) -> str:
    return str(user.get_username()) if getattr(user, "pk", None) else "命令行"


def _rule(action: str) -> StepRule:
    return WORKFLOW.steps[action]


def _check_role(user: Any, rule: StepRule) -> None:
    problem = WORKFLOW.role_problem(rule, getattr(user, "role", ""))
    if problem:
        raise PermissionDenied(problem)
    capability = Capability.TAKE_APPLICATIONS if rule.roles == WINDOW else Capability.DECIDE_APPLICATIONS
    if not user_can(user, capability):
        raise PermissionDenied(f"您的账号不能办理「{rule.label}」。")


def _check_household(user: Any, household: Household) -> None:
    if not household_in_scope(user, household):
        raise PermissionDenied(f"户 {household.household_no} 不在您的管辖区域内。")


def department_may_decide(*, user: Any, application: Application) -> bool:
    """Whether ``user`` is a clerk of the department that owns the application's benefit."""
    return (
        getattr(user, "role", "") == Role.DEPARTMENT
        and user_can(user, Capability.DECIDE_APPLICATIONS)
        and bool(getattr(user, "department", ""))
        and user.department == application.department
    )


def _check_department(user: Any, application: Application, rule: StepRule) -> None:
    if not department_may_decide(user=user, application=application):
        owner = catalogue_in_force().department_name(application.department)
        raise PermissionDenied(f"「{application.benefit_name}」由{owner}{rule.label}，您所在部门不能办理。")


def _check_date(on: dt.date, *, today: dt.date, not_before: dt.date | None, what: str) -> None:
    problem = record_date_problem(on, what=f"「{what}」的日期", today=today)
    if problem:
        raise ApplicationRefused(problem + "。")
    if not_before is not None and on < not_before:
        raise ApplicationRefused(f"「{what}」的日期 {on:%Y-%m-%d} 早于上一环节的日期 {not_before:%Y-%m-%d}。")


def _check_amount(amount: Decimal, *, positive: bool) -> None:
    low_ok = amount > 0 if positive else amount >= 0
    if not low_ok or amount > MAX_AMOUNT:
        raise ApplicationRefused(f"金额应{'大于' if positive else '不小于'} 0 且不超过 {MAX_AMOUNT:,.0f} 元。")
    if amount != amount.quantize(Decimal("0.01")):
        raise ApplicationRefused("金额最多两位小数（分）。")


def _note(text: str) -> str:
    text = text.strip()
    if len(text) > NOTE_MAX:
        raise ApplicationRefused(f"说明不能超过 {NOTE_MAX} 字。")
    return text


def _benefit(code: str, catalogue: Catalogue) -> Benefit:
    benefit = catalogue.get(code)
    if benefit is None:
        raise ApplicationRefused(f"政策目录中没有代码为「{code}」的政策。")
    return benefit


# --- 受理 ------------------------------------------------------------------------------------------------------


@transaction.atomic
def application_submit(
    *,
    user: Any,
    household: Household,
    benefit_code: str,
    member: Any,
    year: int,
    amount: Decimal,
    documents: Sequence[str] = (),
    note: str = "",
    submitted_on: dt.date | None = None,
    catalogue: Catalogue | None = None,
    today: dt.date | None = None,
) -> Application:
    """Take an application at the window for any benefit of the catalogue, routed to the benefit's department.

    Refused: a user who is not a window (county, town) or a household outside its area (``PermissionDenied``);
    a member benefit without a member of the household (or a household benefit with one), a year outside
    2013 .. next year, an amount outside 0 .. 100 万, documents not in the benefit's list, a date outside the
    record window, and a second open application (受理 or 批准) for the same benefit, member and year."""
    today = today or timezone.localdate()
    submitted_on = submitted_on or today
    catalogue = catalogue or catalogue_in_force()
    rule = _rule("submit")
    _check_role(user, rule)
    _check_household(user, household)
    benefit = _benefit(benefit_code, catalogue)
    if benefit.per_member and member is None:
        raise ApplicationRefused(f"「{benefit.name}」按成员享受，须选择申请的成员。")
    if not benefit.per_member and member is not None:
        raise ApplicationRefused(f"「{benefit.name}」按户享受，不选成员。")
    if member is not None:
        if member.household_id != household.pk:
            raise ApplicationRefused("该成员不属于这一户。")
        if member.status != MemberStatus.ACTIVE:
            raise ApplicationRefused(f"成员 {member.name} 已不在户（{member.get_status_display()}），不能申请。")
    if not EARLIEST_YEAR <= year <= today.year + 1:
        raise ApplicationRefused(f"政策年度应在 {EARLIEST_YEAR} 至 {today.year + 1} 年之间。")
    _check_amount(amount, positive=False)
    unknown = [d for d in documents if d not in benefit.documents]
    if unknown:
        raise ApplicationRefused(f"「{benefit.name}」所需材料中没有：{'、'.join(unknown)}。")
    _check_date(submitted_on, today=today, not_before=None, what=rule.label)
    note = _note(note)
    # The household row is locked so two windows taking the same application at once do not both pass the check.
    Household.objects.select_for_update().filter(pk=household.pk).first()
    duplicate = (
        Application.objects.filter(household=household, benefit=benefit.code, member=member, year=year, stage__in=OPEN)
        .order_by("id")
        .first()
    )
    if duplicate is not None:
        raise ApplicationRefused(
            f"该{'成员' if member is not None else '户'} {year} 年的「{benefit.name}」已有申请在办"
            f"（第 {duplicate.pk} 号，{STAGE_TEXT[duplicate.stage]}），不能重复受理。"
        )
    application = Application.objects.create(
        benefit=benefit.code,
        benefit_name=benefit.name,
        department=benefit.department,
        household=household,
        member=member,
        year=year,
        amount=amount,
        documents=[d for d in benefit.documents if d in documents],
        note=note,
        submitted_on=submitted_on,
        created_by=account_of(user),
    )
    ApplicationStep.objects.create(
        application=application,
        action=rule.action,
        from_stage="",
        to_stage=Stage.SUBMITTED,
        on=submitted_on,
        by=account_of(user),
        actor=_actor(user),
        note=note,
        data={"amount": str(amount), "documents": application.documents, "department": benefit.department},
    )
    return application


# --- the steps after 受理 -------------------------------------------------------------------------------------


def _locked(application_id: int, user: Any, rule: StepRule, expected_version: int) -> Application:
    """The application, locked, after the checks every step shares: role, area, department, version, order."""
    _check_role(user, rule)
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("household", "member")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise ApplicationRefused("申请不存在。")
    _check_household(user, application.household)
    if rule.roles == DEPARTMENT:
        _check_department(user, application, rule)
    if application.version != expected_version:
        raise ApplicationStale(f"该申请已被他人办理（当前环节：{STAGE_TEXT[application.stage]}），请刷新页面后再办理。")
    problem = WORKFLOW.order_problem(rule, application.stage)
    if problem:
        raise ApplicationRefused(problem)
    return application


def _last_date(application: Application) -> dt.date | None:
    return application.steps.order_by("-on", "-id").values_list("on", flat=True).first()


def _advance(
    application: Application,
    *,
    user: Any,
    rule: StepRule,
    to_stage: str,
    expected_version: int,
    on: dt.date,
    note: str,
    data: dict[str, Any],
    **fields: Any,
) -> Application:
    changed = Application.objects.filter(pk=application.pk, version=expected_version).update(
        stage=to_stage, version=F("version") + 1, **fields
    )
    if changed != 1:  # SQLite has no row locks: the stale write is refused here
        raise ApplicationStale("该申请已被他人办理，请刷新页面后再办理。")
    ApplicationStep.objects.create(
        application=application,
        action=rule.action,
        from_stage=application.stage,
        to_stage=to_stage,
        on=on,
        by=account_of(user),
        actor=_actor(user),
        note=note,
        data=data,
    )
    application.refresh_from_db()
    return application


@transaction.atomic
def application_decide(
    *,
    user: Any,
    application_id: int,
    expected_version: int,
    approve: bool,
    decided_on: dt.date,
    reason: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> Application:
    """批准 or 不予批准 (with ``reason``) by a clerk of the department that owns the benefit."""
    today = today or timezone.localdate()
    rule = _rule("decide")
    application = _locked(application_id, user, rule, expected_version)
    label = "批准" if approve else "不予批准"
    _check_date(decided_on, today=today, not_before=_last_date(application), what=label)
    reason = _note(reason)
    if not approve and not reason:
        raise ApplicationRefused("不予批准须填写理由。")
    data: dict[str, Any] = {"passed": approve}
    if not approve:
        data["reason"] = reason
    return _advance(
        application,
        user=user,
        rule=rule,
        to_stage=rule.to if approve else rule.refused_to,
        expected_version=expected_version,
        on=decided_on,
        note=_note(note),
        data=data,
        decided_on=decided_on,
        refusal_reason="" if approve else reason,
    )


@transaction.atomic
def application_pay(
    *,
    user: Any,
    application_id: int,
    expected_version: int,
    paid_on: dt.date,
    amount: Decimal,
    note: str = "",
    today: dt.date | None = None,
) -> Application:
    """已发放: the department clerk records the payment (date, amount), which is added to the household's income
    once; a payment already recorded for the same benefit, household, member and date is refused."""
    today = today or timezone.localdate()
    rule = _rule("pay")
    application = _locked(application_id, user, rule, expected_version)
    _check_date(paid_on, today=today, not_before=_last_date(application), what=rule.label)
    _check_amount(amount, positive=True)
    note = _note(note)
    try:
        payment = payment_record(
            user=user,
            benefit_code=application.benefit,
            household=application.household,
            member=application.member,
            amount=amount,
            paid_on=paid_on,
            source=PaymentSource.APPLICATION,
            today=today,
        )
    except PaymentRefused as refused:
        raise ApplicationRefused(str(refused)) from None
    return _advance(
        application,
        user=user,
        rule=rule,
        to_stage=rule.to,
        expected_version=expected_version,
        on=paid_on,
        note=note,
        data={"amount": str(amount), "payment": payment.pk},
        paid_on=paid_on,
        payment=payment,
    )


@transaction.atomic
def application_withdraw(
    *,
    user: Any,
    application_id: int,
    expected_version: int,
    withdrawn_on: dt.date,
    note: str = "",
    today: dt.date | None = None,
) -> Application:
    """撤回: the window withdraws an application still waiting for the department's decision."""
    today = today or timezone.localdate()
    rule = _rule("withdraw")
    application = _locked(application_id, user, rule, expected_version)
    _check_date(withdrawn_on, today=today, not_before=_last_date(application), what=rule.label)
    return _advance(
        application,
        user=user,
        rule=rule,
        to_stage=rule.to,
        expected_version=expected_version,
        on=withdrawn_on,
        note=_note(note),
        data={},
    )


def next_actions(*, user: Any, application: Application) -> list[str]:
    """The steps ``user`` may take on ``application`` now (for the page's forms; the services check again)."""
    actions = []
    for rule in WORKFLOW.next_steps(application.stage):
        if WORKFLOW.role_problem(rule, getattr(user, "role", "")):
            continue
        if not household_in_scope(user, application.household):
            continue
        if rule.roles == DEPARTMENT and not department_may_decide(user=user, application=application):
            continue
        if rule.roles == WINDOW and not user_can(user, Capability.TAKE_APPLICATIONS):
            continue
        actions.append(rule.action)
    return actions
