"""The three administrators (三员分立): each reaches only their own pages; no one else reaches any of them."""

import pytest
from django.urls import reverse

from jingzhun.accounts.models import AuditEvent, Role, User
from tests.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = {
    Role.SYSTEM_ADMIN: ["accounts:system_accounts", "accounts:system_account_create"],
    Role.SECURITY_ADMIN: ["accounts:security_accounts"],
    Role.AUDIT_ADMIN: ["accounts:audit_events", "accounts:audit_access"],
}
ALL_PAGES = [(owner, name) for owner, names in PAGES.items() for name in names]
NEW_PASSWORD = "Chushi-Mima-2027"


@pytest.mark.parametrize(("owner", "page"), ALL_PAGES)
def test_each_administrator_reaches_their_own_pages(client, users_by_role, owner, page):
    client.force_login(users_by_role[owner].owner)
    assert client.get(reverse(page)).status_code == 200


OTHERS = [(page, role) for owner, page in ALL_PAGES for role in Role if role not in (owner, Role.NONE)]


@pytest.mark.parametrize(("page", "role"), OTHERS)
def test_every_other_role_gets_403(client, users_by_role, page, role):
    client.force_login(users_by_role[role].owner)
    assert client.get(reverse(page)).status_code == 403


@pytest.mark.parametrize(("owner", "page"), ALL_PAGES)
def test_anonymous_goes_to_login(client, owner, page):
    response = client.get(reverse(page))
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("role", "page"),
    [
        (Role.SECURITY_ADMIN, "accounts:system_account"),
        (Role.AUDIT_ADMIN, "accounts:system_account"),
        (Role.SYSTEM_ADMIN, "accounts:security_account"),
        (Role.AUDIT_ADMIN, "accounts:security_account"),
    ],
)
def test_account_pages_refuse_the_other_administrators(client, users_by_role, role, page):
    client.force_login(users_by_role[role].owner)
    assert client.get(reverse(page, kwargs={"pk": users_by_role[Role.VILLAGE].owner.pk})).status_code == 403


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_administrators_land_on_their_own_page_after_login(client, role):
    from tests.factories import TEST_PASSWORD

    user = UserFactory(role=role, area=None)
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": TEST_PASSWORD})
    assert response["Location"] == reverse(PAGES[role][0])


def test_system_administrator_creates_an_account_without_role_and_with_an_initial_password(client, users_by_role):
    admin = users_by_role[Role.SYSTEM_ADMIN].owner
    client.force_login(admin)
    village = users_by_role.village_a
    response = client.post(
        reverse("accounts:system_account_create"),
        {
            "username": "liuxc",
            "display_name": "刘晓春",
            "area": village.code,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="liuxc")
    assert (created.role, created.area, created.must_change_password) == (Role.NONE, village, True)
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_CREATED, target="liuxc")
    assert event.actor == admin.username


def test_system_administrator_refuses_a_simple_initial_password(client, users_by_role):
    client.force_login(users_by_role[Role.SYSTEM_ADMIN].owner)
    response = client.post(
        reverse("accounts:system_account_create"),
        {"username": "liuxc", "display_name": "刘晓春", "area": "", "password1": "abc", "password2": "abc"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="liuxc").exists()


def test_system_administrator_sets_the_area(client, users_by_role):
    client.force_login(users_by_role[Role.SYSTEM_ADMIN].owner)
    account = users_by_role[Role.VILLAGE].owner
    client.post(
        reverse("accounts:system_account", kwargs={"pk": account.pk}),
        {"display_name": account.first_name, "area": users_by_role.village_b.code},
    )
    account.refresh_from_db()
    assert account.area == users_by_role.village_b
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_CHANGED, target=account.username).exists()


def test_system_administrator_deactivates_an_account(client, users_by_role):
    client.force_login(users_by_role[Role.SYSTEM_ADMIN].owner)
    account = users_by_role[Role.VILLAGE].owner
    client.post(reverse("accounts:system_account_active", kwargs={"pk": account.pk}), {"active": "0"})
    account.refresh_from_db()
    assert not account.is_active
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_DEACTIVATED, target=account.username).exists()


def test_system_administrator_cannot_deactivate_themselves(client, users_by_role):
    admin = users_by_role[Role.SYSTEM_ADMIN].owner
    client.force_login(admin)
    response = client.post(reverse("accounts:system_account_active", kwargs={"pk": admin.pk}), {"active": "0"})
    assert response.status_code == 403
    admin.refresh_from_db()
    assert admin.is_active


def test_system_administrator_cannot_set_a_role(client, users_by_role):
    client.force_login(users_by_role[Role.SYSTEM_ADMIN].owner)
    account = users_by_role[Role.VILLAGE].owner
    response = client.post(
        reverse("accounts:security_account", kwargs={"pk": account.pk}),
        {"role": Role.COUNTY, "may_see_id_numbers": "on"},
    )
    assert response.status_code == 403
    account.refresh_from_db()
    assert (account.role, account.may_see_id_numbers) == (Role.VILLAGE, False)


