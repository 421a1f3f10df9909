"""Micro-credit (扶贫小额信贷): a loan to an active member of a household, 5 万 yuan or less, three years or less,
its interest subsidised; its repayments (principal, interest and the interest the government subsidised).

- A new loan: amount above 0 and at most 50,000 yuan, term 1–36 months, ``due_on = issued_on + term`` (calendar
  months), rates not negative and the subsidy rate not above the rate; one contract number per bank.
- A repayment: amounts not negative, something paid, the subsidy not above the interest, the principal repaid
  in all not above the loan; when it reaches the loan, the loan is 已结清 on that date. An interest subsidy is a
  payment of benefit B22 to the household (:func:`.payment_services.payment_record`, ``source=loan``).
- Two clerks recording on the same loan at once: the page carries ``Loan.version`` and an older one is refused.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import SYSTEM, account_of, household_in_scope

from .models import Loan, LoanStatus, PaymentSource, Repayment
from .payment_services import PaymentRefused, payment_benefit_check, payment_record
from .register_common import RegisterRefused, add_months, cents, member_find, register_manage_check
from .selectors import catalogue_in_force

MAX_AMOUNT = Decimal("50000")
MAX_TERM = 36
MAX_RATE = Decimal("24")  # % a year; above it is a typing error
SUBSIDY_BENEFIT = "B22"


def _loan_problem(
    *, bank: str, contract_no: str, amount: Decimal, term_months: int, annual_rate: Decimal, subsidy_rate: Decimal
) -> str:
    if not bank.strip() or not contract_no.strip():
        return "请填写放贷银行和借款合同号"
    if amount <= 0 or amount > MAX_AMOUNT:
        return f"贷款金额应大于 0 且不超过 {MAX_AMOUNT:,.0f} 元（扶贫小额信贷 5 万元以下）"
    if amount != cents(amount):
        return "贷款金额最多两位小数（分）"
    if not 1 <= term_months <= MAX_TERM:
        return f"贷款期限应为 1 至 {MAX_TERM} 个月（3 年以内）"
    if not Decimal(0) <= annual_rate <= MAX_RATE:
        return f"年利率应在 0 至 {MAX_RATE}% 之间"
    if subsidy_rate < 0:
        return "贴息率不能为负数"
    if subsidy_rate > annual_rate:
        return f"贴息率（{subsidy_rate}%）不能高于年利率（{annual_rate}%）"
    return ""


@transaction.atomic
def loan_create(
    *,
    user: Any,
    borrower_id_number: str,
    bank: str,
    contract_no: str,
    amount: Decimal,
    term_months: int,
    annual_rate: Decimal,
    subsidy_rate: Decimal,
    issued_on: dt.date,
    purpose: str = "",
    today: dt.date | None = None,
) -> Loan:
    """Record a loan to the active member with this ID number (a member of a household of the user's area)."""
    register_manage_check(user)
    problem = _loan_problem(
        bank=bank,
        contract_no=contract_no,
        amount=amount,
        term_months=term_months,
        annual_rate=annual_rate,
        subsidy_rate=subsidy_rate,
    ) or record_date_problem(issued_on, what="放款日期", today=today)
    if problem:
        raise RegisterRefused(problem + "。")
    borrower = member_find(user=user, id_number=borrower_id_number)
    try:
        with transaction.atomic():
            return Loan.objects.create(
                household=borrower.household,
                borrower=borrower,
                bank=bank.strip(),
                contract_no=contract_no.strip(),
                amount=amount,
                term_months=term_months,
                annual_rate=annual_rate,
                subsidy_rate=subsidy_rate,
                issued_on=issued_on,
                due_on=add_months(issued_on, term_months),
                purpose=purpose.strip()[:200],
                created_by=account_of(user),
            )
    except IntegrityError:
        raise RegisterRefused(f"{bank.strip()}的借款合同号「{contract_no.strip()}」已登记过，不能重复登记。") from None


def repayment_check(user: Any) -> None:
    """Refuse a user who may not record repayments: the register's keepers, and a clerk of the department that
    pays the interest subsidy."""
    if user is SYSTEM or user_can(user, Capability.MANAGE_BENEFIT_REGISTERS):
        return
    benefit = catalogue_in_force().get(SUBSIDY_BENEFIT)
    if benefit is None or not user_can(user, Capability.RECORD_BENEFIT_PAYMENTS):
        raise PermissionDenied("您的角色不能登记小额信贷还款。")
    payment_benefit_check(user=user, benefit=benefit)


@transaction.atomic
def repayment_record(
    *,
    user: Any,
    loan: Loan,
    version: int,
    paid_on: dt.date,
    principal: Decimal,
    interest: Decimal,
    interest_subsidy: Decimal,
    today: dt.date | None = None,
) -> Repayment:
    """Record a repayment of ``loan`` (a page of an older version is refused); the loan is 已结清 when its
    principal is repaid; an interest subsidy above 0 is paid to the household as benefit B22."""
    repayment_check(user)
    if not household_in_scope(user, loan.household):
        raise PermissionDenied("该笔贷款不在您的管辖区域内。")
    locked = Loan.objects.select_for_update().select_related("household__village").get(pk=loan.pk)
    if locked.version != version:
        raise RegisterRefused("这笔贷款刚被其他人登记过还款，请刷新页面后再登记。")
    if locked.status == LoanStatus.REPAID:
        raise RegisterRefused(f"这笔贷款已于 {locked.repaid_on:%Y-%m-%d} 结清。")
    repaid = locked.repayments.aggregate(s=Sum("principal"))["s"] or Decimal(0)
    problem = record_date_problem(paid_on, what="还款日期", today=today or timezone.localdate())
    if not problem and paid_on < locked.issued_on:
        problem = f"还款日期不能早于放款日期（{locked.issued_on:%Y-%m-%d}）"
    amounts = (principal, interest, interest_subsidy)
    if not problem and any(a < 0 or a != cents(a) for a in amounts):
        problem = "本金、利息和贴息不能为负数，最多两位小数"
    if not problem and not (principal > 0 or interest > 0):
        problem = "本金和利息不能都为 0"
    if not problem and interest_subsidy > interest:
        problem = f"贴息（{interest_subsidy} 元）不能多于利息（{interest} 元）"
    if not problem and repaid + principal > locked.amount:
        problem = f"累计还本将超过贷款金额：已还 {repaid:,.2f} 元，尚欠 {locked.amount - repaid:,.2f} 元"
    if problem:
        raise RegisterRefused(problem + "。")
    repayment = Repayment.objects.create(
        loan=locked,
        paid_on=paid_on,
        principal=principal,
        interest=interest,
        interest_subsidy=interest_subsidy,
        recorded_by=account_of(user),
    )
    if interest_subsidy > 0:
        try:
            payment_record(
                user=user,
                benefit_code=SUBSIDY_BENEFIT,
                household=locked.household,
                member=None,
                amount=interest_subsidy,
                paid_on=paid_on,
                source=PaymentSource.LOAN,
                today=today,
            )
        except PaymentRefused as refused:
            raise RegisterRefused(str(refused)) from None
    fields = ["version"]
    if repaid + principal == locked.amount:
        locked.status, locked.repaid_on = LoanStatus.REPAID, paid_on
        fields += ["status", "repaid_on"]
    locked.version += 1
    locked.save(update_fields=fields)
    return repayment
