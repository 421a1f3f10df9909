"""三员分立 held against the administrators themselves: no administrator takes over, disables or re-roles another.

Each test drives the real pages as the attacker would. Changes to an administrator account are filed as a
request that another administrator, of a different role and not the account itself, approves or refuses.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jingzhun.accounts.models import AccountChangeRequest, AuditEvent, Role, User
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Qingshui-He-2027"


@pytest.fixture
def admins(users_by_role):
    """The three administrators (owners of each role) by role."""
    return {role: users_by_role[role].owner for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)}


def _pending(target: User) -> AccountChangeRequest:
    return AccountChangeRequest.objects.get(target=target, status=AccountChangeRequest.Status.PENDING)


def _approve(client, user, change_request):
    client.force_login(user)
    return client.post(reverse("accounts:approval_decide", kwargs={"pk": change_request.pk}), {"decision": "approve"})


# --- the system administrator -----------------------------------------------------------------------------------


@pytest.mark.parametrize("target_role", [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_system_administrator_cannot_reset_another_administrators_password(client, admins, target_role):
    target = admins[target_role]
    client.force_login(admins[Role.SYSTEM_ADMIN])
    response = client.post(
        reverse("accounts:system_account_password", kwargs={"pk": target.pk}), {"password1": NEW_PASSWORD}
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.check_password(TEST_PASSWORD)
    assert not AccountChangeRequest.objects.exists()


def test_the_refused_takeover_is_in_the_audit_trail(client, admins):
    target = admins[Role.SECURITY_ADMIN]
    client.force_login(admins[Role.SYSTEM_ADMIN])
    client.post(reverse("accounts:system_account_password", kwargs={"pk": target.pk}), {"password1": NEW_PASSWORD})
    event = AuditEvent.objects.get(action=AuditEvent.Action.REFUSED)
    assert (event.actor, event.target, event.detail["attempted"]) == (
        admins[Role.SYSTEM_ADMIN].username,
        target.username,
        "password_reset",
    )


def test_system_administrator_still_resets_an_ordinary_password(client, admins, users_by_role):
    account = users_by_role[Role.VILLAGE].owner
    client.force_login(admins[Role.SYSTEM_ADMIN])
    client.post(reverse("accounts:system_account_password", kwargs={"pk": account.pk}), {"password1": NEW_PASSWORD})
    account.refresh_from_db()
    assert account.check_password(NEW_PASSWORD)


def test_deactivating_the_audit_administrator_only_files_a_request(client, admins):
    target = admins[Role.AUDIT_ADMIN]
    client.force_login(admins[Role.SYSTEM_ADMIN])
    client.post(reverse("accounts:system_account_active", kwargs={"pk": target.pk}), {"active": "0"})
    target.refresh_from_db()
    assert target.is_active
    assert _pending(target).change == {"active": False}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE_REQUESTED, target=target.username).exists()


def test_the_security_administrator_approves_the_deactivation(client, admins):
    target = admins[Role.AUDIT_ADMIN]
    client.force_login(admins[Role.SYSTEM_ADMIN])
    client.post(reverse("accounts:system_account_active", kwargs={"pk": target.pk}), {"active": "0"})
    change_request = _pending(target)
    _approve(client, admins[Role.SECURITY_ADMIN], change_request)
    target.refresh_from_db()
    assert not target.is_active
    change_request.refresh_from_db()
    assert (change_request.status, change_request.decided_by) == (
        AccountChangeRequest.Status.APPROVED,
        admins[Role.SECURITY_ADMIN],
    )
    done = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_DEACTIVATED, target=target.username)
    assert done.detail == {"request": change_request.pk, "approved_by": admins[Role.SECURITY_ADMIN].username}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE_APPROVED, target=target.username).exists()


def test_the_target_cannot_approve_a_change_to_their_own_account(client, admins):
    target = admins[Role.AUDIT_ADMIN]
    client.force_login(admins[Role.SYSTEM_ADMIN])
    client.post(reverse("accounts:system_account_active", kwargs={"pk": target.pk}), {"active": "0"})
    response = _approve(client, target, _pending(target))
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.is_active


def test_an_administrator_of_the_requesters_role_cannot_approve(client, admins, users_by_role):
    target = admins[Role.AUDIT_ADMIN]
    client.force_login(admins[Role.SYSTEM_ADMIN])
    client.post(reverse("accounts:system_account_active", kwargs={"pk": target.pk}), {"active": "0"})
    response = _approve(client, users_by_role[Role.SYSTEM_ADMIN].colleague, _pending(target))
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.is_active


def test_the_requester_cannot_approve_their_own_request(client, admins):
    target = admins[Role.AUDIT_ADMIN]
    client.force_login(admins[Role.SYSTEM_ADMIN])
    client.post(reverse("accounts:system_account_active", kwargs={"pk": target.pk}), {"active": "0"})
    response = _approve(client, admins[Role.SYSTEM_ADMIN], _pending(target))
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.is_active


def test_a_refused_request_changes_nothing_and_is_audited(client, admins):
    target = admins[Role.AUDIT_ADMIN]
    client.force_login(admins[Role.SYSTEM_ADMIN])
    client.post(reverse("accounts:system_account_active", kwargs={"pk": target.pk}), {"active": "0"})
    change_request = _pending(target)
    client.force_login(admins[Role.SECURITY_ADMIN])
    client.post(reverse("accounts:approval_decide", kwargs={"pk": change_request.pk}), {"decision": "refuse"})
    target.refresh_from_db()
    assert target.is_active
    change_request.refresh_from_db()
    assert change_request.status == AccountChangeRequest.Status.REFUSED
    event = AuditEvent.objects.get(action=AuditEvent.Action.CHANGE_REFUSED)
    assert (event.actor, event.target) == (admins[Role.SECURITY_ADMIN].username, target.username)


def test_the_requester_withdraws_their_request_and_no_one_else_can(client, admins):
    target = admins[Role.AUDIT_ADMIN]
    client.force_login(admins[Role.SYSTEM_ADMIN])
    client.post(reverse("accounts:system_account_active", kwargs={"pk": target.pk}), {"active": "0"})
    change_request = _pending(target)
    client.force_login(admins[Role.SECURITY_ADMIN])
    url = reverse("accounts:approval_decide", kwargs={"pk": change_request.pk})
    assert client.post(url, {"decision": "withdraw"}).status_code == 403
    client.force_login(admins[Role.SYSTEM_ADMIN])
    client.post(url, {"decision": "withdraw"})
    change_request.refresh_from_db()
    assert change_request.status == AccountChangeRequest.Status.WITHDRAWN
    assert _approve(client, admins[Role.SECURITY_ADMIN], change_request).status_code == 302
    target.refresh_from_db()
    assert target.is_active


def test_a_request_older_than_three_days_cannot_be_approved(client, admins):
    target = admins[Role.AUDIT_ADMIN]
    client.force_login(admins[Role.SYSTEM_ADMIN])
    client.post(reverse("accounts:system_account_active", kwargs={"pk": target.pk}), {"active": "0"})
    change_request = _pending(target)
    AccountChangeRequest.objects.filter(pk=change_request.pk).update(
        requested_at=timezone.now() - dt.timedelta(days=3, minutes=1)
    )
    _approve(client, admins[Role.SECURITY_ADMIN], change_request)
    target.refresh_from_db()
    assert target.is_active


def test_changing_an_administrators_area_only_files_a_request(client, admins, users_by_role):
    target = admins[Role.SECURITY_ADMIN]
    client.force_login(admins[Role.SYSTEM_ADMIN])
    client.post(
        reverse("accounts:system_account", kwargs={"pk": target.pk}),
        {"display_name": target.first_name, "area": users_by_role.town_a.code},
    )
    target.refresh_from_db()
    assert target.area == users_by_role.county_a
    assert _pending(target).change == {"display_name": target.first_name, "area": users_by_role.town_a.code}


# --- the security administrator ---------------------------------------------------------------------------------


@pytest.mark.parametrize("target_role", [Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN])
def test_security_administrator_changing_an_administrators_role_only_files_a_request(client, admins, target_role):
    target = admins[target_role]
    client.force_login(admins[Role.SECURITY_ADMIN])
    client.post(reverse("accounts:security_account", kwargs={"pk": target.pk}), {"role": Role.VILLAGE})
    target.refresh_from_db()
    assert target.role == target_role
    assert _pending(target).change == {"role": Role.VILLAGE, "may_see_id_numbers": False}


def test_granting_an_administrator_role_only_files_a_request(client, admins, users_by_role):
    target = users_by_role[Role.VILLAGE].owner
    client.force_login(admins[Role.SECURITY_ADMIN])
    client.post(reverse("accounts:security_account", kwargs={"pk": target.pk}), {"role": Role.SYSTEM_ADMIN})
    target.refresh_from_db()
    assert target.role == Role.VILLAGE
    assert _pending(target).change["role"] == Role.SYSTEM_ADMIN


def test_the_approved_role_change_is_carried_out(client, admins):
    target = admins[Role.SYSTEM_ADMIN]
    client.force_login(admins[Role.SECURITY_ADMIN])
    client.post(reverse("accounts:security_account", kwargs={"pk": target.pk}), {"role": Role.VILLAGE})
    _approve(client, admins[Role.AUDIT_ADMIN], _pending(target))
    target.refresh_from_db()
    assert target.role == Role.VILLAGE
    event = AuditEvent.objects.get(action=AuditEvent.Action.ROLE_CHANGED, target=target.username)
    assert (event.actor, event.detail["approved_by"]) == (
        admins[Role.SECURITY_ADMIN].username,
        admins[Role.AUDIT_ADMIN].username,
    )


def test_security_administrator_still_sets_ordinary_roles_directly(client, admins, users_by_role):
    target = users_by_role[Role.VILLAGE].owner
    client.force_login(admins[Role.SECURITY_ADMIN])
    client.post(reverse("accounts:security_account", kwargs={"pk": target.pk}), {"role": Role.TOWN})
    target.refresh_from_db()
    assert target.role == Role.TOWN
    assert not AccountChangeRequest.objects.exists()


def test_no_role_is_given_to_an_account_still_on_its_initial_password(client, admins):
    # The system administrator who set the initial password could log in first and use the role.
    target = UserFactory(role=Role.NONE, must_change_password=True)
    client.force_login(admins[Role.SECURITY_ADMIN])
    response = client.post(
        reverse("accounts:security_account", kwargs={"pk": target.pk}),
        {"role": Role.COUNTY, "may_see_id_numbers": "on"},
    )
    assert response.status_code == 200
    target.refresh_from_db()
    assert (target.role, target.may_see_id_numbers) == (Role.NONE, False)


def test_rights_are_still_withdrawn_from_an_account_on_its_initial_password(client, admins):
    # County → village withdraws rights (county → town would not: a town rectifies findings, the county does not).
    target = UserFactory(role=Role.COUNTY, may_see_id_numbers=True, must_change_password=True)
    client.force_login(admins[Role.SECURITY_ADMIN])
    client.post(reverse("accounts:security_account", kwargs={"pk": target.pk}), {"role": Role.VILLAGE})
    target.refresh_from_db()
    assert (target.role, target.may_see_id_numbers) == (Role.VILLAGE, False)


def test_security_administrator_resets_an_administrators_password_with_approval(client, admins):
    target = admins[Role.SYSTEM_ADMIN]
    client.force_login(admins[Role.SECURITY_ADMIN])
    client.post(reverse("accounts:security_account_password", kwargs={"pk": target.pk}), {"password1": NEW_PASSWORD})
    target.refresh_from_db()
    assert target.check_password(TEST_PASSWORD)
    change_request = _pending(target)
    assert NEW_PASSWORD not in str(change_request.change)
    _approve(client, admins[Role.AUDIT_ADMIN], change_request)
    target.refresh_from_db()
    assert target.check_password(NEW_PASSWORD)
    assert target.must_change_password
    change_request.refresh_from_db()
    assert change_request.password == ""  # the hash is not kept once used


def test_security_administrator_resets_no_ordinary_password(client, admins, users_by_role):
    target = users_by_role[Role.COUNTY].owner
    client.force_login(admins[Role.SECURITY_ADMIN])
    response = client.post(
        reverse("accounts:security_account_password", kwargs={"pk": target.pk}), {"password1": NEW_PASSWORD}
    )
    assert response.status_code == 403
    assert not AccountChangeRequest.objects.exists()


def _locked_out(user):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username=user.username, ip_address="10.0.0.1", user_agent="", failures_since_start=5, get_data="", post_data=""
    )
    return AccessAttempt.objects.filter(username=user.username)


def test_unlocking_an_administrator_only_files_a_request(client, admins):
    # Unlocking at will would let the security administrator go on guessing another administrator's password.
    target = admins[Role.SYSTEM_ADMIN]
    attempts = _locked_out(target)
    client.force_login(admins[Role.SECURITY_ADMIN])
    client.post(reverse("accounts:security_unlock"), {"username": target.username})
    assert attempts.exists()
    _approve(client, admins[Role.AUDIT_ADMIN], _pending(target))
    assert not attempts.exists()


def test_an_ordinary_account_is_unlocked_at_once(client, admins, users_by_role):
    attempts = _locked_out(users_by_role[Role.VILLAGE].owner)
    client.force_login(admins[Role.SECURITY_ADMIN])
    client.post(reverse("accounts:security_unlock"), {"username": users_by_role[Role.VILLAGE].owner.username})
    assert not attempts.exists()


# --- the whole takeover of the issue -----------------------------------------------------------------------------


def test_the_system_administrator_cannot_take_over_the_security_administrator(client, admins, users_by_role):
    attacker, victim = admins[Role.SYSTEM_ADMIN], admins[Role.SECURITY_ADMIN]
    client.force_login(attacker)
    client.post(reverse("accounts:system_account_password", kwargs={"pk": victim.pk}), {"password1": NEW_PASSWORD})
    client.logout()
    response = client.post(reverse("accounts:login"), {"username": victim.username, "password": NEW_PASSWORD})
    assert response.status_code == 200  # the login form again: the password was never set
    assert "_auth_user_id" not in client.session


# --- the approvals page ------------------------------------------------------------------------------------------


def test_the_approvals_page_lists_a_pending_request_for_the_other_administrators(client, admins):
    target = admins[Role.AUDIT_ADMIN]
    client.force_login(admins[Role.SYSTEM_ADMIN])
    client.post(reverse("accounts:system_account_active", kwargs={"pk": target.pk}), {"active": "0"})
    client.force_login(admins[Role.SECURITY_ADMIN])
    response = client.get(reverse("accounts:approvals"))
    assert response.status_code == 200
    assert [r.target for r in response.context["pending"]] == [target]
    assert "批准" in response.content.decode()


def test_the_approvals_page_describes_the_change_in_words_not_as_raw_data(client, admins):
    target = admins[Role.AUDIT_ADMIN]
    client.force_login(admins[Role.SYSTEM_ADMIN])
    client.post(reverse("accounts:system_account_active", kwargs={"pk": target.pk}), {"active": "0"})
    client.force_login(admins[Role.SECURITY_ADMIN])
    page = client.get(reverse("accounts:approvals")).content.decode()
    assert "停用账号" in page
    assert "{&#x27;active&#x27;" not in page and "{'active'" not in page


@pytest.mark.parametrize(
    "role", [r for r in Role if r not in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)]
)
def test_no_other_role_reaches_the_approvals(client, users_by_role, role):
    client.force_login(users_by_role[role].owner)
    assert client.get(reverse("accounts:approvals")).status_code == 403
