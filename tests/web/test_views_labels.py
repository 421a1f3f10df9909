"""What the pages call things: one word for one thing, and dates the browser can show."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.assistance.models import MeasureKind
from jingzhun.core.scope import SYSTEM
from jingzhun.crosscheck.models import Clue
from jingzhun.crosscheck.services import crosscheck_run
from tests.assistance.factories import WorkTeamFactory
from tests.crosscheck.factories_clues import AS_OF, BatchFactory, listed, member_aged
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def test_the_department_import_date_is_filled_in_the_format_the_browser_reads(client, users_by_role):
    client.force_login(users_by_role[Role.DEPARTMENT].owner)
    body = client.get("/crosscheck/imports/").content.decode()
    assert f'type="date" name="as_of" value="{timezone.localdate().isoformat()}"' in body


def test_work_team_members_are_not_called_family_members(client, users_by_role):
    team = WorkTeamFactory(village=users_by_role.village_a)
    client.force_login(users_by_role[Role.TOWN].owner)
    body = client.get(f"/assistance/teams/{team.pk}/").content.decode()
    assert "队员" in body
    assert "家庭成员" not in body


def test_the_health_measure_is_health_assistance_not_health_status():
    assert str(MeasureKind.HEALTH.label) == "健康帮扶"


def test_the_dashboard_and_the_monitoring_page_use_one_word_for_cases_being_identified(client, users_by_role):
    client.force_login(users_by_role[Role.COUNTY].owner)
    HouseholdFactory(village=users_by_role.village_a)
    pages = [client.get("/").content.decode(), client.get("/monitoring/").content.decode()]
    assert all("认定中" in page for page in pages)
    assert not any("识别中" in page for page in pages)


def test_a_clue_shows_the_days_it_was_found_and_apart_the_day_it_is_judged_on(client, users_by_role):
    owner = member_aged(40, household=HouseholdFactory(village=users_by_role.village_a), name="李大山")
    listed(owner, BatchFactory(department="vehicles"), kind="小型轿车", text1="鲁A12345")
    crosscheck_run(user=SYSTEM, as_of=AS_OF)
    client.force_login(users_by_role[Role.COUNTY].owner)
    body = client.get(f"/crosscheck/clues/{Clue.objects.get().pk}/").content.decode()
    today = timezone.localdate().isoformat()
    assert f'data-testid="first-found">{today}<' in body
    assert f'data-testid="last-found">{today}<' in body
    assert f'data-testid="judged-as-of">{AS_OF.isoformat()}<' in body
