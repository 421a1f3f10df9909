"""API tokens at work: a token is its user, with that user's role and scope, never more; refusals are 401 JSON."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from jingzhun.accounts.models import AccessLog, ApiToken, AuditEvent, Role
from jingzhun.accounts.services import account_role_set, api_token_collect, api_token_issue, api_token_revoke

from .conftest import user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def security_admin(county):
    return user_of(Role.SECURITY_ADMIN, None, username="anquan")


@pytest.fixture
def token_for(security_admin):
    """``token_for(user, **issue_options)``: the secret of a token issued for ``user`` and collected by them."""

    def make(user, **options) -> str:
        options = {"name": "统计报送脚本", "days": 30, **options}
        token = api_token_issue(by=security_admin, user=user, **options)
        return api_token_collect(user=user, token=token)

    return make


def bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["household_no"] for row in response.json()["results"]]


def test_a_token_reads_as_its_user_within_the_users_scope(county, village_user, token_for):
    listed = numbers(bearer(token_for(village_user)).get("/api/households/"))
    assert listed == sorted([county.home.household_no, county.second.household_no])


def test_a_token_cannot_open_a_household_outside_its_users_scope(county, village_user, token_for):
    response = bearer(token_for(village_user)).get(f"/api/households/{county.elsewhere.household_no}/")
    assert response.status_code == 404


def test_a_token_follows_a_narrowed_role_at_once(county, county_user, token_for, security_admin):
    client = bearer(token_for(county_user))
    account_role_set(by=security_admin, user=county_user, role=Role.DEPARTMENT, may_see_id_numbers=False)
    assert client.get("/api/households/").status_code == 403


def test_a_token_without_the_id_number_right_shows_masked_numbers(county, token_for):
    user = user_of(Role.COUNTY, county.county, may_see_id_numbers=True)
    record = bearer(token_for(user)).get(f"/api/households/{county.home.household_no}/").json()
    assert all("*" in member["id_number"] for member in record["members"])
    assert not AccessLog.objects.filter(action=AccessLog.Action.UNMASK).exists()


def test_a_token_issued_with_the_id_number_right_shows_them_and_logs_it(county, token_for):
    user = user_of(Role.COUNTY, county.county, may_see_id_numbers=True)
    record = bearer(token_for(user, may_see_id_numbers=True)).get(f"/api/households/{county.home.household_no}/")
    stored = [m.id_number for m in county.home.members.order_by("id")]
    assert [m["id_number"] for m in record.json()["members"]] == stored
    assert AccessLog.objects.filter(user=user, action=AccessLog.Action.UNMASK).count() == 1


def test_each_use_is_logged_and_stamped(county, village_user, token_for):
    secret = token_for(village_user)
    bearer(secret).get("/api/households/")
    entry = AccessLog.objects.get(action=AccessLog.Action.API)
    token = ApiToken.objects.get()
    assert (entry.user, entry.target, entry.detail["token"]) == (village_user, "GET /api/households/", token.pk)
    assert token.last_used_at is not None
    assert token.last_used_ip == "127.0.0.1"


def test_the_secret_is_not_stored_in_clear(village_user, token_for):
    secret = token_for(village_user)
    token = ApiToken.objects.get()
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(value) for value in ApiToken.objects.values_list().get()]
    assert not any(secret in value for value in stored)
    assert not AuditEvent.objects.filter(detail__icontains=secret[10:]).exists()


def _refused(response, reason: str) -> None:
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert reason in response.json()["detail"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_REFUSED).exists()


def test_a_revoked_token_is_refused(county, village_user, token_for, security_admin):
    secret = token_for(village_user)
    api_token_revoke(by=security_admin, token=ApiToken.objects.get())
    _refused(bearer(secret).get("/api/households/"), "撤销")


def test_an_expired_token_is_refused(county, village_user, token_for):
    secret = token_for(village_user, days=1)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    _refused(bearer(secret).get("/api/households/"), "过期")


def test_the_token_of_a_deactivated_account_is_refused(county, village_user, token_for):
    secret = token_for(village_user)
    village_user.is_active = False
    village_user.save()
    _refused(bearer(secret).get("/api/households/"), "停用")


def test_an_unknown_token_is_refused(county):
    _refused(bearer("jz_" + "x" * 43).get("/api/households/"), "无效")


def test_no_credentials_at_all_is_401_json(county):
    response = Client().get("/api/households/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["detail"]