def test_system_administrator_resets_a_password_to_an_initial_one(client, users_by_role):
    client.force_login(users_by_role[Role.SYSTEM_ADMIN].owner)
    account = users_by_role[Role.VILLAGE].owner
    client.post(reverse("accounts:system_account_password", kwargs={"pk": account.pk}), {"password1": NEW_PASSWORD})
    account.refresh_from_db()
    assert account.check_password(NEW_PASSWORD)
    assert account.must_change_password


def test_security_administrator_sets_role_and_id_number_right(client, users_by_role):
    client.force_login(users_by_role[Role.SECURITY_ADMIN].owner)
    account = users_by_role[Role.VILLAGE].owner
    client.post(
        reverse("accounts:security_account", kwargs={"pk": account.pk}), {"role": Role.TOWN, "may_see_id_numbers": "on"}
    )
    account.refresh_from_db()
    assert (account.role, account.may_see_id_numbers) == (Role.TOWN, True)
    event = AuditEvent.objects.get(action=AuditEvent.Action.ROLE_CHANGED, target=account.username)
    assert event.detail["before"] == {"role": "village", "may_see_id_numbers": False}


def test_security_administrator_cannot_change_their_own_role(client, users_by_role):
    admin = users_by_role[Role.SECURITY_ADMIN].owner
    client.force_login(admin)
    response = client.post(reverse("accounts:security_account", kwargs={"pk": admin.pk}), {"role": Role.AUDIT_ADMIN})
    assert response.status_code == 403
    admin.refresh_from_db()
    assert admin.role == Role.SECURITY_ADMIN


def test_security_administrator_cannot_set_an_area(client, users_by_role):
    client.force_login(users_by_role[Role.SECURITY_ADMIN].owner)
    account = users_by_role[Role.VILLAGE].owner
    response = client.post(
        reverse("accounts:system_account", kwargs={"pk": account.pk}), {"display_name": "x", "area": ""}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_administrators_do_not_see_people_data_on_the_home_page(client, role):
    from jingzhun.accounts.permissions import Capability, user_can

    admin = UserFactory(role=role, area=AreaFactory())
    assert not user_can(admin, Capability.VIEW_PEOPLE)


def test_a_new_account_can_do_nothing_until_it_has_a_role():
    from jingzhun.accounts.permissions import ROLE_CAPABILITIES

    assert ROLE_CAPABILITIES[Role.NONE] == frozenset()


def test_audit_administrator_filters_by_user_and_action(client, users_by_role):
    from jingzhun.accounts.services import audit_event_record

    village = users_by_role[Role.VILLAGE].owner
    audit_event_record(user=village, action=AuditEvent.Action.LOGIN, target=village.username)
    audit_event_record(user=village, action=AuditEvent.Action.LOGOUT, target=village.username)
    audit_event_record(user=None, action=AuditEvent.Action.LOGIN_FAILED, target="someone")
    client.force_login(users_by_role[Role.AUDIT_ADMIN].owner)
    response = client.get(reverse("accounts:audit_events"), {"actor": village.username, "action": "logout"})
    assert [event.action for event in response.context["page"]] == ["logout"]


def test_audit_administrator_filters_by_date(client, users_by_role):
    import datetime as dt

    from django.utils import timezone

    from jingzhun.accounts.models import AccessLog

    AccessLog.objects.create(actor="a", action="export", target="old", at=timezone.now() - dt.timedelta(days=10))
    AccessLog.objects.create(actor="a", action="export", target="new")
    client.force_login(users_by_role[Role.AUDIT_ADMIN].owner)
    today = timezone.localdate().isoformat()
    response = client.get(reverse("accounts:audit_access"), {"since": today, "until": today})
    assert [entry.target for entry in response.context["page"]] == ["new"]


def test_audit_page_is_in_chinese(client, users_by_role):
    client.force_login(users_by_role[Role.AUDIT_ADMIN].owner)
    content = client.get(reverse("accounts:audit_events")).content.decode()
    assert "审计日志" in content
    assert "登录" in content  # the audit administrator's own login is the first event


def test_the_audit_trail_pages_newest_first_with_the_one_pager(client, users_by_role):
    for n in range(60):
        AuditEvent.objects.create(action=AuditEvent.Action.LOGOUT, target=f"t{n:02d}")
    client.force_login(users_by_role[Role.AUDIT_ADMIN].owner)
    first = client.get(reverse("accounts:audit_events"), {"action": "logout"})
    assert [e.target for e in first.context["page"]][:2] == ["t59", "t58"]
    after = first.context["page"].next_after
    second = client.get(reverse("accounts:audit_events"), {"action": "logout", "after": after})
    assert [e.target for e in second.context["page"]][-1] == "t00"
    assert 'rel="prev"' in second.content.decode()
