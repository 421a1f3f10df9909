"""The 托底清零 view's counts: households and people by kind and area, checked against the cases themselves."""

from __future__ import annotations

import pytest

from jingzhun.accounts.models import Role
from jingzhun.adjustments.models import AdjustmentCase
from jingzhun.adjustments.selectors import year_changes_for_user
from tests.factories import HouseholdFactory, MemberFactory

from .conftest import APPLIED, open_case
from .flow import MEMBER_STEPS, STATUS_STEPS, walk

pytestmark = pytest.mark.django_db


def test_the_years_changes_count_households_and_people(client, users_by_role, household):
    walk(users_by_role, open_case(users_by_role, household), STATUS_STEPS, APPLIED)
    other = HouseholdFactory(village=users_by_role.village_a, poverty_status="not_exited", year_exited=None)
    members = [MemberFactory(household=other, relation="head"), MemberFactory(household=other, relation="son")]
    case = open_case(
        users_by_role, other, "member_remove", member_id_number=members[1].id_number, member_status="moved_out"
    )
    walk(users_by_role, case, MEMBER_STEPS, APPLIED)
    changes = year_changes_for_user(user=users_by_role[Role.COUNTY].owner, year=APPLIED.year)
    assert changes.total.counts == {"exit": (1, 2), "member_remove": (1, 1)}
    assert sorted(AdjustmentCase.objects.values_list("people", flat=True)) == [1, 2]
    assert (changes.total.households, changes.total.people) == (2, 3)
    assert [row.name for row in changes.rows] == [users_by_role.town_a.name]


def test_the_years_changes_leave_out_another_area(users_by_role, household):
    walk(users_by_role, open_case(users_by_role, household), STATUS_STEPS, APPLIED)
    changes = year_changes_for_user(user=users_by_role[Role.COUNTY].outsider, year=APPLIED.year)
    assert changes.rows == []


def test_the_year_page_shows_the_totals(client, users_by_role, household):
    walk(users_by_role, open_case(users_by_role, household), STATUS_STEPS, APPLIED)
    client.force_login(users_by_role[Role.COUNTY].owner)
    body = client.get(f"/adjustments/year/?year={APPLIED.year}").content.decode()
    assert 'data-testid="changes-total"><strong>1</strong> / 2' in body


def test_the_year_page_puts_the_transitions_since_the_last_run_beside_the_changes(client, users_by_role, household):
    from jingzhun.policy.services import assessment_run
    from jingzhun.registry.models import Member

    assessment_run(year=2020)
    walk(users_by_role, open_case(users_by_role, household), STATUS_STEPS, APPLIED)
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.get(f"/adjustments/year/?year={APPLIED.year}")
    table = response.context["table"]
    changed = {(row["from"], cell["to"]): (cell["n"], cell["people"]) for row in table["rows"] for cell in row["cells"]}
    people = Member.objects.filter(household=household, status="active").count()
    assert changed[("not_exited", "exited")] == (1, people)
    assert 'data-testid="transitions-total"><strong>1</strong> / 2' in response.content.decode()
