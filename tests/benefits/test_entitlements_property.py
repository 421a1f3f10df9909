"""The live computation of one household equals the stored run's rows for it (the same plan, two ways)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingzhun.benefits.entitlement_services import entitlements_compute
from jingzhun.benefits.gap_selectors import household_entitlement_rows
from jingzhun.benefits.models import Entitlement
from jingzhun.benefits.selectors import catalogue_in_force
from jingzhun.core.scope import SYSTEM
from jingzhun.registry.vocab import (
    Attribute,
    DisabilityGrade,
    Health,
    HousingGrade,
    MedicalInsurance,
    MemberStatus,
    PovertyStatus,
    Relocation,
    SchoolStatus,
)
from tests.factories import AreaFactory, LoanFactory, PostFactory

from .entitlement_helpers import household, income, member

pytestmark = pytest.mark.django_db


def _choice(enum):
    return st.sampled_from([*(str(v) for v in enum), ""])


members = st.lists(
    st.fixed_dictionaries(
        {
            "born": st.dates(dt.date(1940, 1, 1), dt.date(2020, 12, 31)),
            "status": st.sampled_from([MemberStatus.ACTIVE, MemberStatus.ACTIVE, MemberStatus.DECEASED]),
            "school_status": _choice(SchoolStatus),
            "medical_insurance": _choice(MedicalInsurance),
            "disability_grade": _choice(DisabilityGrade),
            "health": _choice(Health),
            "post": st.booleans(),
        }
    ),
    min_size=0,
    max_size=4,
)
households = st.fixed_dictionaries(
    {
        "status": st.sampled_from(list(PovertyStatus)),
        "attribute": st.sampled_from(list(Attribute)),
        "housing_grade": st.sampled_from([*HousingGrade, ""]),
        "relocation": st.sampled_from(list(Relocation)),
        "wage": st.one_of(st.none(), st.decimals(0, 30000, places=2)),
        "business_income": st.decimals(0, 20000, places=2),
        "loan": st.booleans(),
        "year": st.sampled_from([2019, 2020, 2025]),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=households, people=members)
def test_live_equals_the_stored_run(users_by_role, facts, people):
    village = AreaFactory(parent=users_by_role.town_a, level="village")
    year = facts["year"]
    home = household(
        village,
        status=facts["status"],
        attribute=facts["attribute"],
        housing_grade=facts["housing_grade"],
        relocation=facts["relocation"],
    )
    made = []
    for person in people:
        someone = member(
            home,
            born=person["born"],
            status=person["status"],
            school_status=person["school_status"],
            medical_insurance=person["medical_insurance"],
            disability_grade=person["disability_grade"],
            health=person["health"],
        )
        made.append(someone)
        if person["post"]:
            PostFactory(holder=someone, started_on=dt.date(year - 1, 7, 1), ended_on=dt.date(year, 4, 15))
    if facts["wage"] is not None:
        income(home, year=year, wage=str(facts["wage"]), business_income=str(facts["business_income"]))
    if facts["loan"] and made:
        LoanFactory(borrower=made[0], issued_on=dt.date(year, 2, 10), due_on=dt.date(year + 2, 2, 10))
    run = entitlements_compute(user=SYSTEM, year=year, area_prefix=village.code)

    def key(row):
        return (row[0], row[1] or 0, row[2])

    stored = [
        (b, m, int(a * 100))
        for b, m, a in Entitlement.objects.filter(run=run, household=home).values_list("benefit", "member_id", "amount")
    ]
    live = household_entitlement_rows(household_id=home.pk, year=year, catalogue=catalogue_in_force())
    assert sorted(live, key=key) == sorted(stored, key=key)


def test_one_household_live_is_fast_once_compiled(users_by_role, settings, tmp_path):
    from jingzhun.benefits import gap_selectors

    settings.DATA_DIR = tmp_path
    gap_selectors._LIVE_SQL.clear()
    home = household(users_by_role.village_a)
    member(home)
    gap_selectors.household_live_seconds(household=home, year=2020)  # compiles, stores the SQL
    assert list((tmp_path / "cache").glob("entitlements-*.sql"))
    gap_selectors._LIVE_SQL.clear()  # as a fresh process: read back from the data directory
    assert gap_selectors.household_live_seconds(household=home, year=2020) < 0.2
