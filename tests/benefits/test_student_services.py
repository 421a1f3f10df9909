from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.benefits.models import Payment, PaymentSource, Student
from jingzhun.benefits.register_common import RegisterRefused
from jingzhun.benefits.student_selectors import student_rows
from jingzhun.benefits.student_services import student_create, student_pay
from jingzhun.monitoring.models import MonitoringCase
from jingzhun.registry.vocab import PovertyStatus
from tests.factories import HouseholdFactory, MemberFactory, StudentFactory

from .registers import TODAY, son

pytestmark = pytest.mark.django_db


def _new(user, member, **values):
    defaults = dict(
        user=user,
        member_id_number=member.id_number,
        school="县职业教育中心",
        major="数控技术",
        level="vocational",
        year=2025,
        grade=2,
        today=TODAY,
    )
    return student_create(**(defaults | values))


def test_a_member_of_a_covered_household_is_registered(users_by_role, covered_household):
    student = _new(users_by_role[Role.TOWN].owner, son(covered_household))
    assert student.household == covered_household and student.year == 2025


def test_a_member_of_a_household_that_does_not_enjoy_the_policies_is_refused(users_by_role):
    household = HouseholdFactory(village=users_by_role.village_a, poverty_status=PovertyStatus.NON_POOR)
    member = MemberFactory(household=household, relation="son")
    with pytest.raises(RegisterRefused, match="不是享受政策对象"):
        _new(users_by_role[Role.TOWN].owner, member)


def test_a_household_under_monitoring_is_covered(users_by_role):
    household = HouseholdFactory(village=users_by_role.village_a, poverty_status=PovertyStatus.NON_POOR)
    member = MemberFactory(household=household, relation="son")
    MonitoringCase.objects.create(
        household=household,
        channel="cadre_screening",
        stage="discovered",
        opened_on=dt.date(2025, 2, 1),
        decision_due=dt.date(2025, 3, 1),
    )
    assert _new(users_by_role[Role.TOWN].owner, member).member == member


def test_a_closed_monitoring_case_does_not_cover(users_by_role):
    household = HouseholdFactory(village=users_by_role.village_a, poverty_status=PovertyStatus.NON_POOR)
    member = MemberFactory(household=household, relation="son")
    MonitoringCase.objects.create(
        household=household,
        channel="cadre_screening",
        stage="eliminated",
        opened_on=dt.date(2025, 2, 1),
        decision_due=dt.date(2025, 3, 1),
        closed_on=dt.date(2025, 5, 1),
    )
    with pytest.raises(RegisterRefused, match="不是享受政策对象"):
        _new(users_by_role[Role.TOWN].owner, member)


def test_a_student_is_registered_once_a_year(users_by_role, covered_household):
    town = users_by_role[Role.TOWN].owner
    _new(town, son(covered_household))
    with pytest.raises(RegisterRefused, match="每人每年只登记一次"):
        _new(town, son(covered_household), school="另一所学校")
    assert _new(town, son(covered_household), year=2024, grade=1).year == 2024
    assert Student.objects.count() == 2


@pytest.mark.parametrize(
    ("values", "reason"),
    [({"school": ""}, "学校"), ({"level": "college"}, "中职或高职"), ({"year": 2027}, "年度"), ({"grade": 6}, "年级")],
)
def test_bad_students_are_refused(users_by_role, covered_household, values, reason):
    with pytest.raises(RegisterRefused, match=reason):
        _new(users_by_role[Role.TOWN].owner, son(covered_household), **values)


def test_a_village_user_may_not_register_a_student(users_by_role, covered_household):
    with pytest.raises(PermissionDenied):
        _new(users_by_role[Role.VILLAGE].owner, son(covered_household))


def test_the_aid_is_the_catalogues_b01_amount_paid_to_the_member(users_by_role, covered_household):
    student = StudentFactory(member=son(covered_household))
    payment = student_pay(
        user=users_by_role[Role.COUNTY].owner, student=student, paid_on=dt.date(2025, 9, 10), today=TODAY
    )
    assert (payment.benefit, payment.source, payment.amount) == ("B01", PaymentSource.STUDENT, Decimal("3000.00"))
    assert payment.member == son(covered_household)
    [row] = student_rows(user=users_by_role[Role.COUNTY].owner, year=2025)
    assert row.paid and row.paid_on == dt.date(2025, 9, 10)


def test_the_aid_is_paid_once_a_year(users_by_role, covered_household):
    county = users_by_role[Role.COUNTY].owner
    student = StudentFactory(member=son(covered_household))
    student_pay(user=county, student=student, paid_on=dt.date(2025, 9, 10), today=TODAY)
    with pytest.raises(RegisterRefused, match="已于 2025-09-10 发放"):
        student_pay(user=county, student=student, paid_on=dt.date(2025, 10, 10), today=TODAY)
    assert Payment.objects.count() == 1


def test_the_aid_is_paid_in_its_year(users_by_role, covered_household):
    student = StudentFactory(member=son(covered_household))
    with pytest.raises(RegisterRefused, match="2025 年内"):
        student_pay(user=users_by_role[Role.COUNTY].owner, student=student, paid_on=dt.date(2024, 12, 1), today=TODAY)


def test_another_departments_clerk_may_not_pay_the_aid(covered_household, department_clerk):
    student = StudentFactory(member=son(covered_household))
    with pytest.raises(PermissionDenied):
        student_pay(user=department_clerk("civil_affairs"), student=student, paid_on=dt.date(2025, 9, 10), today=TODAY)
    assert student_pay(
        user=department_clerk("rural_revitalization"), student=student, paid_on=dt.date(2025, 9, 10), today=TODAY
    ).amount == Decimal("3000.00")


def test_the_unpaid_filter_lists_students_still_owed(users_by_role, covered_household):
    county = users_by_role[Role.COUNTY].owner
    paid = StudentFactory(member=son(covered_household))
    other = HouseholdFactory(village=users_by_role.village_a, poverty_status=PovertyStatus.EXITED)
    owed = StudentFactory(member=MemberFactory(household=other, relation="son"))
    student_pay(user=county, student=paid, paid_on=dt.date(2025, 9, 10), today=TODAY)
    assert list(student_rows(user=county, year=2025, paid="no")) == [owed]
    assert list(student_rows(user=county, year=2025, paid="yes")) == [paid]
