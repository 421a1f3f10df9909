import pytest
from django.urls import reverse

from jingzhun.accounts.models import AuditEvent, Role
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _fail(client, username, times, *, address="10.0.0.1"):
    for _ in range(times):
        response = client.post(
            reverse("accounts:login"), {"username": username, "password": "wrong-Password-1"}, REMOTE_ADDR=address
        )
    return response


def _log_in(client, username, *, address="10.0.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": TEST_PASSWORD}, REMOTE_ADDR=address
    )


def test_four_failures_do_not_lock(client):
    user = UserFactory()
    _fail(client, user.username, 4)
    assert _log_in(client, user.username).status_code == 302


def test_fifth_failure_locks_the_account_even_with_the_right_password(client):
    user = UserFactory()
    _fail(client, user.username, 5)
    response = _log_in(client, user.username)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_follows_the_name_across_addresses(client):
    user = UserFactory()
    _fail(client, user.username, 5, address="10.0.0.1")
    assert _log_in(client, user.username, address="10.0.0.99").status_code == 429


def test_a_colleague_behind_the_same_address_can_still_log_in(client):
    locked, colleague = UserFactory(), UserFactory()
    _fail(client, locked.username, 5)
    assert _log_in(client, colleague.username).status_code == 302


def test_lockout_message_is_shown_on_the_login_page_in_chinese(client):
    user = UserFactory()
    response = _fail(client, user.username, 5)
    content = response.content.decode()
    assert response.status_code == 429
    assert "锁定" in content
    assert "安全管理员" in content
    assert 'name="password"' in content


def test_lockout_is_audited(client):
    user = UserFactory()
    _fail(client, user.username, 5)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKOUT, target=user.username).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, target=user.username).count() == 5


def test_security_administrator_lists_and_unlocks(client):
    user = UserFactory()
    _fail(client, user.username, 5)
    security = UserFactory(role=Role.SECURITY_ADMIN, area=None)
    admin_client = client.__class__()
    admin_client.force_login(security)
    listing = admin_client.get(reverse("accounts:security_accounts"))
    assert [lockout.username for lockout in listing.context["lockouts"]] == [user.username]

    admin_client.post(reverse("accounts:security_unlock"), {"username": user.username})

    assert _log_in(client, user.username).status_code == 302
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UNLOCKED, target=user.username).exists()


def test_system_administrator_cannot_unlock(client):
    user = UserFactory()
    _fail(client, user.username, 5)
    client.force_login(UserFactory(role=Role.SYSTEM_ADMIN, area=None))
    assert client.post(reverse("accounts:security_unlock"), {"username": user.username}).status_code == 403
