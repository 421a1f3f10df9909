"""API tokens administered: the security administrator issues and revokes, the user alone collects, all logged."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from jingzhun.accounts.models import ApiToken, AuditEvent, Role
from jingzhun.accounts.services import api_token_collect, api_token_issue

pytestmark = pytest.mark.django_db

ISSUE = {"name": "县统计局报送", "days": "30"}


@pytest.fixture
def security(users_by_role):
    return users_by_role[Role.SECURITY_ADMIN].owner


@pytest.fixture
def county_user(users_by_role):
    return users_by_role[Role.COUNTY].owner


def _issue_page(client, by, account, **fields):
    client.force_login(by)
    return client.post(reverse("accounts:security_token_issue", kwargs={"pk": account.pk}), {**ISSUE, **fields})


def test_the_security_administrator_issues_a_token_and_it_is_logged(client, security, county_user):
    _issue_page(client, security, county_user)
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.issued_by, token.digest) == (county_user, "县统计局报送", security, None)
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_ISSUED)
    assert (event.user, event.target, event.detail["token"]) == (security, county_user.username, token.pk)


@pytest.mark.parametrize(
    "role", [Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, Role.COUNTY, Role.TOWN, Role.VILLAGE, Role.INSPECTOR]
)
def test_no_one_else_may_issue(client, users_by_role, county_user, role):
    response = _issue_page(client, users_by_role[role].colleague, county_user)
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_the_service_refuses_a_non_administrator_too(users_by_role, county_user):
    with pytest.raises(PermissionDenied):
        api_token_issue(by=users_by_role[Role.SYSTEM_ADMIN].owner, user=county_user, name="x", days=30)


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.SYSTEM_ADMIN, Role.NONE])
def test_no_token_for_a_role_without_the_api(users_by_role, security, role):
    account = users_by_role[role].colleague if role != Role.NONE else users_by_role[Role.COUNTY].colleague
    if role == Role.NONE:
        account.role = Role.NONE
        account.save()
    with pytest.raises(ValidationError):
        api_token_issue(by=security, user=account, name="x", days=30)


def test_the_id_number_right_only_for_an_account_that_has_it(security, county_user):
    with pytest.raises(ValidationError):
        api_token_issue(by=security, user=county_user, name="x", days=30, may_see_id_numbers=True)
    county_user.may_see_id_numbers = True
    county_user.save()
    assert api_token_issue(by=security, user=county_user, name="x", days=30, may_see_id_numbers=True)


def test_no_token_while_the_account_has_an_initial_password(security, county_user):
    county_user.must_change_password = True
    county_user.save()
    with pytest.raises(ValidationError):
        api_token_issue(by=security, user=county_user, name="x", days=30)


@pytest.mark.parametrize("days", [0, 366])
def test_the_expiry_is_bounded(security, county_user, days):
    with pytest.raises(ValidationError):
        api_token_issue(by=security, user=county_user, name="x", days=days)


def test_the_user_collects_the_secret_once_on_their_page(client, security, county_user):
    token = api_token_issue(by=security, user=county_user, name="x", days=30)
    client.force_login(county_user)
    assert "领取" in client.get(reverse("accounts:my_tokens")).content.decode()
    url = reverse("accounts:my_token_collect", kwargs={"token_id": token.pk})
    shown = client.post(url)
    token.refresh_from_db()
    assert token.prefix and token.prefix in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_COLLECTED, user=county_user).count() == 1
    client.post(url)  # a second time: refused, the secret stays the first one
    assert ApiToken.objects.get().digest == token.digest
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_COLLECTED).count() == 1


def test_no_one_but_the_user_collects(client, users_by_role, security, county_user):
    token = api_token_issue(by=security, user=county_user, name="x", days=30)
    for other in (security, users_by_role[Role.COUNTY].colleague):
        client.force_login(other)
        assert client.post(reverse("accounts:my_token_collect", kwargs={"token_id": token.pk})).status_code == 404
        with pytest.raises(PermissionDenied):
            api_token_collect(user=other, token=token)
    assert ApiToken.objects.get().digest is None


def test_the_security_administrator_revokes_and_it_is_logged(client, security, county_user):
    token = api_token_issue(by=security, user=county_user, name="x", days=30)
    client.force_login(security)
    client.post(reverse("accounts:security_token_revoke", kwargs={"token_id": token.pk}))
    token.refresh_from_db()
    assert (token.revoked_by, token.state()) == (security, ApiToken.State.REVOKED)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_REVOKED, user=security).exists()


def test_the_user_revokes_their_own_token_but_not_anothers(client, users_by_role, security, county_user):
    token = api_token_issue(by=security, user=county_user, name="x", days=30)
    client.force_login(users_by_role[Role.COUNTY].colleague)
    assert client.post(reverse("accounts:my_token_revoke", kwargs={"token_id": token.pk})).status_code == 404
    client.force_login(county_user)
    client.post(reverse("accounts:my_token_revoke", kwargs={"token_id": token.pk}))
    token.refresh_from_db()
    assert token.revoked_by == county_user


def test_the_security_page_lists_the_accounts_tokens(client, security, county_user):
    api_token_issue(by=security, user=county_user, name="县统计局报送", days=30)
    client.force_login(security)
    page = client.get(reverse("accounts:security_account", kwargs={"pk": county_user.pk})).content.decode()
    assert "县统计局报送" in page
    assert "待领取" in page


# --- the command line ----------------------------------------------------------------------------------------


def test_the_command_lists_and_revokes(security, county_user):
    token = api_token_issue(by=security, user=county_user, name="服务器脚本", days=30)
    out = io.StringIO()
    call_command("account", "token", "list", county_user.username, stdout=out)
    assert "服务器脚本" in out.getvalue()
    call_command("account", "token", "revoke", str(token.pk), stdout=io.StringIO())
    assert ApiToken.objects.get().state() == ApiToken.State.REVOKED
    revoked = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_REVOKED)
    assert revoked.actor.startswith("cli:")


def test_the_command_issues_no_token(county_user):
    with pytest.raises(CommandError):
        call_command("account", "token", "issue", county_user.username, "--name", "x", stderr=io.StringIO())
