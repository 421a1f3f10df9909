"""The clue list, one clue and its actions, the run list and its button — with each role's permissions."""

from __future__ import annotations

import pytest

from jingzhun.accounts.models import Role
from jingzhun.core.scope import SYSTEM
from jingzhun.crosscheck.models import Clue, Run
from jingzhun.crosscheck.services import crosscheck_run
from jingzhun.monitoring.models import MonitoringCase
from tests.crosscheck.factories_clues import AS_OF, BatchFactory, listed, member_aged
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clue(users_by_role):
    """An X06 clue of a household of village A (area A's users see it, area B's do not)."""
    owner = member_aged(40, household=HouseholdFactory(village=users_by_role.village_a), name="李大山")
    listed(owner, BatchFactory(department="vehicles"), kind="小型轿车", text1="鲁A12345")
    crosscheck_run(user=SYSTEM, as_of=AS_OF)
    return Clue.objects.get()


@pytest.mark.parametrize("role", [Role.COUNTY, Role.TOWN, Role.VILLAGE, Role.HELPER, Role.INSPECTOR])
def test_the_list_shows_clues_of_the_area(client, users_by_role, clue, role):
    if role == Role.HELPER:  # a helper sees the clues of its paired households only
        from tests.assistance.factories import HelperFactory, PairingFactory

        helper = HelperFactory(user=users_by_role[role].owner, area=users_by_role.village_a)
        PairingFactory(helper=helper, household=clue.household)
    client.force_login(users_by_role[role].owner)
    body = client.get("/crosscheck/").content.decode()
    assert clue.household.household_no in body and "李大山" in body
    assert clue.id_number not in body  # masked
    client.force_login(users_by_role[role].outsider)
    body = client.get("/crosscheck/").content.decode()
    assert clue.household.household_no not in body


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN])
def test_roles_without_people_data_are_refused(client, users_by_role, clue, role):
    client.force_login(users_by_role[role].owner)
    assert client.get("/crosscheck/").status_code == 403
    assert client.get(f"/crosscheck/clues/{clue.pk}/").status_code == 403


def test_filters(client, users_by_role, clue):
    client.force_login(users_by_role[Role.COUNTY].owner)
    assert "李大山" in client.get("/crosscheck/", {"rule": "X06", "department": "vehicles"}).content.decode()
    assert "李大山" not in client.get("/crosscheck/", {"rule": "X01"}).content.decode()
    assert "李大山" not in client.get("/crosscheck/", {"state": "fixed"}).content.decode()
    assert "李大山" in client.get("/crosscheck/", {"village": clue.village_code}).content.decode()
    assert client.get("/crosscheck/", {"rule": "nonsense", "after": "X06#"}).status_code == 200


def test_keyset_pages(client, users_by_role):
    batch = BatchFactory(department="payroll")
    for _ in range(3):
        listed(member_aged(40, household=HouseholdFactory(village=users_by_role.village_a)), batch, text1="某局")
    crosscheck_run(user=SYSTEM, as_of=AS_OF)
    client.force_login(users_by_role[Role.COUNTY].owner)
    from jingzhun.crosscheck import views

    views.PAGE_SIZE, saved = 2, views.PAGE_SIZE
    try:
        first = client.get("/crosscheck/")
        assert first.context["page"].next_after
        second = client.get("/crosscheck/", {"after": first.context["page"].next_after})
    finally:
        views.PAGE_SIZE = saved
    ids = [c.pk for c in first.context["page"].rows] + [c.pk for c in second.context["page"].rows]
    assert sorted(ids) == sorted(Clue.objects.values_list("pk", flat=True))


def test_detail_shows_both_sides_the_row_and_the_history(client, users_by_role, clue):
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.get(f"/crosscheck/clues/{clue.pk}/")
    body = response.content.decode()
    assert "小型轿车 鲁A12345" in body and "鲁A12345" in body
    assert 'data-testid="list-row"' in body and 'data-testid="dispatch-form"' in body
    assert "比对发现线索" in body
    client.force_login(users_by_role[Role.COUNTY].outsider)
    assert client.get(f"/crosscheck/clues/{clue.pk}/").status_code == 404


def test_dispatch_answer_and_open_case_through_the_page(client, users_by_role, clue):
    county, town = users_by_role[Role.COUNTY].owner, users_by_role[Role.TOWN].owner
    client.force_login(town)
    assert 'data-testid="dispatch-form"' not in client.get(f"/crosscheck/clues/{clue.pk}/").content.decode()
    assert client.post(f"/crosscheck/clues/{clue.pk}/", {"action": "dispatch", "version": 1}).status_code == 403
    client.force_login(county)
    response = client.post(f"/crosscheck/clues/{clue.pk}/", {"action": "dispatch", "version": 1})
    assert response.status_code == 302
    stale = client.post(f"/crosscheck/clues/{clue.pk}/", {"action": "dispatch", "version": 1})
    assert stale.status_code == 409 and "刷新" in stale.content.decode()
    client.force_login(town)
    missing = client.post(f"/crosscheck/clues/{clue.pk}/", {"action": "answer", "answer": "fixed", "version": 2})
    assert missing.status_code == 400
    answered = client.post(
        f"/crosscheck/clues/{clue.pk}/", {"action": "answer", "answer": "fixed", "note": "属实", "version": 2}
    )
    assert answered.status_code == 302
    clue.refresh_from_db()
    assert clue.state == "fixed"
    body = client.get(f"/crosscheck/clues/{clue.pk}/").content.decode()
    assert 'data-testid="fix-refused"' in body and 'data-testid="open-case-form"' not in body
    client.force_login(county)
    assert 'data-testid="open-case-form"' in client.get(f"/crosscheck/clues/{clue.pk}/").content.decode()
    assert client.post(f"/crosscheck/clues/{clue.pk}/", {"action": "open_case"}).status_code == 302
    assert MonitoringCase.objects.filter(household=clue.household, channel="department_warning").exists()
    assert client.post(f"/crosscheck/clues/{clue.pk}/", {"action": "open_case"}).status_code == 400


