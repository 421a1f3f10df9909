from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.benefits.loan_selectors import loans_due_soon, loans_overdue
from jingzhun.benefits.loan_services import loan_create, repayment_record
from jingzhun.benefits.models import Loan, LoanStatus, Payment, PaymentSource, Repayment
from jingzhun.benefits.register_common import RegisterRefused, add_months
from jingzhun.registry.models import Income
from tests.factories import LoanFactory

from .registers import TODAY, head

pytestmark = pytest.mark.django_db


def _new(user, household, **values):
    defaults = dict(
        user=user,
        borrower_id_number=head(household).id_number,
        bank="县农村商业银行",
        contract_no="XD2025001",
        amount=Decimal("50000"),
        term_months=36,
        annual_rate=Decimal("4.35"),
        subsidy_rate=Decimal("4.35"),
        issued_on=dt.date(2025, 3, 1),
        today=TODAY,
    )
    return loan_create(**(defaults | values))


def test_a_loan_falls_due_its_term_after_issue(users_by_role, covered_household):
    loan = _new(users_by_role[Role.TOWN].owner, covered_household)
    assert loan.due_on == dt.date(2028, 3, 1)
    assert loan.household == covered_household and loan.status == LoanStatus.CURRENT


def test_a_month_end_issue_falls_due_on_the_last_day_of_a_shorter_month():
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 11, 30), 3) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 12, 15), 36) == dt.date(2028, 12, 15)


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"amount": Decimal("50000.01")}, "不超过 50,000 元"),
        ({"amount": Decimal("0")}, "应大于 0"),
        ({"term_months": 37}, "1 至 36 个月"),
        ({"subsidy_rate": Decimal("4.5")}, "不能高于年利率"),
        ({"annual_rate": Decimal("-1")}, "年利率"),
        ({"issued_on": dt.date(2025, 12, 2)}, "不能晚于今天"),
        ({"contract_no": " "}, "借款合同号"),
    ],
)
def test_bad_loans_are_refused(users_by_role, covered_household, values, reason):
    with pytest.raises(RegisterRefused, match=reason):
        _new(users_by_role[Role.TOWN].owner, covered_household, **values)


def test_the_limits_themselves_are_allowed(users_by_role, covered_household):
    loan = _new(users_by_role[Role.TOWN].owner, covered_household, amount=Decimal("50000.00"), term_months=36)
    assert loan.amount == Decimal("50000.00") and loan.term_months == 36


def test_a_contract_is_recorded_once_per_bank(users_by_role, covered_household):
    town = users_by_role[Role.TOWN].owner
    _new(town, covered_household)
    with pytest.raises(RegisterRefused, match="已登记过"):
        _new(town, covered_household)
    assert _new(town, covered_household, bank="邮储银行").bank == "邮储银行"


def test_a_borrower_outside_the_area_is_not_found(users_by_role, covered_household):
    with pytest.raises(RegisterRefused, match="没有证件号码"):
        _new(users_by_role[Role.TOWN].outsider, covered_household)


def test_a_village_user_may_not_record_a_loan(users_by_role, covered_household):
    with pytest.raises(PermissionDenied):
        _new(users_by_role[Role.VILLAGE].owner, covered_household)


# --- due within 30 days and overdue -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "due_soon", "overdue"),
    [(-1, False, True), (0, True, False), (30, True, False), (31, False, False)],
    ids=["yesterday", "today", "30th-day", "31st-day"],
)
def test_due_within_30_days_and_overdue_at_the_boundary(users_by_role, covered_household, days, due_soon, overdue):
    loan = LoanFactory(borrower=head(covered_household), due_on=TODAY + dt.timedelta(days=days))
    county = users_by_role[Role.COUNTY].owner
    assert (loan in loans_due_soon(user=county, today=TODAY)) is due_soon
    assert (loan in loans_overdue(user=county, today=TODAY)) is overdue


def test_a_repaid_loan_is_neither_due_nor_overdue(users_by_role, covered_household):
    LoanFactory(borrower=head(covered_household), due_on=TODAY - dt.timedelta(days=5), status=LoanStatus.REPAID)
    county = users_by_role[Role.COUNTY].owner
    assert not loans_due_soon(user=county, today=TODAY - dt.timedelta(days=10)).exists()
    assert not loans_overdue(user=county, today=TODAY).exists()


def test_an_outsider_sees_no_loan_due(users_by_role, covered_household):
    LoanFactory(borrower=head(covered_household), due_on=TODAY)
    assert not loans_due_soon(user=users_by_role[Role.COUNTY].outsider, today=TODAY).exists()


# --- repayments -------------------------------------------------------------------------------------------------


