"""The application workflow: 受理 → 批准 / 不予批准 → 已发放, 撤回; routing to the benefit's department, area
scope, dates, optimistic locking and the one open application per benefit, member and year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.benefits.application_services import (
    ApplicationRefused,
    ApplicationStale,
    application_decide,
    application_pay,
    application_submit,
    application_withdraw,
    next_actions,
)
from jingzhun.benefits.models import Application, ApplicationStage, ApplicationStep, Payment, PaymentSource
from jingzhun.benefits.payment_services import payment_record
from jingzhun.registry.models import Income
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 12, 1)


def _son(household):
    return household.members.get(relation="son")


def _submit(user, household, **overrides):
    values = dict(
        user=user,
        household=household,
        benefit_code="B01",
        member=_son(household),
        year=2025,
        amount=Decimal("3000"),
        documents=["学籍证明", "身份证"],
        submitted_on=dt.date(2025, 9, 1),
        today=TODAY,
    )
    return application_submit(**(values | overrides))


@pytest.fixture
def town(users_by_role):
    return users_by_role[Role.TOWN].owner


@pytest.fixture
def clerk(department_clerk):
    return department_clerk("rural_revitalization")


@pytest.fixture
def taken(town, covered_household):
    return _submit(town, covered_household)


def _approve(clerk, application, on=dt.date(2025, 9, 5)):
    return application_decide(
        user=clerk,
        application_id=application.pk,
        expected_version=application.version,
        approve=True,
        decided_on=on,
        today=TODAY,
    )


def _pay(clerk, application, on=dt.date(2025, 9, 10), amount=Decimal("3000")):
    return application_pay(
        user=clerk,
        application_id=application.pk,
        expected_version=application.version,
        paid_on=on,
        amount=amount,
        today=TODAY,
    )


# --- 受理 ------------------------------------------------------------------------------------------------------


def test_submit_routes_to_the_benefits_department_with_a_first_step(taken, town):
    assert taken.stage == ApplicationStage.SUBMITTED
    assert taken.department == "rural_revitalization"
    assert taken.benefit_name == "雨露计划"
    assert taken.documents == ["学籍证明", "身份证"]
    [step] = taken.steps.all()
    assert (step.action, step.from_stage, step.to_stage, step.on, step.by) == (
        "submit",
        "",
        ApplicationStage.SUBMITTED,
        dt.date(2025, 9, 1),
        town,
    )


def test_a_department_clerk_cannot_take_an_application(clerk, covered_household):
    with pytest.raises(PermissionDenied, match="窗口"):
        _submit(clerk, covered_household)


def test_a_village_user_cannot_take_an_application(users_by_role, covered_household):
    with pytest.raises(PermissionDenied):
        _submit(users_by_role[Role.VILLAGE].owner, covered_household)


def test_a_window_of_another_area_cannot_take_the_households_application(users_by_role, covered_household):
    with pytest.raises(PermissionDenied, match="管辖区域"):
        _submit(users_by_role[Role.TOWN].outsider, covered_household)


def test_a_member_benefit_needs_a_member(town, covered_household):
    with pytest.raises(ApplicationRefused, match="按成员"):
        _submit(town, covered_household, member=None)


def test_a_household_benefit_takes_no_member(town, covered_household):
    with pytest.raises(ApplicationRefused, match="按户"):
        _submit(town, covered_household, benefit_code="B08", amount=Decimal("8000"), documents=[])


def test_a_member_of_another_household_is_refused(town, covered_household, users_by_role):
    stranger = MemberFactory(household=HouseholdFactory(village=users_by_role.village_a))
    with pytest.raises(ApplicationRefused, match="不属于"):
        _submit(town, covered_household, member=stranger)


def test_an_unknown_benefit_is_refused(town, covered_household):
    with pytest.raises(ApplicationRefused, match="没有代码"):
        _submit(town, covered_household, benefit_code="B99")


def test_a_document_not_in_the_checklist_is_refused(town, covered_household):
    with pytest.raises(ApplicationRefused, match="户口本"):
        _submit(town, covered_household, documents=["户口本"])


def test_a_submission_dated_in_the_future_is_refused(town, covered_household):
    with pytest.raises(ApplicationRefused, match="不能晚于今天"):
        _submit(town, covered_household, submitted_on=TODAY + dt.timedelta(days=1))


def test_a_second_open_application_for_the_same_benefit_member_and_year_is_refused(taken, town, covered_household):
    with pytest.raises(ApplicationRefused, match=f"第 {taken.pk} 号"):
        _submit(town, covered_household)
    assert Application.objects.count() == 1


def test_another_year_or_member_is_no_duplicate(taken, town, covered_household):
    _submit(town, covered_household, year=2024)
    head = covered_household.members.get(relation="head")
    _submit(town, covered_household, member=head)
    assert Application.objects.count() == 3


def test_a_withdrawn_application_may_be_taken_again(taken, town, covered_household):
    application_withdraw(
        user=town, application_id=taken.pk, expected_version=1, withdrawn_on=dt.date(2025, 9, 2), today=TODAY
    )
    assert _submit(town, covered_household).stage == ApplicationStage.SUBMITTED


# --- 批准 / 不予批准 ------------------------------------------------------------------------------------------


def test_the_departments_clerk_approves(taken, clerk):
    approved = _approve(clerk, taken)
    assert (approved.stage, approved.version, approved.decided_on) == (
        ApplicationStage.APPROVED,
        2,
        dt.date(2025, 9, 5),
    )
    step = approved.steps.last()
    assert (step.action, step.from_stage, step.to_stage, step.by, step.data) == (
        "decide",
        ApplicationStage.SUBMITTED,
        ApplicationStage.APPROVED,
        clerk,
        {"passed": True},
    )


def test_a_refusal_needs_a_reason(taken, clerk):
    with pytest.raises(ApplicationRefused, match="理由"):
        application_decide(
            user=clerk,
            application_id=taken.pk,
            expected_version=1,
            approve=False,
            decided_on=dt.date(2025, 9, 5),
            reason="  ",
            today=TODAY,
        )


def test_a_refusal_with_a_reason_closes_the_application(taken, clerk):
    refused = application_decide(
        user=clerk,
        application_id=taken.pk,
        expected_version=1,
        approve=False,
        decided_on=dt.date(2025, 9, 5),
        reason="学籍证明不符",
        today=TODAY,
    )
    assert (refused.stage, refused.refusal_reason) == (ApplicationStage.REFUSED, "学籍证明不符")
    assert refused.steps.last().data == {"passed": False, "reason": "学籍证明不符"}


def test_a_clerk_of_another_department_cannot_decide(taken, department_clerk):
    with pytest.raises(PermissionDenied, match="乡村振兴局"):
        _approve(department_clerk("civil_affairs"), taken)


def test_a_clerk_of_another_county_cannot_decide(taken, users_by_role):
    from tests.factories import UserFactory

    outsider = UserFactory(role=Role.DEPARTMENT, area=users_by_role.county_b, department="rural_revitalization")
    with pytest.raises(PermissionDenied, match="管辖区域"):
        _approve(outsider, taken)


def test_the_window_cannot_decide(taken, town):
    with pytest.raises(PermissionDenied, match="主管部门"):
        _approve(town, taken)


def test_a_decision_before_the_submission_is_refused(taken, clerk):
    with pytest.raises(ApplicationRefused, match="早于上一环节"):
        _approve(clerk, taken, on=dt.date(2025, 8, 31))


def test_a_decision_in_the_future_is_refused(taken, clerk):
    with pytest.raises(ApplicationRefused, match="不能晚于今天"):
        _approve(clerk, taken, on=TODAY + dt.timedelta(days=1))


def test_a_decision_on_a_stale_page_is_refused(taken, clerk, town):
    application_withdraw(
        user=town, application_id=taken.pk, expected_version=1, withdrawn_on=dt.date(2025, 9, 2), today=TODAY
    )
    with pytest.raises(ApplicationStale, match="刷新"):
        _approve(clerk, taken)  # the clerk's page still shows version 1
    assert Application.objects.get(pk=taken.pk).stage == ApplicationStage.WITHDRAWN


def test_a_second_decision_is_refused_by_the_order(taken, clerk):
    approved = _approve(clerk, taken)
    with pytest.raises(ApplicationRefused, match="当前环节为「已批准」"):
        _approve(clerk, approved)


# --- 已发放 ----------------------------------------------------------------------------------------------------


def test_paying_records_the_payment_links_it_and_adds_to_the_income(taken, clerk, covered_household):
    before = Income.objects.get(household=covered_household, year=2025).other_transfer
    paid = _pay(clerk, _approve(clerk, taken))
    assert (paid.stage, paid.paid_on, paid.version) == (ApplicationStage.PAID, dt.date(2025, 9, 10), 3)
    payment = paid.payment
    assert (payment.source, payment.amount, payment.member, payment.benefit) == (
        PaymentSource.APPLICATION,
        Decimal("3000.00"),
        _son(covered_household),
        "B01",
    )
    assert Income.objects.get(household=covered_household, year=2025).other_transfer == before + Decimal("3000")
    assert paid.steps.last().data == {"amount": "3000", "payment": payment.pk}


def test_paying_what_is_already_recorded_fails_with_the_payment_services_message(taken, clerk, covered_household):
    approved = _approve(clerk, taken)
    payment_record(
        user=clerk,
        benefit_code="B01",
        household=covered_household,
        member=_son(covered_household),
        amount=Decimal("3000"),
        paid_on=dt.date(2025, 9, 10),
        today=TODAY,
    )
    with pytest.raises(ApplicationRefused, match="不能重复登记"):
        _pay(clerk, approved)
    assert Application.objects.get(pk=taken.pk).stage == ApplicationStage.APPROVED
    assert Payment.objects.count() == 1


def test_paying_before_approval_is_refused(taken, clerk):
    with pytest.raises(ApplicationRefused, match="下一步应为「审批」"):
        _pay(clerk, taken)
    assert not Payment.objects.exists()


def test_a_payment_before_the_decision_is_refused(taken, clerk):
    approved = _approve(clerk, taken)
    with pytest.raises(ApplicationRefused, match="早于上一环节"):
        _pay(clerk, approved, on=dt.date(2025, 9, 4))


def test_a_payment_of_nothing_is_refused(taken, clerk):
    with pytest.raises(ApplicationRefused, match="大于 0"):
        _pay(clerk, _approve(clerk, taken), amount=Decimal("0"))


def test_a_clerk_of_another_department_cannot_pay(taken, clerk, department_clerk):
    approved = _approve(clerk, taken)
    with pytest.raises(PermissionDenied):
        _pay(department_clerk("civil_affairs"), approved)


# --- 撤回 -------------------------------------------------------------------------------------------------------


def test_the_window_withdraws_a_waiting_application(taken, town):
    withdrawn = application_withdraw(
        user=town,
        application_id=taken.pk,
        expected_version=1,
        withdrawn_on=dt.date(2025, 9, 2),
        note="农户撤回",
        today=TODAY,
    )
    assert withdrawn.stage == ApplicationStage.WITHDRAWN
    assert withdrawn.steps.last().note == "农户撤回"


def test_an_approved_application_cannot_be_withdrawn(taken, town, clerk):
    approved = _approve(clerk, taken)
    with pytest.raises(ApplicationRefused, match="不能办理「撤回」"):
        application_withdraw(
            user=town, application_id=approved.pk, expected_version=2, withdrawn_on=dt.date(2025, 9, 6), today=TODAY
        )


def test_a_department_clerk_cannot_withdraw(taken, clerk):
    with pytest.raises(PermissionDenied):
        application_withdraw(
            user=clerk, application_id=taken.pk, expected_version=1, withdrawn_on=dt.date(2025, 9, 2), today=TODAY
        )


def test_steps_are_never_rewritten(taken, clerk):
    first = list(ApplicationStep.objects.values_list("id", "action", "on", "to_stage"))
    _pay(clerk, _approve(clerk, taken))
    assert list(ApplicationStep.objects.values_list("id", "action", "on", "to_stage"))[:1] == first
    assert ApplicationStep.objects.count() == 3


# --- what the page offers -----------------------------------------------------------------------------------


def test_next_actions_follow_role_department_and_stage(taken, town, clerk, department_clerk, users_by_role):
    assert next_actions(user=town, application=taken) == ["withdraw"]
    assert next_actions(user=clerk, application=taken) == ["decide"]
    assert next_actions(user=department_clerk("civil_affairs"), application=taken) == []
    assert next_actions(user=users_by_role[Role.TOWN].outsider, application=taken) == []
    approved = _approve(clerk, taken)
    assert next_actions(user=clerk, application=approved) == ["pay"]
    assert next_actions(user=town, application=approved) == []
