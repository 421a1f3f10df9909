"""Two offices paying out of the same allocation, or allocating the same fund, at the same moment: each checks the
sum under a row lock on the parent, so one is refused and the sum never passes the line. Real threads and
connections on PostgreSQL (SQLite serialises writers anyway)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum

from jingzhun.accounts.models import Role
from jingzhun.projects.fund_services import FundRefused, allocation_create, payment_create
from jingzhun.projects.models import Allocation, Payment
from tests.monitoring.test_services_race import _race

from .fund_data import TODAY, allocate, fund  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"),
]


def test_two_payments_at_once_never_pass_the_allocation(users_by_role, fund, project):  # noqa: F811
    allocation = allocate(fund, project, "1000.00")
    town = users_by_role[Role.TOWN]

    def pay(user: Any, voucher: str) -> Any:
        return lambda: payment_create(
            user=user,
            allocation=allocation,
            amount="600.00",
            paid_on=dt.date(2025, 6, 1),
            voucher_no=voucher,
            today=TODAY,
        )

    outcomes = _race(pay(town.owner, "A-1"), pay(town.colleague, "A-2"))
    assert sum(isinstance(o, FundRefused) for o in outcomes) == 1, outcomes
    assert Payment.objects.aggregate(s=Sum("amount"))["s"] == Decimal("600.00")


def test_two_allocations_at_once_never_pass_the_fund(users_by_role, fund, project):  # noqa: F811
    county = users_by_role[Role.COUNTY]

    def allocate_(user: Any) -> Any:
        return lambda: allocation_create(
            user=user, fund=fund, project=project, amount="600000.00", allocated_on=dt.date(2025, 4, 1), today=TODAY
        )

    outcomes = _race(allocate_(county.owner), allocate_(county.colleague))
    assert sum(isinstance(o, FundRefused) for o in outcomes) == 1, outcomes
    assert Allocation.objects.count() == 1
