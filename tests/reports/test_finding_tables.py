"""Standard table 10, findings by source and area: the year's findings where they were found (a county-level one
under its responsible town), closed, open and late, checked against the supervision list."""

import datetime as dt

import pytest
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.reports.standard import report_table
from jingzhun.supervision.models import Finding
from jingzhun.supervision.selectors import findings_for_user
from jingzhun.supervision.services import finding_record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year
FOUND = dt.date(YEAR, 1, 1)


def _record(users_by_role, *, area_code, source="monthly", town_code=None, outsider=False):
    inspectors = users_by_role[Role.INSPECTOR]
    return finding_record(
        user=inspectors.outsider if outsider else inspectors.owner,
        source=source,
        found_on=FOUND,
        area_code=area_code,
        category="policy",
        description="低保政策未落实到户",
        town_code=town_code or users_by_role.town_a.code,
        department="medical_insurance",
        today=TODAY,
    )


@pytest.fixture
def findings(users_by_role, county):
    _record(users_by_role, area_code=users_by_role.village_a.code)
    _record(users_by_role, area_code=users_by_role.village_a.code, source="audit")
    _record(users_by_role, area_code=county["village_2"].code, town_code=county["town_2"].code, source="petition")
    _record(users_by_role, area_code=users_by_role.county_a.code)  # found at county level, town A answers
    _record(users_by_role, area_code=users_by_role.village_b.code, town_code=users_by_role.town_b.code, outsider=True)


def _table(users_by_role, role):
    return report_table(name="findings", user=users_by_role[role].owner, year=YEAR)


def test_the_county_total_agrees_with_the_findings_list(users_by_role, findings):
    user = users_by_role[Role.COUNTY].owner
    total = _table(users_by_role, Role.COUNTY).total.values
    listed = findings_for_user(user=user).filter(found_on__year=YEAR)
    assert total["found"] == listed.count() == 4
    assert (total["source_monthly"], total["source_audit"], total["source_petition"]) == (2, 1, 1)
    assert total["rectified"] + total["open"] == total["found"]


def test_a_county_level_finding_counts_for_its_responsible_town(users_by_role, findings):
    table = _table(users_by_role, Role.TOWN)
    assert table.total.code == users_by_role.town_a.code
    assert table.total.values["found"] == 3  # two in village A, one at county level for town A
    village = next(r for r in table.rows if r.code == users_by_role.village_a.code)
    assert village.values["found"] == 2


def test_a_finding_verified_later_counts_as_open_last_year(users_by_role, county):
    found = _record(users_by_role, area_code=users_by_role.village_a.code)
    Finding.objects.filter(pk=found.pk).update(
        found_on=dt.date(YEAR - 1, 6, 1), assigned_on=dt.date(YEAR - 1, 6, 2), verified_on=FOUND
    )
    last_year = report_table(name="findings", user=users_by_role[Role.COUNTY].owner, year=YEAR - 1).total.values
    assert (last_year["found"], last_year["rectified"], last_year["open"]) == (1, 0, 1)
