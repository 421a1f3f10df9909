"""The income pre-assessment page over a window of months, with the measures followed up (issue 23)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from jingzhun.accounts.models import Role
from jingzhun.assistance.models import Measure
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory

pytestmark = pytest.mark.django_db

LIAOCHENG = {"from": "2019-10", "to": "2020-06", "pack": "shandong-2020"}
ZERO = Decimal("0")


def _poor(village, *, wage_2019: int = 6000, wage_2020: int = 1800):
    """A household of two projected below 4500: (wage_2019 × 3/12 + wage_2020) × 12 / 9."""
    household = HouseholdFactory(village=village)
    MemberFactory(household=household)
    MemberFactory(household=household)
    for year, wage in ((2019, wage_2019), (2020, wage_2020)):
        IncomeFactory(
            household=household,
            year=year,
            wage=Decimal(wage),
            business_income=ZERO,
            business_expense=ZERO,
            pension=ZERO,
        )
    return household


def _measure(household, on: dt.date, content: str = "安排公益岗位") -> Measure:
    return Measure.objects.create(household=household, kind="public_welfare_job", content=content, started_on=on)


def test_window_across_a_year_lists_households_with_the_measures_since_it_began(client, users_by_role):
    helped, waiting = _poor(users_by_role.village_a), _poor(users_by_role.village_a)
    _measure(helped, dt.date(2019, 11, 5), "安排公益岗位")
    _measure(helped, dt.date(2019, 9, 30), "旧措施")  # before the window: not a follow-up
    _measure(waiting, dt.date(2019, 9, 1), "更早的措施")
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.get(reverse("core:preassessment"), LIAOCHENG)
    assert response.status_code == 200
    rows = {row["household_no"]: row for row in response.context["rows"]}
    assert [m.content for m in rows[helped.household_no]["measures"]] == ["安排公益岗位"]
    assert rows[waiting.household_no]["measures"] == []
    assert response.context["totals"] | {} == {
        "households": 2,
        "people": 4,
        "gap": response.context["totals"]["gap"],
        "with_measures": 1,
        "without_measures": 1,
    }
    body = response.content.decode()
    assert "2019-10 至 2020-06" in body and "安排公益岗位" in body and "旧措施" not in body


def test_followup_filter_lists_households_without_a_measure(client, users_by_role):
    helped, waiting = _poor(users_by_role.village_a), _poor(users_by_role.village_a)
    _measure(helped, dt.date(2020, 3, 1))
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.get(reverse("core:preassessment"), LIAOCHENG | {"followup": "without"})
    assert [row["household_no"] for row in response.context["rows"]] == [waiting.household_no]


@pytest.mark.parametrize(
    ("window", "reason"),
    [
        ({"from": "2020-06", "to": "2019-10"}, "晚于截止月份"),
        ({"from": "2017-01", "to": "2020-06"}, "最长 24 个月"),
        ({"from": "2019/10", "to": "2020-06"}, "年-月"),
        ({"from": "2019-10", "to": "2099-06"}, "不能晚于本月"),
    ],
)
def test_bad_windows_are_refused_in_chinese(client, users_by_role, window, reason):
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.get(reverse("core:preassessment"), window | {"pack": "shandong-2020"})
    assert response.status_code == 400
    assert reason in response.context["error"]
    assert "rows" not in response.context


def test_the_page_without_a_window_shows_the_form_only(client, users_by_role):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = client.get(reverse("core:preassessment"))
    assert response.status_code == 200
    assert "result" not in response.context


def test_an_outsider_sees_none_of_the_households_or_measures(client, users_by_role):
    household = _poor(users_by_role.village_a)
    _measure(household, dt.date(2020, 1, 1), "甲村措施")
    client.force_login(users_by_role[Role.COUNTY].outsider)
    response = client.get(reverse("core:preassessment"), LIAOCHENG)
    assert response.context["totals"]["households"] == 0
    assert household.household_no not in response.content.decode()


def test_a_colleague_sees_the_same_list(client, users_by_role):
    household = _poor(users_by_role.village_a)
    client.force_login(users_by_role[Role.TOWN].colleague)
    response = client.get(reverse("core:preassessment"), LIAOCHENG)
    assert [row["household_no"] for row in response.context["rows"]] == [household.household_no]


@pytest.mark.parametrize("role", [Role.HELPER, Role.DEPARTMENT, Role.SYSTEM_ADMIN])
def test_roles_without_area_wide_people_data_are_refused(client, users_by_role, role):
    client.force_login(users_by_role[role].owner)
    assert client.get(reverse("core:preassessment"), LIAOCHENG).status_code == 403
