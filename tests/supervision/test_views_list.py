"""The findings list and the queue: what each user sees, the filters, the late marks (挂牌督办)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.supervision.services import finding_assign
from tests.factories import AreaFactory, HouseholdFactory

from .conftest import record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
URL = "/supervision/"


def _found(days_ago: int) -> dt.date:
    return TODAY - dt.timedelta(days=days_ago)


def _assign(finding, user, days_ago: int):
    return finding_assign(finding_id=finding.pk, user=user, on=_found(days_ago), expected_version=finding.version)


def test_an_inspector_lands_on_the_findings_list(client, inspector):
    client.force_login(inspector)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/supervision/"


def test_the_list_shows_a_finding_of_the_area_with_its_assignees(client, users_by_role, inspector):
    finding = record(users_by_role, found_on=_found(2), today=TODAY)
    client.force_login(inspector)
    body = client.get("/supervision/").content.decode()
    assert finding.number in body
    assert "未交办" in body
    assert users_by_role.town_a.name in body
    assert "医保" in body


def test_an_outsider_sees_no_finding_of_area_a(client, users_by_role):
    finding = record(users_by_role, found_on=_found(2), today=TODAY)
    client.force_login(users_by_role[Role.INSPECTOR].outsider)
    assert finding.number not in client.get("/supervision/").content.decode()


def test_a_clerk_sees_only_its_departments_findings(client, users_by_role, clerk):
    ours = record(users_by_role, found_on=_found(2), today=TODAY)
    theirs = record(users_by_role, found_on=_found(2), department="民政", today=TODAY)
    client.force_login(clerk)
    body = client.get("/supervision/").content.decode()
    assert ours.number in body
    assert theirs.number not in body


def test_an_unassigned_finding_past_its_due_date_is_marked_escalated_to_the_city(client, users_by_role, inspector):
    late = record(users_by_role, found_on=_found(8), today=TODAY)  # assignment was due yesterday
    in_time = record(users_by_role, found_on=_found(7), today=TODAY)  # due today: not late
    client.force_login(inspector)
    body = client.get("/supervision/", {"late": "市级"}).content.decode()
    assert late.number in body
    assert in_time.number not in body
    assert "挂牌督办 市级" in body


def test_a_part_past_its_due_date_is_marked_escalated_to_the_county(client, users_by_role, inspector):
    finding = _assign(record(users_by_role, found_on=_found(30), today=TODAY), inspector, 22)
    client.force_login(inspector)
    body = client.get("/supervision/", {"late": "县级"}).content.decode()
    assert finding.number in body
    assert "挂牌督办 县级" in body


@pytest.mark.parametrize(
    ("state", "shown"), [("unassigned", "recorded"), ("rectifying", "assigned"), ("closed", None), ("all", "both")]
)
def test_the_state_filter(client, users_by_role, inspector, state, shown):
    recorded = record(users_by_role, found_on=_found(2), today=TODAY)
    assigned = _assign(record(users_by_role, found_on=_found(2), today=TODAY), inspector, 1)
    client.force_login(inspector)
    body = client.get("/supervision/", {"state": state}).content.decode()
    assert (recorded.number in body) == (shown in ("recorded", "both"))
    assert (assigned.number in body) == (shown in ("assigned", "both"))


def test_the_source_and_town_filters(client, users_by_role, inspector):
    audit = record(users_by_role, found_on=_found(2), source="audit", today=TODAY)
    monthly = record(users_by_role, found_on=_found(2), today=TODAY)
    department_only = record(users_by_role, found_on=_found(2), town_code="", today=TODAY)
    client.force_login(inspector)
    by_source = client.get("/supervision/", {"source": "audit"}).content.decode()
    assert audit.number in by_source and monthly.number not in by_source
    by_town = client.get("/supervision/", {"town": users_by_role.town_a.code}).content.decode()
    assert monthly.number in by_town and department_only.number not in by_town


def test_the_village_filter_keeps_the_findings_found_in_that_village(client, users_by_role, inspector):
    ours = record(users_by_role, found_on=_found(2), today=TODAY)
    neighbour = AreaFactory(level="village", parent=users_by_role.town_a)
    theirs = record(users_by_role, found_on=_found(2), area_code=neighbour.code, today=TODAY)
    client.force_login(inspector)
    body = client.get(URL, {"village": users_by_role.village_a.code}).content.decode()
    assert ours.number in body
    assert theirs.number not in body


def test_the_filters_offer_the_villages_of_the_area(client, users_by_role, inspector):
    client.force_login(inspector)
    body = client.get(URL).content.decode()
    assert 'name="village"' in body
    assert f'value="{users_by_role.village_a.code}"' in body
    assert f'value="{users_by_role.village_b.code}"' not in body


def test_a_village_out_of_scope_is_ignored_by_the_list(client, users_by_role, inspector):
    ours = record(users_by_role, found_on=_found(2), today=TODAY)
    theirs = record(
        users_by_role,
        user=users_by_role[Role.INSPECTOR].outsider,
        found_on=_found(2),
        area_code=users_by_role.village_b.code,
        town_code=users_by_role.town_b.code,
        today=TODAY,
    )
    client.force_login(inspector)
    response = client.get(URL, {"village": users_by_role.village_b.code})
    assert response.status_code == 200
    body = response.content.decode()
    assert ours.number in body
    assert theirs.number not in body


def test_the_household_links_only_for_a_user_who_sees_people(client, users_by_role, inspector, clerk):
    household = HouseholdFactory(village=users_by_role.village_a)
    record(users_by_role, found_on=_found(2), household_no=household.household_no, today=TODAY)
    client.force_login(inspector)
    assert f"/households/{household.household_no}/" in client.get("/supervision/").content.decode()
    client.force_login(clerk)
    assert household.household_no not in client.get("/supervision/").content.decode()


def test_a_village_user_may_not_see_the_list(client, users_by_role):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert client.get("/supervision/").status_code == 403


def test_the_list_pages_by_number(client, users_by_role, inspector, monkeypatch):
    monkeypatch.setattr("jingzhun.supervision.views.PAGE_SIZE", 2)
    numbers = [record(users_by_role, found_on=_found(2), today=TODAY).number for _ in range(3)]
    client.force_login(inspector)
    first = client.get("/supervision/").content.decode()
    assert numbers[0] in first and numbers[2] not in first
    second = client.get("/supervision/", {"after": numbers[1]}).content.decode()
    assert numbers[2] in second and numbers[0] not in second


# --- the queue ----------------------------------------------------------------------------------------------------


def test_a_town_sees_its_own_parts_in_its_queue(client, users_by_role, inspector, town_user):
    ours = _assign(record(users_by_role, found_on=_found(5), today=TODAY), inspector, 4)
    department_only = _assign(record(users_by_role, found_on=_found(5), town_code="", today=TODAY), inspector, 4)
    client.force_login(town_user)
    body = client.get("/supervision/queue/").content.decode()
    assert ours.number in body
    assert department_only.number not in body


def test_a_town_of_another_county_sees_none_of_them(client, users_by_role, inspector):
    finding = _assign(record(users_by_role, found_on=_found(5), today=TODAY), inspector, 4)
    client.force_login(users_by_role[Role.TOWN].outsider)
    assert finding.number not in client.get("/supervision/queue/").content.decode()


def test_a_clerk_sees_only_its_departments_parts(client, users_by_role, inspector, clerk):
    ours = _assign(record(users_by_role, found_on=_found(5), today=TODAY), inspector, 4)
    theirs = _assign(record(users_by_role, found_on=_found(5), department="民政", today=TODAY), inspector, 4)
    client.force_login(clerk)
    body = client.get("/supervision/queue/").content.decode()
    assert ours.number in body
    assert theirs.number not in body


def test_the_queue_reminds_of_a_part_due_soon_and_marks_a_late_one(client, users_by_role, inspector, town_user):
    # Assigned 19 days ago: due in 2 days (within the 3 reminder days); assigned 22 days ago: one day late.
    soon = _assign(record(users_by_role, found_on=_found(20), today=TODAY), inspector, 19)
    late = _assign(record(users_by_role, found_on=_found(25), today=TODAY), inspector, 22)
    client.force_login(town_user)
    response = client.get("/supervision/queue/")
    body = response.content.decode()
    assert soon.number in body and late.number in body
    assert "2 天后到期" in body
    assert "挂牌督办 县级" in body
    assert response.context["counts"] == {"open": 2, "late": 1, "soon": 1}


def test_the_queue_is_refused_to_an_inspector(client, inspector):
    client.force_login(inspector)
    assert client.get("/supervision/queue/").status_code == 403


def test_a_clerks_landing_shows_its_open_and_late_parts(client, users_by_role, inspector, clerk):
    _assign(record(users_by_role, found_on=_found(25), today=TODAY), inspector, 22)
    client.force_login(clerk)
    response = client.get("/", follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == "/crosscheck/batches/"
    assert 'data-testid="queue-summary"' in body
    assert 'data-testid="summary-late">1<' in body


def test_the_nav_offers_the_findings_to_who_may_see_them(client, users_by_role, clerk):
    client.force_login(clerk)
    body = client.get("/crosscheck/batches/").content.decode()
    assert 'href="/supervision/"' in body and 'href="/supervision/queue/"' in body
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert 'href="/supervision/"' not in client.get("/households/").content.decode()


def test_the_list_leads_a_recorder_to_recording_importing_statistics_and_escalation_lists(client, inspector):
    client.force_login(inspector)
    page = client.get(URL).content.decode()
    for testid in ("record-finding", "import-findings", "findings-statistics", "escalation-lists"):
        assert f'data-testid="{testid}"' in page


def test_the_list_offers_a_town_no_recording_or_import(client, town_user):
    client.force_login(town_user)
    page = client.get(URL).content.decode()
    assert 'data-testid="import-findings"' not in page and 'data-testid="record-finding"' not in page
    assert 'data-testid="findings-statistics"' in page
