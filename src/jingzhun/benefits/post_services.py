"""Public-welfare posts (公益岗位, B20) and ecological ranger posts (生态护林员, B19): a post in a village held by one
member for a period, its monthly attendance and the wage it earned, and the wages paid as benefit payments.

- A post is kept by the county and town offices, in their area; its holder is an active member of a household of
  the post's village; a holder has at most one current post of each kind; a post ends on a date with a reason.
- A month's wage is ``monthly pay × days worked ÷ days required``, half up to the cent.
- A wage is paid once, as a payment of the post's benefit to the holder (:func:`.payment_services.payment_record`,
  ``source=post``), which adds it to the household's wage income of the year once; the attendance row keeps it.
  :func:`posts_month_pay` pays every recorded, unpaid wage of a village's month in one set-based statement.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import account_of, household_in_scope, in_scope

from .catalogue import Catalogue
from .models import Attendance, Payment, PaymentSource, Post
from .payment_services import PaymentRefused, payment_benefit_check, payment_record, payments_income_add
from .register_common import RegisterRefused, cents, member_find, register_manage_check
from .selectors import catalogue_in_force

POST_KINDS = ("B20", "B19")  # the catalogue's codes of the two kinds of post
MAX_MONTHLY_PAY = Decimal("10000")


def post_kind_name(code: str, catalogue: Catalogue | None = None) -> str:
    benefit = (catalogue or catalogue_in_force()).get(code)
    return benefit.name if benefit is not None else code


def _post_values_problem(*, benefit: str, title: str, monthly_pay: Decimal, started_on: dt.date, today: Any) -> str:
    if benefit not in POST_KINDS or catalogue_in_force().get(benefit) is None:
        return "岗位类别只能是乡村公益岗位或生态护林员"
    if not title.strip():
        return "请填写岗位名称"
    if monthly_pay <= 0 or monthly_pay > MAX_MONTHLY_PAY:
        return f"月报酬应大于 0 且不超过 {MAX_MONTHLY_PAY:,.0f} 元"
    if monthly_pay != cents(monthly_pay):
        return "月报酬最多两位小数（分）"
    return record_date_problem(started_on, what="上岗日期", today=today)


def _current_elsewhere(*, holder: Any, benefit: str, today: dt.date, exclude: int | None = None) -> bool:
    posts = Post.objects.filter(holder=holder, benefit=benefit).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=today)
    )
    if exclude is not None:
        posts = posts.exclude(pk=exclude)
    return posts.exists()


@transaction.atomic
def post_create(
    *,
    user: Any,
    benefit: str,
    title: str,
    village: Any,
    holder_id_number: str,
    monthly_pay: Decimal,
    started_on: dt.date,
    today: dt.date | None = None,
) -> Post:
    """A new post in ``village`` held by the active member with this ID number (a member of that village)."""
    register_manage_check(user)
    if not in_scope(user, village.code):
        raise PermissionDenied("该村不在您的管辖区域内。")
    today = today or timezone.localdate()
    problem = _post_values_problem(
        benefit=benefit, title=title, monthly_pay=monthly_pay, started_on=started_on, today=today
    )
    if problem:
        raise RegisterRefused(problem + "。")
    holder = member_find(user=user, id_number=holder_id_number, village=village)
    # The holder's row, locked: two clerks giving the same person a post of the same kind at once wait in turn.
    type(holder).objects.select_for_update().filter(pk=holder.pk).first()
    if _current_elsewhere(holder=holder, benefit=benefit, today=today):
        raise RegisterRefused(f"{holder.name}已有一个在岗的「{post_kind_name(benefit)}」岗位，同类岗位每人只能有一个。")
    return Post.objects.create(
        benefit=benefit,
        title=title.strip(),
        village=village,
        household=holder.household,
        holder=holder,
        monthly_pay=monthly_pay,
        started_on=started_on,
        created_by=account_of(user),
    )


def _post_locked(*, user: Any, post: Post, version: int) -> Post:
    register_manage_check(user)
    if not in_scope(user, post.village_id) or not household_in_scope(user, post.household):
        raise PermissionDenied("该岗位不在您的管辖区域内。")
    locked = Post.objects.select_for_update().get(pk=post.pk)
    if locked.version != version:
        raise RegisterRefused("这一岗位刚被其他人修改过，请刷新页面后再操作。")
    return locked


@transaction.atomic
def post_update(
    *,
    user: Any,
    post: Post,
    version: int,
    title: str,
    monthly_pay: Decimal,
    started_on: dt.date,
    today: dt.date | None = None,
) -> Post:
    """Change a post's name, monthly pay or start date (a page of an older version is refused). Wages already
    recorded keep the pay they were computed with."""
    locked = _post_locked(user=user, post=post, version=version)
    problem = _post_values_problem(
        benefit=locked.benefit, title=title, monthly_pay=monthly_pay, started_on=started_on, today=today
    )
    if not problem and locked.ended_on is not None and started_on > locked.ended_on:
        problem = "上岗日期不能晚于离岗日期"
    first = locked.attendance.order_by("month").values_list("month", flat=True).first()
    if not problem and first is not None and started_on > _month_end(first):
        problem = f"{first:%Y 年 %m 月}已有考勤，上岗日期不能晚于该月"
    if problem:
        raise RegisterRefused(problem + "。")
    locked.title, locked.monthly_pay, locked.started_on = title.strip(), monthly_pay, started_on
    locked.version += 1
    locked.save(update_fields=["title", "monthly_pay", "started_on", "version"])
    return locked


@transaction.atomic
def post_end(
    *, user: Any, post: Post, version: int, ended_on: dt.date, reason: str, today: dt.date | None = None
) -> Post:
    """End a post on ``ended_on`` for ``reason``; no attendance may be recorded after the month it ends in."""
    locked = _post_locked(user=user, post=post, version=version)
    if locked.ended_on is not None:
        raise RegisterRefused(f"这一岗位已于 {locked.ended_on:%Y-%m-%d} 离岗。")
    problem = record_date_problem(ended_on, what="离岗日期", today=today)
    if not problem and ended_on < locked.started_on:
        problem = f"离岗日期不能早于上岗日期（{locked.started_on:%Y-%m-%d}）"
    if not problem and not reason.strip():
        problem = "请填写离岗原因"
    last = locked.attendance.order_by("-month").values_list("month", flat=True).first()
    if not problem and last is not None and last > ended_on:
        problem = f"{last:%Y 年 %m 月}已有考勤，离岗日期不能早于该月"
    if problem:
        raise RegisterRefused(problem + "。")
    locked.ended_on, locked.end_reason = ended_on, reason.strip()[:200]
    locked.version += 1
    locked.save(update_fields=["ended_on", "end_reason", "version"])
    return locked


def _month_end(month: dt.date) -> dt.date:
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def post_wage(*, monthly_pay: Decimal, days_worked: int, days_required: int) -> Decimal:
    """The wage of a month: monthly pay × days worked ÷ days required, half up to the cent."""
    return cents(monthly_pay * days_worked / Decimal(days_required))


@transaction.atomic
def attendance_record(
    *,
    user: Any,
    post: Post,
    month: dt.date,
    days_required: int,
    days_worked: int,
    today: dt.date | None = None,
) -> Attendance:
    """Record (or correct, while unpaid) a post's attendance in a month and the wage it earned."""
    register_manage_check(user)
    if not in_scope(user, post.village_id) or not household_in_scope(user, post.household):
        raise PermissionDenied("该岗位不在您的管辖区域内。")
    today = today or timezone.localdate()
    month = month.replace(day=1)
    post = Post.objects.select_for_update().get(pk=post.pk)
    problem = ""
    if not 1 <= days_required <= 31:
        problem = "应出勤天数应在 1 至 31 天之间"
    elif not 0 <= days_worked <= days_required:
        problem = "实际出勤天数应在 0 至应出勤天数之间"
    elif month > today:
        problem = "不能登记今后月份的考勤"
    elif _month_end(month) < post.started_on:
        problem = f"{month:%Y 年 %m 月}在上岗日期（{post.started_on:%Y-%m-%d}）之前"
    elif post.ended_on is not None and month > post.ended_on:
        problem = f"{month:%Y 年 %m 月}在离岗日期（{post.ended_on:%Y-%m-%d}）之后"
    if problem:
        raise RegisterRefused(problem + "。")
    wage = post_wage(monthly_pay=post.monthly_pay, days_worked=days_worked, days_required=days_required)
    existing = Attendance.objects.filter(post=post, month=month).first()
    if existing is not None:
        if existing.payment_id is not None:
            raise RegisterRefused(f"{month:%Y 年 %m 月}的工资已发放，考勤不能再改。")
        existing.days_required, existing.days_worked, existing.wage = days_required, days_worked, wage
        existing.recorded_by = account_of(user)
        existing.save(update_fields=["days_required", "days_worked", "wage", "recorded_by"])
        return existing
    return Attendance.objects.create(
        post=post,
        month=month,
        days_required=days_required,
        days_worked=days_worked,
        wage=wage,
        recorded_by=account_of(user),
    )


