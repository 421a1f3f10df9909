"""Two clerks at once on PostgreSQL (real threads and connections; SQLite serialises writers anyway): paying the
same village's month pays each wage once; two repayments of the same loan from the same page: one is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from jingzhun.accounts.models import Role
from jingzhun.benefits.loan_services import repayment_record
from jingzhun.benefits.models import Attendance, Payment, Repayment
from jingzhun.benefits.post_services import posts_month_pay
from jingzhun.benefits.register_common import RegisterRefused
from jingzhun.registry.models import Income
from tests.factories import LoanFactory, PostFactory
from tests.monitoring.test_services_race import _race

from .registers import TODAY, head, spouse

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"),
]


def test_two_clerks_paying_the_same_month_pay_each_wage_once(users_by_role, covered_household):
    for member in (head(covered_household), spouse(covered_household)):
        post = PostFactory(holder=member)
        Attendance.objects.create(post=post, month=dt.date(2025, 3, 1), days_required=22, days_worked=22, wage=600)
    before = Income.objects.get(household=covered_household, year=2025).wage
    county = users_by_role[Role.COUNTY]

    def pay(user: Any) -> Any:
        return lambda: posts_month_pay(
            user=user,
            village=covered_household.village,
            month=dt.date(2025, 3, 1),
            paid_on=dt.date(2025, 4, 5),
            today=TODAY,
        )

    outcomes = _race(pay(county.owner), pay(county.colleague))
    assert sorted(o["paid"] for o in outcomes) == [0, 2], outcomes
    assert Payment.objects.count() == 2
    assert Income.objects.get(household=covered_household, year=2025).wage == before + Decimal("1200.00")


def test_two_repayments_from_the_same_page_one_is_refused(users_by_role, covered_household):
    loan = LoanFactory(borrower=head(covered_household))
    town = users_by_role[Role.TOWN]

    def repay(user: Any) -> Any:
        return lambda: repayment_record(
            user=user,
            loan=loan,
            version=1,
            paid_on=dt.date(2025, 6, 1),
            principal=Decimal("30000"),
            interest=Decimal("0"),
            interest_subsidy=Decimal("0"),
            today=TODAY,
        )

    outcomes = _race(repay(town.owner), repay(town.colleague))
    assert sum(isinstance(o, RegisterRefused) for o in outcomes) == 1, outcomes
    assert Repayment.objects.count() == 1
