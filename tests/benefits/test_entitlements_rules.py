"""Each rule of docs/RULES.md §12 at its boundary, computed by the entitlement plan (live, one household)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.benefits.catalogue import catalogue_get
from jingzhun.benefits.gap_selectors import household_entitlements
from jingzhun.monitoring.models import MonitoringCase, Stage
from jingzhun.registry.vocab import (
    Attribute,
    DisabilityGrade,
    EventKind,
    Health,
    HousingGrade,
    MedicalInsurance,
    MemberStatus,
    PovertyStatus,
    Relocation,
    SchoolStatus,
)
from tests.factories import LoanFactory, PostFactory

from .entitlement_helpers import YEAR, codes, entitled, household, income, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def village(users_by_role):
    return users_by_role.village_a


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (dt.date(2005, 1, 1), False),  # 15 on 31 Dec 2020
        (dt.date(2004, 12, 31), True),  # 16 on 31 Dec 2020 (birthday that day)
        (dt.date(1961, 1, 1), True),  # 59
        (dt.date(1960, 12, 31), False),  # 60
    ],
)
def test_b03_pension_premium_for_ages_16_to_59_at_year_end(village, born, expected):
    home = household(village)
    person = member(home, born=born)
    assert (("B03", person) in entitled(home)) is expected


def test_b03_not_for_a_student(village):
    home = household(village)
    member(home, school_status=SchoolStatus.SENIOR)
    assert "B03" not in codes(home)


def test_b03_blank_school_status_counts_as_not_in_school(village):
    home = household(village)
    person = member(home, school_status="")
    assert entitled(home)[("B03", person)] == Decimal("100.00")


@pytest.mark.parametrize(
    ("wage", "amount"), [("5160.00", None), ("5159.99", Decimal("0.01")), ("5000", Decimal("160.00"))]
)
def test_b06_dibao_below_the_2020_standard_strictly(village, wage, amount):
    home = household(village, status=PovertyStatus.NON_POOR)
    member(home)
    income(home, wage=wage)
    assert entitled(home).get(("B06", None)) == amount


def test_b06_shortfall_is_times_household_size(village):
    home = household(village, status=PovertyStatus.NON_POOR)
    member(home)
    member(home)
    member(home, status=MemberStatus.DECEASED)  # not counted
    income(home, wage="10000", business_expense="500")  # net 9500, pc 4750
    assert entitled(home)[("B06", None)] == Decimal("820.00")  # (5160 − 4750) × 2


def test_b06_the_allowance_already_received_does_not_count_against_it(village):
    """Paying 低保 into the household's 低保金 income must not undo the entitlement it fills."""
    home = household(village, status=PovertyStatus.NON_POOR)
    member(home)
    member(home)
    income(home, wage="9500", dibao="820")  # the 820 paid last month is left out: pc is still 4750
    assert entitled(home)[("B06", None)] == Decimal("820.00")


def test_b06_counts_other_transfers_as_income_in_the_default_catalogue(village):
    home = household(village, status=PovertyStatus.NON_POOR)
    member(home)
    income(home, wage="5000", other_transfer="3000")
    assert "B06" not in codes(home)


def test_b06_leaves_out_the_transfers_a_county_catalogue_disregards(village):
    home = household(village, status=PovertyStatus.NON_POOR)
    member(home)
    income(home, wage="5000", other_transfer="3000")  # education aid and the like: not household income for 低保
    default = catalogue_get()
    b06 = default.get("B06")
    county = dataclasses.replace(
        default,
        name="county",
        benefits={
            **default.benefits,
            "B06": dataclasses.replace(b06, amount=dataclasses.replace(b06.amount, disregard=("other_transfer",))),
        },
    )
    lines = household_entitlements(household=home, year=YEAR, catalogue=county)
    assert {line.benefit.code: line.amount for line in lines}["B06"] == Decimal("160.00")


def test_b06_not_for_a_dibao_household(village):
    home = household(village, status=PovertyStatus.NON_POOR, attribute=Attribute.DIBAO)
    member(home)
    income(home, wage="100")
    assert "B06" not in codes(home)