@transaction.atomic
def attendance_pay(*, user: Any, attendance: Attendance, paid_on: dt.date, today: dt.date | None = None) -> Payment:
    """Pay a month's wage: a payment of the post's benefit to the holder, added to the household's wage income
    once; a wage already paid is refused."""
    locked = Attendance.objects.select_for_update().select_related("post__household__village", "post__holder")
    row = locked.get(pk=attendance.pk)
    if row.payment_id is not None:
        raise RegisterRefused(f"{row.month:%Y 年 %m 月}的工资已经发放，不能重复发放。")
    if row.wage <= 0:
        raise RegisterRefused(f"{row.month:%Y 年 %m 月}没有出勤，工资为 0，无须发放。")
    if paid_on < row.month:
        raise RegisterRefused(f"发放日期不能早于考勤月份（{row.month:%Y 年 %m 月}）。")
    try:
        payment = payment_record(
            user=user,
            benefit_code=row.post.benefit,
            household=row.post.household,
            member=row.post.holder,
            amount=row.wage,
            paid_on=paid_on,
            source=PaymentSource.POST,
            today=today,
        )
    except PaymentRefused as refused:
        raise RegisterRefused(str(refused)) from None
    row.payment = payment
    row.save(update_fields=["payment"])
    return payment


@transaction.atomic
def posts_month_pay(
    *, user: Any, village: Any, month: dt.date, paid_on: dt.date, today: dt.date | None = None
) -> dict[str, int]:
    """Pay every recorded, unpaid wage of ``village``'s posts for ``month`` on ``paid_on``, set-based: one insert of
    the payments, one update linking them to their attendance, one addition to the incomes. Paying the month
    again pays nothing more. A department clerk pays its department's kinds of post only. ``paid``: wages paid;
    ``skipped``: wages left unpaid because the holder already has a payment of that benefit on that date."""
    if not in_scope(user, village.code):
        raise PermissionDenied("该村不在您的管辖区域内。")
    catalogue = catalogue_in_force()
    kinds = []
    for code in POST_KINDS:
        benefit = catalogue.get(code)
        if benefit is None:
            continue
        try:
            payment_benefit_check(user=user, benefit=benefit)
        except PermissionDenied:
            continue
        kinds.append(benefit)
    if not kinds:
        raise PermissionDenied("您不能发放公益岗位工资。")
    month = month.replace(day=1)
    problem = record_date_problem(paid_on, what="发放日期", today=today)
    if not problem and paid_on < month:
        problem = f"发放日期不能早于考勤月份（{month:%Y 年 %m 月}）"
    if problem:
        raise RegisterRefused(problem + "。")
    unpaid = Attendance.objects.filter(
        post__village=village, post__benefit__in=[b.code for b in kinds], month=month, payment__isnull=True
    ).filter(wage__gt=0)
    # Locked first: a second clerk paying the same month waits, then finds the rows paid.
    locked_ids = list(unpaid.select_for_update(of=("self",)).values_list("id", flat=True))
    taken = Payment.objects.filter(
        benefit=OuterRef("post__benefit"),
        household=OuterRef("post__household"),
        member_key=OuterRef("post__holder__id_number"),
        paid_on=paid_on,
    )
    twin = Attendance.objects.filter(
        id__in=locked_ids, post__benefit=OuterRef("post__benefit"), post__holder=OuterRef("post__holder")
    ).filter(id__lt=OuterRef("id"))
    payable = Attendance.objects.filter(id__in=locked_ids).exclude(Exists(taken)).exclude(Exists(twin))
    ids = list(payable.values_list("id", flat=True))
    if ids:
        _payments_insert(ids=ids, kinds=kinds, paid_on=paid_on, user=user, catalogue=catalogue)
        new = Payment.objects.filter(pk__in=Attendance.objects.filter(id__in=ids).values("payment_id"))
        payments_income_add(payments=new, user=user)
    return {"paid": len(ids), "skipped": len(locked_ids) - len(ids)}


