import io

import pytest
from django.core.management import CommandError, call_command

from jingzhun.accounts.models import Role, User

pytestmark = pytest.mark.django_db


def _create(monkeypatch, password, *args):
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    call_command("account", "create", *args, "--password-stdin", stdout=io.StringIO())


def test_creates_an_administrator_who_must_change_the_password(monkeypatch):
    _create(monkeypatch, "Anquan-Guanli-2027", "anquan", "--role", "security_admin", "--name", "安全管理员")
    user = User.objects.get(username="anquan")
    assert (user.role, user.area, user.must_change_password) == (Role.SECURITY_ADMIN, None, True)


def test_refuses_a_password_against_the_policy(monkeypatch):
    with pytest.raises(CommandError):
        _create(monkeypatch, "simplepassword", "anquan", "--role", "security_admin")
    assert not User.objects.filter(username="anquan").exists()
