import pytest
from django.urls import reverse

from jingzhun.accounts.models import AccessLog, AuditEvent
from jingzhun.accounts.services import access_log_record, audit_event_record
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_is_recorded_with_the_address(client):
    user = UserFactory()
    client.post(
        reverse("accounts:login"), {"username": user.username, "password": TEST_PASSWORD}, REMOTE_ADDR="10.1.2.3"
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert (event.user, event.actor, event.ip_address) == (user, user.username, "10.1.2.3")


def test_failed_login_records_the_name_typed_but_never_the_password(client):
    client.post(reverse("accounts:login"), {"username": "nobody", "password": "Secret-Guess-1"})
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.target == "nobody"
    assert "Secret-Guess-1" not in str(event.detail)


def test_logout_is_recorded(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("accounts:logout"))
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, user=user).exists()


def test_audit_event_cannot_be_changed():
    event = audit_event_record(user=None, action=AuditEvent.Action.LOGIN_FAILED, target="x")
    event.target = "y"
    with pytest.raises(PermissionError):
        event.save()


def test_audit_event_cannot_be_deleted():
    event = audit_event_record(user=None, action=AuditEvent.Action.LOGIN_FAILED, target="x")
    with pytest.raises(PermissionError):
        event.delete()


def test_audit_events_cannot_be_updated_in_bulk():
    audit_event_record(user=None, action=AuditEvent.Action.LOGIN_FAILED, target="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(target="x").update(target="y")


def test_audit_events_cannot_be_deleted_in_bulk():
    audit_event_record(user=None, action=AuditEvent.Action.LOGIN_FAILED, target="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_access_log_cannot_be_deleted_in_bulk():
    access_log_record(user=None, action=AccessLog.Action.EXPORT, target="ledger")
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()


def test_a_user_with_audit_events_cannot_be_deleted():
    from django.db.models import ProtectedError

    user = UserFactory()
    audit_event_record(user=user, action=AuditEvent.Action.LOGIN, target=user.username)
    with pytest.raises(ProtectedError):
        user.delete()