def _payments_insert(*, ids: list[int], kinds: list[Any], paid_on: dt.date, user: Any, catalogue: Catalogue) -> None:
    """One INSERT … SELECT of the wages' payments, then one UPDATE pointing each attendance at its payment."""
    quote = connection.ops.quote_name
    names: list[Any] = []
    departments: list[Any] = []
    incomes: list[Any] = []
    for benefit in kinds:
        names += [benefit.code, benefit.name]
        departments += [benefit.code, catalogue.department_name(benefit.department)]
        incomes += [benefit.code, benefit.income_item]
    case = " ".join("WHEN %s THEN %s" for _ in kinds)
    on = connection.ops.adapt_datefield_value(paid_on)
    marks = ", ".join("%s" for _ in ids)
    account = account_of(user)
    payment, attendance = quote(Payment._meta.db_table), quote(Attendance._meta.db_table)
    post, member = quote(Post._meta.db_table), quote("registry_member")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {payment} (benefit, benefit_name, household_id, member_id, member_key, amount, paid_on,"  # noqa: S608 - our own quoted names; values go as parameters
            " year, department, income_item, source, batch_id, recorded_by_id, recorded_at)"
            f" SELECT p.benefit, CASE p.benefit {case} END, p.household_id, p.holder_id, m.id_number, a.wage, %s,"
            f" %s, CASE p.benefit {case} END, CASE p.benefit {case} END, %s, NULL, %s, CURRENT_TIMESTAMP"
            f" FROM {attendance} a JOIN {post} p ON p.id = a.post_id JOIN {member} m ON m.id = p.holder_id"
            f" WHERE a.id IN ({marks})",
            [
                *names,
                on,
                paid_on.year,
                *departments,
                *incomes,
                PaymentSource.POST.value,
                account.pk if account is not None else None,
                *ids,
            ],
        )
        cursor.execute(
            f"UPDATE {attendance} SET payment_id = (SELECT pay.id FROM {payment} pay, {post} p, {member} m"  # noqa: S608
            f" WHERE p.id = {attendance}.post_id AND m.id = p.holder_id AND pay.benefit = p.benefit"
            " AND pay.household_id = p.household_id AND pay.member_key = m.id_number AND pay.paid_on = %s)"
            f" WHERE id IN ({marks})",
            [on, *ids],
        )
