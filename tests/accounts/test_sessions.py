import pytest
from django.urls import reverse
from django.utils import timezone

from jingzhun.accounts.models import AuditEvent
from jingzhun.accounts.sessions import LOGIN_AT, SEEN_AT
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_ABSOLUTE_TIMEOUT = 8 * 3600
    client.force_login(UserFactory())
    return client


def _age(client, *, login_ago, seen_ago):
    now = timezone.now().timestamp()
    session = client.session
    session[LOGIN_AT] = now - login_ago
    session[SEEN_AT] = now - seen_ago
    session.save()


def test_login_stamps_the_session(logged_in):
    assert LOGIN_AT in logged_in.session
    assert SEEN_AT in logged_in.session


def test_active_session_goes_on(logged_in):
    _age(logged_in, login_ago=7 * 3600, seen_ago=29 * 60)
    assert logged_in.get(reverse("core:home")).status_code == 200


def test_idle_session_is_logged_out(logged_in):
    _age(logged_in, login_ago=3600, seen_ago=31 * 60)
    response = logged_in.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in logged_in.session


def test_session_past_the_absolute_limit_is_logged_out_however_active(logged_in):
    _age(logged_in, login_ago=8 * 3600 + 60, seen_ago=10)
    response = logged_in.get(reverse("core:home"))
    assert response["Location"].startswith(reverse("accounts:login"))


def test_expiry_is_audited_with_its_reason(logged_in):
    _age(logged_in, login_ago=3600, seen_ago=31 * 60)
    logged_in.get(reverse("core:home"))
    event = AuditEvent.objects.get(action=AuditEvent.Action.SESSION_EXPIRED)
    assert event.detail == {"reason": "idle"}


def test_login_page_tells_why_in_chinese(logged_in):
    _age(logged_in, login_ago=3600, seen_ago=31 * 60)
    response = logged_in.get(reverse("core:home"), follow=True)
    assert "会话已超时" in response.content.decode()


def test_a_request_renews_the_idle_clock(logged_in):
    _age(logged_in, login_ago=3600, seen_ago=20 * 60)
    logged_in.get(reverse("core:home"))
    assert timezone.now().timestamp() - logged_in.session[SEEN_AT] < 60
