"""Standard table 1, population by status and attribute: totals, agreement with the household list, scope, the
end of a past year read back from history, and a cached figure that never goes stale."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.core.scope import SYSTEM
from jingzhun.registry.models import Household, Member
from jingzhun.registry.selectors import household_search_for_user
from jingzhun.registry.services import household_update, member_update
from jingzhun.registry.vocab import MemberStatus, PovertyStatus
from jingzhun.reports.population import STATUSES, machine_rows
from jingzhun.reports.standard import report_table
from tests.reports.conftest import household

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


def _table(user, year=THIS_YEAR, area=None):
    return report_table(name="population", user=user, year=year, area_prefix=area)


def _row(table, code):
    return next(r for r in table.rows if r.code == code)


def test_each_town_and_the_county_are_the_sums_of_the_rows_below_them(users_by_role, county):
    table = _table(users_by_role[Role.COUNTY].owner)
    for parent in (r for r in table.rows if r.level != "village"):
        prefix = parent.code[: 6 if parent.level == "county" else 9]
        below = [r for r in table.rows if r.level == "village" and r.code.startswith(prefix)]
        for column in table.columns:
            assert parent.values[column.key] == sum(r.values[column.key] for r in below), (parent.code, column.key)


def test_the_totals_count_households_and_active_people(users_by_role, county):
    total = _table(users_by_role[Role.COUNTY].owner).total
    assert total.code == users_by_role.county_a.code
    assert (total.values["households"], total.values["people"]) == (8, 22)  # the deceased member is not counted
    assert total.values["h_exited"] == 3
    assert total.values["h_dibao"] == 2  # both registered dibao households
    assert total.values["h_general"] + total.values["h_dibao"] + total.values["h_tekun"] == 7  # 非贫困户 left out


def test_every_village_figure_agrees_with_the_household_list(users_by_role, county):
    user = users_by_role[Role.COUNTY].owner
    table = _table(user)
    for row in (r for r in table.rows if r.level == "village"):
        for status in STATUSES:
            listed = household_search_for_user(user=user, village=row.code, status=status)
            assert row.values[f"h_{status}"] == listed.count(), (row.code, status)
            people = Member.objects.filter(household__in=listed, status=MemberStatus.ACTIVE).count()
            assert row.values[f"p_{status}"] == people, (row.code, status)


def test_the_machine_rows_give_every_area_all_six_statuses(users_by_role, county):
    rows = machine_rows(_table(users_by_role[Role.COUNTY].owner))
    codes = {code for code, *_ in rows}
    assert len(codes) == 6  # the county, two towns, three villages
    assert len(rows) == 6 * 6
    village_2 = [r for r in rows if r[0] == county["village_2"].code]
    assert [r[2] for r in village_2] == [
        "非贫困户",
        "未脱贫",
        "已脱贫(享受政策)",
        "预脱贫",
        "返贫",
        "已脱贫(不再享受政策)",
    ]
    assert [r[3] for r in village_2] == [0, 0, 1, 1, 0, 1]


def test_a_town_sees_its_town_and_villages_only(users_by_role, county):
    table = _table(users_by_role[Role.TOWN].owner)
    assert [r.level for r in table.rows] == ["town", "village", "village"]
    assert table.total.values["households"] == 5


def test_an_area_outside_the_scope_is_refused(users_by_role, county):
    with pytest.raises(PermissionDenied):
        _table(users_by_role[Role.TOWN].owner, area=county["town_2"].prefix)


def test_a_county_may_narrow_to_one_of_its_towns(users_by_role, county):
    table = _table(users_by_role[Role.COUNTY].owner, area=county["town_2"].prefix)
    assert table.total.code == county["town_2"].code
    assert table.total.values["households"] == 3


def _back_date(year: int) -> None:
    """Every record made so far dated in ``seconds_ago_year`` (as if registered then)."""
    moment = dt.datetime(year, 6, 1, tzinfo=dt.UTC)
    Household.objects.update(created_at=moment)
    Member.objects.update(created_at=moment)


def test_a_past_year_shows_the_status_recorded_at_its_end(users_by_role, county):
    user = users_by_role[Role.COUNTY].owner
    _back_date(THIS_YEAR - 1)
    relapsed = Household.objects.get(poverty_status=PovertyStatus.RELAPSED)
    household_update(household=relapsed, changes={"poverty_status": PovertyStatus.EXITED}, user=user, reason="脱贫")
    last_year = _table(user, year=THIS_YEAR - 1).total
    now = _table(user).total
    assert (last_year.values["h_relapsed"], now.values["h_relapsed"]) == (1, 0)
    assert (last_year.values["h_exited"], now.values["h_exited"]) == (3, 4)


def test_a_past_year_counts_a_member_who_died_later_and_not_one_added_later(users_by_role, county):
    user = users_by_role[Role.COUNTY].owner
    _back_date(THIS_YEAR - 1)
    member = Member.objects.filter(status=MemberStatus.ACTIVE, household__poverty_status=PovertyStatus.PRE_EXIT).first()
    member_update(member=member, changes={"status": MemberStatus.DECEASED}, user=user, reason="死亡")
    household(county["village_2"], PovertyStatus.NOT_EXITED, people=2)  # registered this year
    last_year = _table(user, year=THIS_YEAR - 1).total
    now = _table(user).total
    assert (last_year.values["p_pre_exit"], now.values["p_pre_exit"]) == (2, 1)
    assert (last_year.values["h_not_exited"], now.values["h_not_exited"]) == (1, 2)


def test_a_year_before_anything_was_registered_is_all_zeros(users_by_role, county):
    _back_date(THIS_YEAR - 1)
    total = _table(users_by_role[Role.COUNTY].owner, year=THIS_YEAR - 2).total
    assert set(total.values.values()) == {0}


def test_a_cached_figure_never_outlives_a_change(users_by_role, county):
    user = users_by_role[Role.COUNTY].owner
    assert _table(user).total.values["h_relapsed"] == 1
    relapsed = Household.objects.get(poverty_status=PovertyStatus.RELAPSED)
    household_update(household=relapsed, changes={"poverty_status": PovertyStatus.EXITED}, user=user, reason="脱贫")
    assert _table(user).total.values["h_relapsed"] == 0


def test_the_command_line_sees_the_whole_database(county):
    table = _table(SYSTEM)
    assert sum(r.values["households"] for r in table.rows if r.level == "county") == 9