def test_b06_needs_an_income_row_of_the_year(village):
    """As the assessment: a household without an income row for the year is not judged on income."""
    home = household(village, status=PovertyStatus.NON_POOR)
    member(home)
    income(home, year=YEAR - 1, wage="100")
    assert "B06" not in codes(home)


def test_b06_skipped_in_a_year_without_standard(village):
    home = household(village, status=PovertyStatus.NON_POOR)
    member(home)
    income(home, year=2021, wage="100")
    assert "B06" not in codes(home, year=2021)


@pytest.mark.parametrize(
    ("insurance", "expected"), [(MedicalInsurance.EMPLOYEE, False), (MedicalInsurance.RESIDENT, True), ("", True)]
)
def test_b02_not_for_employee_insurance(village, insurance, expected):
    home = household(village)
    person = member(home, medical_insurance=insurance)
    assert (entitled(home).get(("B02", person)) == Decimal("280.00")) is expected


def _case(home, closed_on):
    return MonitoringCase.objects.create(
        household=home,
        channel="cadre_screening",
        opened_on=dt.date(2020, 3, 1),
        decision_due=dt.date(2020, 3, 16),
        closed_on=closed_on,
        stage=Stage.ELIMINATED if closed_on else Stage.DISCOVERED,
    )


@pytest.mark.parametrize(("closed_on", "expected"), [(dt.date(2020, 6, 1), False), (None, True)])
def test_open_monitoring_case_makes_a_household_covered(village, closed_on, expected):
    home = household(village, status=PovertyStatus.NON_POOR)
    person = member(home)
    _case(home, closed_on)
    assert (("B07", person) in entitled(home)) is expected


@pytest.mark.parametrize("status", [PovertyStatus.NON_POOR, PovertyStatus.EXITED_NO_POLICY])
def test_uncovered_statuses_get_no_covered_benefit(village, status):
    home = household(village, status=status)
    member(home)
    assert not codes(home) & {"B02", "B03", "B07"}


@pytest.mark.parametrize(
    "status", [PovertyStatus.NOT_EXITED, PovertyStatus.RELAPSED, PovertyStatus.PRE_EXIT, PovertyStatus.EXITED]
)
def test_covered_statuses(village, status):
    home = household(village, status=status)
    person = member(home)
    assert entitled(home)[("B07", person)] == Decimal("60.00")


def test_only_active_members_are_entitled(village):
    home = household(village)
    member(home, status=MemberStatus.MOVED_OUT)
    alive = member(home)
    assert {m for (code, m) in entitled(home) if code == "B07"} == {alive}


@pytest.mark.parametrize(
    ("grade", "expected"),
    [(DisabilityGrade.G1, True), (DisabilityGrade.G2, True), (DisabilityGrade.G3, False), ("", False)],
)
def test_b04_severe_disability_grade_one_or_two_covered_or_not(village, grade, expected):
    home = household(village, status=PovertyStatus.NON_POOR)
    person = member(home, disability_grade=grade, health=Health.DISABLED if grade else Health.HEALTHY)
    assert (entitled(home).get(("B04", person)) == Decimal("960.00")) is expected


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [(Attribute.DIBAO, True), (Attribute.DIBAO_TEKUN, True), (Attribute.GENERAL, False), (Attribute.TEKUN, False)],
)
def test_b05_disabled_member_of_a_dibao_household(village, attribute, expected):
    home = household(village, status=PovertyStatus.NON_POOR, attribute=attribute)
    person = member(home, health=Health.DISABLED)
    assert (entitled(home).get(("B05", person)) == Decimal("960.00")) is expected


@pytest.mark.parametrize(
    ("grade", "relocation", "amount"),
    [
        (HousingGrade.C, Relocation.NO, Decimal("8000.00")),
        (HousingGrade.D, Relocation.NO, Decimal("15000.00")),
        (HousingGrade.B, Relocation.NO, None),
        (HousingGrade.D, Relocation.LIVING, None),
        (HousingGrade.C, Relocation.MOVED_NOT_LIVING, None),
    ],
)
def test_b08_housing_c_or_d_not_relocated(village, grade, relocation, amount):
    home = household(village, housing_grade=grade, relocation=relocation)
    member(home)
    assert entitled(home).get(("B08", None)) == amount


