"""``jingzhun account create``: the bootstrap of the three administrators, and nothing more."""

import io

import pytest
from django.core.management import CommandError, call_command

from jingzhun.accounts.models import AuditEvent, Role, User
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Guanli-Mima-2027"


def _create(monkeypatch, password, *args):
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    call_command("account", "create", *args, "--password-stdin", stdout=io.StringIO())


def test_creates_an_administrator_who_must_change_the_password(monkeypatch):
    _create(monkeypatch, PASSWORD, "anquan", "--role", "security_admin", "--name", "安全管理员")
    user = User.objects.get(username="anquan")
    assert (user.role, user.area, user.must_change_password) == (Role.SECURITY_ADMIN, None, True)


def test_the_creation_is_audited_as_the_command_line(monkeypatch):
    _create(monkeypatch, PASSWORD, "anquan", "--role", "security_admin")
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_CREATED, target="anquan")
    assert event.actor.startswith("cli:")
    assert event.detail["via"] == "cli"


def test_refuses_a_password_against_the_policy(monkeypatch):
    with pytest.raises(CommandError):
        _create(monkeypatch, "simplepassword", "anquan", "--role", "security_admin")
    assert not User.objects.filter(username="anquan").exists()


def test_refuses_a_password_containing_the_user_name(monkeypatch):
    with pytest.raises(CommandError):
        _create(monkeypatch, "Anquan-anquan-1", "anquan", "--role", "security_admin")


def test_never_resets_an_existing_account(monkeypatch):
    # Before: `account create` on an existing name reset its password and role, a takeover from the shell.
    existing = UserFactory(username="anquan", role=Role.SECURITY_ADMIN, area=None, is_active=False)
    with pytest.raises(CommandError):
        _create(monkeypatch, PASSWORD, "anquan", "--role", "security_admin")
    existing.refresh_from_db()
    assert existing.check_password(TEST_PASSWORD)
    assert not existing.is_active


def test_refuses_a_second_administrator_of_a_role_held_by_an_active_account(monkeypatch):
    UserFactory(role=Role.SECURITY_ADMIN, area=None)
    with pytest.raises(CommandError) as refused:
        _create(monkeypatch, PASSWORD, "anquan2", "--role", "security_admin")
    assert "批准" in str(refused.value)
    assert not User.objects.filter(username="anquan2").exists()


def test_creates_one_again_after_the_last_was_deactivated(monkeypatch):
    UserFactory(role=Role.SECURITY_ADMIN, area=None, is_active=False)
    _create(monkeypatch, PASSWORD, "anquan2", "--role", "security_admin")
    assert User.objects.get(username="anquan2").role == Role.SECURITY_ADMIN


@pytest.mark.parametrize("role", ["county", "village", "none"])
def test_creates_no_ordinary_account(monkeypatch, role):
    with pytest.raises(CommandError):
        _create(monkeypatch, PASSWORD, "xianji", "--role", role)
    assert not User.objects.filter(username="xianji").exists()


@pytest.mark.parametrize("command", ["changepassword", "createsuperuser"])
def test_djangos_own_account_commands_are_refused(capsys, command):
    # `jingzhun changepassword anquan` set the security administrator's password, unaudited and for good.
    from jingzhun.cli import main

    admin = UserFactory(username="anquan", role=Role.SECURITY_ADMIN, area=None)
    with pytest.raises(SystemExit) as exited:
        main(["jingzhun", command, "anquan"])
    assert exited.value.code == 2
    assert "已停用" in capsys.readouterr().err
    admin.refresh_from_db()
    assert admin.check_password(TEST_PASSWORD)
