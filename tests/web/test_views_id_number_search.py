"""The household list searched by full ID numbers: logged, limited, and the refusals shown to the administrators."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.areas.models import Level
from tests.factories import UserFactory, sample_area
from tests.factories import id_number_guess as guess

pytestmark = pytest.mark.django_db
LIST = reverse("registry:household_list")
LIMIT = 10


@pytest.fixture
def target(county) -> str:
    return county.poor.members.get(name="郝建业").id_number


def _misses(client, number: str, times: int) -> None:
    for day in range(1, times + 1):
        response = client.get(LIST, {"q": guess(number, day)})
        assert response.status_code == 200
        assert response.context["page"].rows == []


@pytest.fixture
def blocked(client, village_user, target):
    """The village user has had ten misses within the hour."""
    client.force_login(village_user)
    _misses(client, target, LIMIT)
    return client


def test_a_page_search_by_a_full_number_is_logged(client, village_user, target):
    client.force_login(village_user)
    client.get(LIST, {"q": target})
    entry = AccessLog.objects.get(user=village_user)
    assert (entry.action, entry.target) == (AccessLog.Action.ID_SEARCH_FOUND, LIST)
    assert target not in str(entry.detail)


def test_after_ten_misses_the_page_refuses_the_search_in_chinese(blocked, county, target):
    response = blocked.get(LIST, {"q": target})
    assert response.status_code == 429
    assert response.context["page"].rows == []
    page = response.content.decode()
    assert "按完整身份证号查询暂停" in page
    assert county.poor.household_no not in page


def test_the_htmx_results_say_why_they_are_empty(blocked, target):
    response = blocked.get(LIST, {"q": target}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx does not show an error answer
    assert 'id="search-refused"' in response.content.decode()
    assert response.context["page"].rows == []


def test_the_api_misses_count_for_the_page(client, village_user, target):
    client.force_login(village_user)
    for day in range(1, LIMIT + 1):
        client.get("/api/members/", {"q": guess(target, day)})
    assert client.get(LIST, {"q": target}).status_code == 429


# --- what the administrators see --------------------------------------------------------------------------------


def _refusal(user, *, days_ago: float) -> None:
    AccessLog.objects.create(
        user=user,
        actor=user.username,
        action=AccessLog.Action.ID_SEARCH_REFUSED,
        target=LIST,
        at=timezone.now() - dt.timedelta(days=days_ago),
    )


def _refusals_table(client, **params) -> str:
    client.force_login(UserFactory(role=Role.SECURITY_ADMIN, area=sample_area(Level.COUNTY)))
    page = client.get(reverse("accounts:security_accounts"), params).content.decode()
    table = page[page.index('id="id-search-refusals"') :]
    return table[: table.index("</table>")]


def test_the_security_administrator_sees_who_was_refused(blocked, village_user, target):
    blocked.get(LIST, {"q": target})
    blocked.logout()
    table = _refusals_table(blocked)
    assert village_user.username in table
    assert "<td>1</td><td>10</td>" in table  # one refusal, ten misses


def test_the_security_administrator_chooses_the_period(client, village_user):
    _refusal(village_user, days_ago=3)
    assert village_user.username not in _refusals_table(client, refused_days="1")
    assert village_user.username in _refusals_table(client, refused_days="7")


def test_the_audit_administrator_filters_the_access_log_by_refusals(blocked, village_user, target):
    blocked.get(LIST, {"q": target})
    blocked.logout()
    blocked.force_login(UserFactory(role=Role.AUDIT_ADMIN, area=None))
    response = blocked.get(reverse("accounts:audit_access"), {"action": AccessLog.Action.ID_SEARCH_REFUSED})
    entries = list(response.context["page"])
    assert [(e.actor, e.action) for e in entries] == [(village_user.username, AccessLog.Action.ID_SEARCH_REFUSED)]
    assert "按完整身份证号查询被拒绝" in response.content.decode()
