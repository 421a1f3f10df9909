from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.benefits.payment_services import PaymentRefused, payment_record
from jingzhun.registry.models import ChangeRecord, Income

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 12, 1)


def _son(household):
    return household.members.get(relation="son")


def test_a_payment_adds_to_the_income_item_of_its_year_once(users_by_role, covered_household):
    user = users_by_role[Role.COUNTY].owner
    before = Income.objects.get(household=covered_household, year=2025).other_transfer
    payment_record(
        user=user,
        benefit_code="B01",
        household=covered_household,
        member=_son(covered_household),
        amount=Decimal("3000.00"),
        paid_on=dt.date(2025, 9, 10),
        today=TODAY,
    )
    income = Income.objects.get(household=covered_household, year=2025)
    assert income.other_transfer == before + Decimal("3000.00")
    assert ChangeRecord.objects.filter(entity="income", field="other_transfer").count() == 1


def test_the_same_payment_twice_is_refused_and_counted_once(users_by_role, covered_household):
    user = users_by_role[Role.COUNTY].owner
    values = dict(
        user=user,
        benefit_code="B01",
        household=covered_household,
        member=_son(covered_household),
        amount=Decimal("3000.00"),
        paid_on=dt.date(2025, 9, 10),
        today=TODAY,
    )
    payment_record(**values)
    with pytest.raises(PaymentRefused, match="不能重复登记"):
        payment_record(**values)
    assert Income.objects.get(household=covered_household, year=2025).other_transfer == Decimal("3000.00")


def test_a_benefit_that_is_not_income_leaves_the_income_alone(users_by_role, covered_household):
    user = users_by_role[Role.COUNTY].owner
    payment_record(
        user=user,
        benefit_code="B07",
        household=covered_household,
        member=_son(covered_household),
        amount=Decimal("60.00"),
        paid_on=dt.date(2025, 3, 1),
        today=TODAY,
    )
    assert not ChangeRecord.objects.filter(entity="income").exists()


def test_a_household_benefit_takes_no_member(users_by_role, covered_household):
    with pytest.raises(PaymentRefused, match="按户发放"):
        payment_record(
            user=users_by_role[Role.COUNTY].owner,
            benefit_code="B08",
            household=covered_household,
            member=_son(covered_household),
            amount=Decimal("8000"),
            paid_on=dt.date(2025, 3, 1),
            today=TODAY,
        )


def test_a_department_clerk_pays_only_its_own_departments_benefits(covered_household, department_clerk):
    clerk = department_clerk("civil_affairs")
    with pytest.raises(PermissionDenied, match="乡村振兴局"):
        payment_record(
            user=clerk,
            benefit_code="B01",
            household=covered_household,
            member=_son(covered_household),
            amount=Decimal("3000"),
            paid_on=dt.date(2025, 9, 10),
            today=TODAY,
        )


def test_an_outsider_cannot_pay_a_household_of_another_area(users_by_role, covered_household):
    with pytest.raises(PermissionDenied):
        payment_record(
            user=users_by_role[Role.COUNTY].outsider,
            benefit_code="B01",
            household=covered_household,
            member=_son(covered_household),
            amount=Decimal("3000"),
            paid_on=dt.date(2025, 9, 10),
            today=TODAY,
        )