def _repay(user, loan, *, version=None, principal="0", interest="0", subsidy="0", on=dt.date(2025, 6, 20)):
    return repayment_record(
        user=user,
        loan=loan,
        version=loan.version if version is None else version,
        paid_on=on,
        principal=Decimal(principal),
        interest=Decimal(interest),
        interest_subsidy=Decimal(subsidy),
        today=TODAY,
    )


def test_the_loan_is_repaid_when_the_principal_reaches_the_amount(users_by_role, covered_household):
    town = users_by_role[Role.TOWN].owner
    loan = LoanFactory(borrower=head(covered_household))
    _repay(town, loan, principal="20000")
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CURRENT and loan.version == 2
    _repay(town, loan, principal="30000", on=dt.date(2025, 9, 1))
    loan.refresh_from_db()
    assert (loan.status, loan.repaid_on) == (LoanStatus.REPAID, dt.date(2025, 9, 1))


def test_more_principal_than_owed_is_refused(users_by_role, covered_household):
    town = users_by_role[Role.TOWN].owner
    loan = LoanFactory(borrower=head(covered_household))
    _repay(town, loan, principal="49999.99")
    loan.refresh_from_db()
    with pytest.raises(RegisterRefused, match=r"尚欠 0\.01 元"):
        _repay(town, loan, principal="0.02")


def test_a_repaid_loan_takes_no_more_repayments(users_by_role, covered_household):
    town = users_by_role[Role.TOWN].owner
    loan = LoanFactory(borrower=head(covered_household))
    _repay(town, loan, principal="50000")
    loan.refresh_from_db()
    with pytest.raises(RegisterRefused, match="已于 2025-06-20 结清"):
        _repay(town, loan, interest="10")


def test_a_subsidy_above_the_interest_is_refused(users_by_role, covered_household):
    loan = LoanFactory(borrower=head(covered_household))
    with pytest.raises(RegisterRefused, match="不能多于利息"):
        _repay(users_by_role[Role.COUNTY].owner, loan, interest="100", subsidy="100.01")


def test_a_repayment_of_nothing_is_refused(users_by_role, covered_household):
    loan = LoanFactory(borrower=head(covered_household))
    with pytest.raises(RegisterRefused, match="不能都为 0"):
        _repay(users_by_role[Role.TOWN].owner, loan)


def test_a_repayment_on_an_older_page_is_refused(users_by_role, covered_household):
    town = users_by_role[Role.TOWN].owner
    loan = LoanFactory(borrower=head(covered_household))
    _repay(town, loan, principal="1000", version=1)
    with pytest.raises(RegisterRefused, match="刷新页面"):
        _repay(town, loan, principal="1000", version=1)
    assert Repayment.objects.count() == 1


def test_an_interest_subsidy_is_paid_to_the_household_as_b22(users_by_role, covered_household):
    loan = LoanFactory(borrower=head(covered_household))
    before = Income.objects.get(household=covered_household, year=2025)
    _repay(users_by_role[Role.COUNTY].owner, loan, principal="0", interest="543.75", subsidy="543.75")
    payment = Payment.objects.get()
    assert (payment.benefit, payment.source, payment.amount) == ("B22", PaymentSource.LOAN, Decimal("543.75"))
    assert payment.household == covered_household and payment.member is None
    assert Income.objects.get(household=covered_household, year=2025).other_transfer == before.other_transfer


def test_the_town_may_not_record_a_subsidy_and_nothing_is_written(users_by_role, covered_household):
    loan = LoanFactory(borrower=head(covered_household))
    with pytest.raises(PermissionDenied):
        _repay(users_by_role[Role.TOWN].owner, loan, interest="543.75", subsidy="543.75")
    assert not Repayment.objects.exists() and not Payment.objects.exists()
    assert Loan.objects.get(pk=loan.pk).version == 1


def test_the_finance_clerk_records_a_repayment_with_its_subsidy(users_by_role, covered_household, department_clerk):
    loan = LoanFactory(borrower=head(covered_household))
    _repay(department_clerk("finance"), loan, interest="100", subsidy="100")
    assert Payment.objects.get().department == "财政局"


def test_another_departments_clerk_may_not_record_a_repayment(covered_household, department_clerk):
    loan = LoanFactory(borrower=head(covered_household))
    with pytest.raises(PermissionDenied):
        _repay(department_clerk("civil_affairs"), loan, principal="100")


def test_an_outsider_may_not_record_a_repayment(users_by_role, covered_household):
    loan = LoanFactory(borrower=head(covered_household))
    with pytest.raises(PermissionDenied):
        _repay(users_by_role[Role.TOWN].outsider, loan, principal="100")
