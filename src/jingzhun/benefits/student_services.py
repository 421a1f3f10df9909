"""雨露计划 students: a member of a covered household (RULES.md §12: a status that enjoys the policies, or an open
monitoring case) in secondary or higher vocational school in a year, and the aid paid to them (benefit B01, the
catalogue's amount for that year; ``source=student``), once a year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from jingzhun.core.scope import account_of, household_in_scope
from jingzhun.monitoring.selectors import case_open_for_household

from .catalogue import COVERED_STATUSES, Catalogue
from .models import Payment, PaymentSource, Student, StudentLevel
from .payment_services import PaymentRefused, payment_record
from .register_common import RegisterRefused, member_find, register_manage_check
from .selectors import catalogue_in_force

AID_BENEFIT = "B01"
MAX_GRADE = 5


def household_covered(household: Any) -> bool:
    """Whether the household enjoys the policies: a covered status or an open monitoring case."""
    return household.poverty_status in COVERED_STATUSES or case_open_for_household(household=household) is not None


@transaction.atomic
def student_create(
    *,
    user: Any,
    member_id_number: str,
    school: str,
    major: str,
    level: str,
    year: int,
    grade: int,
    today: dt.date | None = None,
) -> Student:
    """Register a member of a covered household of the user's area as a 雨露计划 student of ``year``; once a year."""
    register_manage_check(user)
    today = today or timezone.localdate()
    problem = ""
    if not school.strip():
        problem = "请填写学校"
    elif level not in StudentLevel.values:
        problem = "就读层次只能是中职或高职"
    elif not 2013 <= year <= today.year + 1:
        problem = f"年度应在 2013 至 {today.year + 1} 年之间"
    elif not 1 <= grade <= MAX_GRADE:
        problem = f"年级应为 1 至 {MAX_GRADE}"
    if problem:
        raise RegisterRefused(problem + "。")
    member = member_find(user=user, id_number=member_id_number)
    if not household_covered(member.household):
        raise RegisterRefused(f"{member.name}所在户不是享受政策对象，也没有在监测的帮扶对象，不能享受雨露计划。")
    try:
        with transaction.atomic():
            return Student.objects.create(
                household=member.household,
                member=member,
                school=school.strip(),
                major=major.strip(),
                level=level,
                year=year,
                grade=grade,
                created_by=account_of(user),
            )
    except IntegrityError:
        raise RegisterRefused(f"{member.name}已登记为 {year} 年的雨露计划学生，每人每年只登记一次。") from None


def student_aid(*, year: int, catalogue: Catalogue | None = None) -> Decimal:
    """The 雨露计划 aid of ``year`` in the catalogue (B01's amount)."""
    benefit = (catalogue or catalogue_in_force()).get(AID_BENEFIT)
    amount = benefit.amount.for_year(year) if benefit is not None else None
    if amount is None:
        raise RegisterRefused(f"政策目录中没有 {year} 年雨露计划的补助金额。")
    return amount


@transaction.atomic
def student_pay(*, user: Any, student: Student, paid_on: dt.date, today: dt.date | None = None) -> Payment:
    """Pay a student the year's aid (B01) to the member; a student already paid for the year is refused."""
    if not household_in_scope(user, student.household):
        raise PermissionDenied("该学生不在您的管辖区域内。")
    locked = Student.objects.select_for_update().select_related("household__village", "member").get(pk=student.pk)
    paid = Payment.objects.filter(benefit=AID_BENEFIT, member=locked.member, year=locked.year).first()
    if paid is not None:
        raise RegisterRefused(f"{locked.member.name} {locked.year} 年的雨露计划补助已于 {paid.paid_on:%Y-%m-%d} 发放。")
    if paid_on.year != locked.year:
        raise RegisterRefused(f"发放日期应在 {locked.year} 年内（补助属于 {locked.year} 年）。")
    try:
        return payment_record(
            user=user,
            benefit_code=AID_BENEFIT,
            household=locked.household,
            member=locked.member,
            amount=student_aid(year=locked.year),
            paid_on=paid_on,
            source=PaymentSource.STUDENT,
            today=today,
        )
    except PaymentRefused as refused:
        raise RegisterRefused(str(refused)) from None
