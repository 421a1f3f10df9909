import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jingzhun.accounts.models import AuditEvent, Role
from jingzhun.accounts.services import user_ensure
from tests.factories import TEST_PASSWORD, AreaFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Qingshui-He-2027"


def test_initial_password_sends_the_user_to_the_change_page(client):
    client.force_login(UserFactory(must_change_password=True))
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change")


def test_change_page_explains_an_initial_password_in_chinese(client):
    client.force_login(UserFactory(must_change_password=True))
    content = client.get(reverse("accounts:password_change")).content.decode()
    assert "管理员" in content
    assert "修改密码" in content


def test_expired_password_sends_the_user_to_the_change_page(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    client.force_login(UserFactory(password_changed_at=timezone.now() - dt.timedelta(days=91)))
    response = client.get(reverse("core:home"))
    assert response["Location"] == reverse("accounts:password_change")


def test_password_younger_than_the_limit_lets_the_user_through(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    client.force_login(UserFactory(password_changed_at=timezone.now() - dt.timedelta(days=89)))
    assert client.get(reverse("core:home")).status_code == 200


def test_api_gets_403_instead_of_a_redirect(client):
    client.force_login(UserFactory(must_change_password=True))
    response = client.get("/api/schema/")
    assert response.status_code == 403


def test_logout_stays_reachable(client):
    client.force_login(UserFactory(must_change_password=True))
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:login")


def test_changing_the_password_clears_the_obligation_and_lets_the_user_in(client):
    user = UserFactory(must_change_password=True)
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.check_password(NEW_PASSWORD)
    assert client.get(reverse("core:home")).status_code == 200  # still logged in


def test_a_too_simple_new_password_is_refused(client):
    user = UserFactory(must_change_password=True)
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "qingshuihe2027", "new_password2": "qingshuihe2027"},
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.must_change_password


def test_password_change_is_audited(client):
    user = UserFactory()
    client.force_login(user)
    client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_CHANGED, actor=user.username).exists()


def test_set_password_restarts_the_password_age():
    user = UserFactory(password_changed_at=timezone.now() - dt.timedelta(days=200))
    user.set_password(NEW_PASSWORD)
    assert timezone.now() - user.password_changed_at < dt.timedelta(minutes=1)


def test_user_ensure_asks_for_a_change_by_default():
    user = user_ensure(username="wang", role=Role.VILLAGE, area=AreaFactory(), display_name="王", password=NEW_PASSWORD)
    assert user.must_change_password


def test_demo_users_are_not_forced_to_change(client):
    user = user_ensure(
        username="demo",
        role=Role.VILLAGE,
        area=AreaFactory(),
        display_name="演示",
        password=NEW_PASSWORD,
        must_change_password=False,
    )
    client.force_login(user)
    assert client.get(reverse("core:home")).status_code == 200


def test_user_ensure_leaves_an_unchanged_account_alone():
    area = AreaFactory()
    first = user_ensure(username="wang", role=Role.VILLAGE, area=area, display_name="王", password=NEW_PASSWORD)
    events = AuditEvent.objects.count()

    again = user_ensure(username="wang", role=Role.VILLAGE, area=area, display_name="王", password=NEW_PASSWORD)

    assert again.password == first.password
    assert AuditEvent.objects.count() == events


def test_user_ensure_gives_no_administrator_role_another_account_holds():
    from django.core.exceptions import ValidationError

    user_ensure(username="admin1", role=Role.AUDIT_ADMIN, area=None, display_name="审计", password=NEW_PASSWORD)

    with pytest.raises(ValidationError, match="已有在用的"):
        user_ensure(username="admin2", role=Role.AUDIT_ADMIN, area=None, display_name="审计", password=NEW_PASSWORD)