def test_run_list_and_the_button(client, users_by_role, clue):
    client.force_login(users_by_role[Role.TOWN].owner)
    body = client.get("/crosscheck/runs/").content.decode()
    assert 'data-testid="run-form"' not in body and "X06" in body
    assert client.post("/crosscheck/runs/").status_code == 403
    client.force_login(users_by_role[Role.COUNTY].owner)
    assert 'data-testid="run-form"' in client.get("/crosscheck/runs/").content.decode()
    before = Run.objects.count()
    assert client.post("/crosscheck/runs/").status_code == 302
    assert Run.objects.count() == before + 1
    assert Run.objects.first().summary["area_prefix"] == users_by_role.county_a.prefix


def test_run_button_without_lists(client, users_by_role):
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.post("/crosscheck/runs/")
    assert response.status_code == 400 and "尚未导入任何部门数据" in response.content.decode()


def test_a_full_id_number_shown_on_a_clue_is_logged(client, users_by_role, clue):
    from jingzhun.accounts.models import AccessLog

    county = users_by_role[Role.COUNTY].owner
    county.may_see_id_numbers = True
    county.save(update_fields=["may_see_id_numbers"])
    client.force_login(county)
    assert clue.id_number in client.get(f"/crosscheck/clues/{clue.pk}/").content.decode()
    assert AccessLog.objects.filter(action="unmask", target=f"clue:{clue.pk}", user=county).exists()


def test_masked_numbers_leave_no_unmask_entry(client, users_by_role, clue):
    from jingzhun.accounts.models import AccessLog

    client.force_login(users_by_role[Role.COUNTY].owner)
    client.get(f"/crosscheck/clues/{clue.pk}/")
    client.get("/crosscheck/")
    assert not AccessLog.objects.filter(action="unmask").exists()


def test_a_clue_of_a_household_that_moved_away_is_neither_shown_nor_answered(client, users_by_role, clue):
    # The clue keeps the village of the last comparison; the household moved to county B since (issue 24, item 5).
    from jingzhun.registry.models import Household

    Household.objects.filter(pk=clue.household_id).update(village=users_by_role.village_b)
    client.force_login(users_by_role[Role.COUNTY].owner)
    assert clue.household.household_no not in client.get("/crosscheck/").content.decode()
    assert client.get(f"/crosscheck/clues/{clue.pk}/").status_code == 404
    response = client.post(f"/crosscheck/clues/{clue.pk}/", {"action": "dispatch", "version": clue.version})
    assert response.status_code == 404
    clue.refresh_from_db()
    assert clue.state == "new"


def test_the_clue_services_refuse_a_household_that_moved_away(users_by_role, clue):
    from django.core.exceptions import PermissionDenied

    from jingzhun.crosscheck.services import clue_dispatch
    from jingzhun.registry.models import Household

    Household.objects.filter(pk=clue.household_id).update(village=users_by_role.village_b)
    with pytest.raises(PermissionDenied):
        clue_dispatch(clue_id=clue.pk, user=users_by_role[Role.COUNTY].owner, expected_version=clue.version)


def test_a_helper_does_not_see_the_clues_of_a_household_it_is_not_paired_with(client, users_by_role, clue):
    client.force_login(users_by_role[Role.HELPER].owner)
    assert clue.household.household_no not in client.get("/crosscheck/").content.decode()
    assert client.get(f"/crosscheck/clues/{clue.pk}/").status_code == 404


def test_the_department_data_pages_link_to_each_other_for_the_county(client, users_by_role):
    client.force_login(users_by_role[Role.COUNTY].owner)
    nav = client.get("/crosscheck/batches/").content.decode()
    for page in ("/crosscheck/", "/crosscheck/runs/", "/crosscheck/review/"):
        assert f'href="{page}"' in nav


def test_a_department_clerk_sees_only_the_lists_in_the_department_data_links(client, users_by_role):
    client.force_login(users_by_role[Role.DEPARTMENT].owner)
    body = client.get("/crosscheck/batches/").content.decode()
    assert 'data-testid="crosscheck-nav"' in body
    assert 'href="/crosscheck/"' not in body and 'href="/crosscheck/review/"' not in body
