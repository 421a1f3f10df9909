"""Recording benefit payments, the one write every part of the center ends in: a payment at the window, an
application paid, a post's wage, a student's aid, an imported row.

A payment adds its amount to the household's income of its year in the catalogue's column (``income_item``) in
the same transaction, through :func:`registry.services.income_add_set` (set-based, with the field history), so
the next assessment sees it; it is added exactly once, when the payment row is created — a payment already
recorded (same benefit, household, member and date) is refused, and an import skips it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import SYSTEM, account_of, in_scope
from jingzhun.registry import services as registry

from .catalogue import Benefit, Catalogue
from .models import Payment, PaymentSource
from .selectors import catalogue_in_force

MAX_AMOUNT = Decimal("1000000")  # one payment above 100 万 yuan is a typing error, not a benefit


class PaymentRefused(Exception):
    """A payment that cannot be recorded; the message is in Chinese and says why."""


def payment_benefit_check(*, user: Any, benefit: Benefit) -> None:
    """Refuse a user who may not record payments of ``benefit``: the county records any; a department clerk only
    its own department's benefits."""
    if user is SYSTEM:
        return
    if not user_can(user, Capability.RECORD_BENEFIT_PAYMENTS):
        raise PermissionDenied("您的角色不能登记政策发放。")
    if getattr(user, "role", "") == "department" and getattr(user, "department", "") != benefit.department:
        raise PermissionDenied(
            f"「{benefit.name}」由{catalogue_in_force().department_name(benefit.department)}发放，您所在部门不能登记。"
        )


def payment_problem(
    *, benefit: Benefit, household: Any, member: Any, amount: Decimal, paid_on: dt.date, today: dt.date | None = None
) -> str:
    """Why a payment of these values cannot be recorded ("" when it can)."""
    if benefit.per_member and member is None:
        return f"「{benefit.name}」按成员发放，须指明领取的成员（证件号码）"
    if not benefit.per_member and member is not None:
        return f"「{benefit.name}」按户发放，证件号码应留空"
    if member is not None and member.household_id != household.pk:
        return "该成员不属于这一户"
    if amount <= 0 or amount > MAX_AMOUNT:
        return f"金额应大于 0 且不超过 {MAX_AMOUNT:,.0f} 元"
    if amount != amount.quantize(Decimal("0.01")):
        return "金额最多两位小数（分）"
    return record_date_problem(paid_on, what="发放日期", today=today)


def payments_income_add(*, payments: QuerySet[Payment], user: Any) -> int:
    """Add newly recorded payments to their households' incomes, one income item and year at a time; the
    number of (household, item, year) additions. Call it once for the payments just created, inside their
    transaction."""
    changed = 0
    pairs = payments.exclude(income_item="").values_list("year", "income_item").distinct().order_by()
    for year, item in sorted(pairs):
        changed += registry.income_add_set(
            year=year,
            field=item,
            amounts=payments.filter(year=year, income_item=item).values("household_id", "amount"),
            user=user,
        )
    return changed


@transaction.atomic
def payment_record(
    *,
    user: Any,
    benefit_code: str,
    household: Any,
    member: Any,
    amount: Decimal,
    paid_on: dt.date,
    department: str = "",
    source: str = PaymentSource.WINDOW,
    catalogue: Catalogue | None = None,
    today: dt.date | None = None,
) -> Payment:
    """Record one payment and add it to the household's income of its year (once). The household must lie in
    the user's area; the user must be allowed to pay the benefit (:func:`payment_benefit_check`)."""
    catalogue = catalogue or catalogue_in_force()
    benefit = catalogue.get(benefit_code)
    if benefit is None:
        raise PaymentRefused(f"政策目录中没有代码为「{benefit_code}」的政策。")
    payment_benefit_check(user=user, benefit=benefit)
    if not in_scope(user, household.village.code):
        raise PermissionDenied("该户不在您的管辖区域内。")
    problem = payment_problem(
        benefit=benefit, household=household, member=member, amount=amount, paid_on=paid_on, today=today
    )
    if problem:
        raise PaymentRefused(problem + "。")
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                benefit=benefit.code,
                benefit_name=benefit.name,
                household=household,
                member=member,
                member_key=member.id_number if member is not None else "",
                amount=amount,
                paid_on=paid_on,
                year=paid_on.year,
                department=department or catalogue.department_name(benefit.department),
                income_item=benefit.income_item,
                source=source,
                recorded_by=account_of(user),
            )
    except IntegrityError:
        raise PaymentRefused(
            f"{paid_on:%Y-%m-%d} 已登记过这一{'成员' if member is not None else '户'}的「{benefit.name}」发放，"
            "不能重复登记。"
        ) from None
    payments_income_add(payments=Payment.objects.filter(pk=payment.pk), user=user)
    return payment
