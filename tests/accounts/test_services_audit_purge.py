import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from jingzhun.accounts.models import AccessLog, AuditEvent
from jingzhun.accounts.services import audit_purge

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)


def _event(days_ago, today=TODAY):
    at = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(12), tzinfo=timezone.get_current_timezone())
    return AuditEvent.objects.create(actor="x", action=AuditEvent.Action.LOGIN, at=at)


def test_retention_is_180_days():
    from django.conf import settings

    assert settings.AUDIT_RETENTION_DAYS == 180


def test_purge_refuses_a_date_within_180_days():
    with pytest.raises(ValidationError):
        audit_purge(before=TODAY - dt.timedelta(days=179), today=TODAY)


def test_refused_purge_deletes_nothing():
    _event(400)
    with pytest.raises(ValidationError):
        audit_purge(before=TODAY, today=TODAY)
    assert AuditEvent.objects.count() == 1


def test_purge_deletes_only_entries_before_the_date():
    old, kept = _event(400), _event(100)
    AccessLog.objects.create(actor="x", action="export", target="t", at=old.at)
    removed = audit_purge(before=TODAY - dt.timedelta(days=180), today=TODAY)
    assert removed == {"AuditEvent": 1, "AccessLog": 1}
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    assert not AuditEvent.objects.filter(pk=old.pk).exists()


def test_purge_is_itself_audited():
    audit_purge(before=TODAY - dt.timedelta(days=200), today=TODAY)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PURGED).exists()


def test_command_refuses_a_recent_date():
    recent = timezone.localdate() - dt.timedelta(days=30)
    with pytest.raises(CommandError):
        call_command("audit", "purge", "--before", recent.isoformat())


def test_command_purges_old_entries(capsys):
    today = timezone.localdate()
    _event(400, today=today)
    call_command("audit", "purge", "--before", (today - dt.timedelta(days=365)).isoformat())
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN).exists()
