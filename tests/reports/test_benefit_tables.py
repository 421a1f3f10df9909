"""Standard table 9, benefits paid by department: the year's payments, counted and summed by the department the
catalogue gives each benefit, checked against the payment list; a new payment shows at once."""

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.accounts.models import Role
from jingzhun.benefits.models import Payment
from jingzhun.benefits.selectors import catalogue_in_force
from jingzhun.registry.models import Member
from jingzhun.reports.standard import report_table
from tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db

YEAR = 2025


@pytest.fixture
def payments(users_by_role, county):
    members = list(Member.objects.filter(household__village__code__startswith=users_by_role.county_a.prefix))
    PaymentFactory(member=members[0])  # B01 3000
    PaymentFactory(member=members[1], benefit="B06", benefit_name="农村低保", amount=Decimal("1234.50"))
    PaymentFactory(member=members[2], paid_on=dt.date(YEAR - 1, 5, 1))  # another year
    return members


def _total(users_by_role):
    return report_table(name="benefits", user=users_by_role[Role.COUNTY].owner, year=YEAR).total.values


def test_the_total_is_the_years_payments(users_by_role, payments):
    total = _total(users_by_role)
    listed = Payment.objects.filter(year=YEAR, household__village__code__startswith=users_by_role.county_a.prefix)
    assert total["n_all"] == listed.count() == 2
    assert total["a_all"] == sum(p.amount for p in listed) == Decimal("4234.50")


def test_each_payment_counts_under_its_benefits_department(users_by_role, payments):
    catalogue = catalogue_in_force()
    total = _total(users_by_role)
    b01, b06 = catalogue.get("B01").department, catalogue.get("B06").department
    assert b01 != b06
    assert (total[f"n_{b01}"], total[f"a_{b01}"]) == (1, Decimal("3000.00"))
    assert (total[f"n_{b06}"], total[f"a_{b06}"]) == (1, Decimal("1234.50"))


def test_a_new_payment_shows_at_once(users_by_role, payments):
    assert _total(users_by_role)["n_all"] == 2
    PaymentFactory(member=payments[3])
    assert _total(users_by_role)["n_all"] == 3