def test_b08_only_for_covered_households(village):
    home = household(village, status=PovertyStatus.NON_POOR, housing_grade=HousingGrade.D)
    member(home)
    assert "B08" not in codes(home)


@pytest.mark.parametrize(
    ("school", "expected"),
    [
        (SchoolStatus.VOCATIONAL, True),
        (SchoolStatus.HIGHER_VOCATIONAL, True),
        (SchoolStatus.SENIOR, False),
        (SchoolStatus.COLLEGE, False),
    ],
)
def test_b01_yulu_for_vocational_students(village, school, expected):
    home = household(village)
    person = member(home, born=dt.date(2003, 5, 1), school_status=school)
    assert (entitled(home).get(("B01", person)) == Decimal("3000.00")) is expected


def test_b18_relocation_is_per_person(village):
    home = household(village, relocation=Relocation.LIVING)
    member(home)
    member(home)
    assert entitled(home)[("B18", None)] == Decimal("5000.00")


def test_b15_temporary_assistance_needs_an_event_in_the_year(village):
    from jingzhun.registry.models import HouseholdEvent

    home = household(village, status=PovertyStatus.NON_POOR)
    member(home)
    HouseholdEvent.objects.create(household=home, kind=EventKind.DISASTER, occurred_on=dt.date(2019, 12, 31), loss=1)
    assert "B15" not in codes(home)
    HouseholdEvent.objects.create(household=home, kind=EventKind.ACCIDENT, occurred_on=dt.date(2020, 1, 1), loss=1)
    assert entitled(home)[("B15", None)] == Decimal("2000.00")


def test_b21_share_of_business_income_capped(village):
    home = household(village)
    member(home)
    income(home, business_income="1234.57")
    assert entitled(home)[("B21", None)] == Decimal("246.91")  # 246.914 → half up to the cent
    other = household(village)
    member(other)
    income(other, business_income="90000")
    assert entitled(other)[("B21", None)] == Decimal("3000.00")


def test_b20_post_wage_counts_months_held_on_any_day(village):
    home = household(village, status=PovertyStatus.NON_POOR)
    holder = member(home)
    PostFactory(holder=holder, monthly_pay=Decimal("600"), started_on=dt.date(2019, 5, 1), ended_on=dt.date(2020, 3, 1))
    PostFactory(holder=holder, monthly_pay=Decimal("500"), started_on=dt.date(2020, 11, 30))
    assert entitled(home)[("B20", holder)] == Decimal("2800.00")  # 600 × 3 (Jan–Mar) + 500 × 2 (Nov–Dec)


def test_b20_post_ended_before_the_year_is_not_entitled(village):
    home = household(village)
    holder = member(home)
    PostFactory(holder=holder, started_on=dt.date(2018, 1, 1), ended_on=dt.date(2019, 12, 31))
    assert "B20" not in codes(home)


def test_b22_loan_subsidy_over_months_outstanding(village):
    home = household(village)
    borrower = member(home)
    # 50,000 × 4.35 % × 12 / 12 = 2175.00; a second loan of 10,000 at 4.35 % repaid on 2020-03-01: 3 months
    LoanFactory(borrower=borrower, issued_on=dt.date(2019, 3, 1), due_on=dt.date(2022, 3, 1))
    LoanFactory(
        borrower=borrower,
        amount=Decimal("10000"),
        issued_on=dt.date(2018, 3, 1),
        due_on=dt.date(2021, 3, 1),
        repaid_on=dt.date(2020, 3, 1),
    )
    assert entitled(home)[("B22", None)] == Decimal("2283.75")  # 2175 + 10000 × 0.0435 × 3 / 12 = 108.75


def test_b22_loan_repaid_before_the_year_is_not_entitled(village):
    home = household(village)
    borrower = member(home)
    LoanFactory(
        borrower=borrower, issued_on=dt.date(2017, 3, 1), due_on=dt.date(2020, 3, 1), repaid_on=dt.date(2019, 12, 31)
    )
    assert "B22" not in codes(home)


def test_household_without_active_members_is_entitled_to_nothing(village):
    home = household(village, housing_grade=HousingGrade.D)
    member(home, status=MemberStatus.DECEASED)
    assert codes(home) == set()
