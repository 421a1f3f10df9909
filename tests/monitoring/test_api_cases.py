from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from jingzhun.accounts.models import Role
from jingzhun.accounts.services import api_token_collect, api_token_issue
from jingzhun.monitoring.models import Stage

from .conftest import DISCOVERED

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_list_shows_the_cases_of_the_users_area(users_by_role, case):
    response = _client(users_by_role[Role.TOWN].owner).get("/api/monitoring/cases/")
    assert [row["id"] for row in response.json()["results"]] == [case.pk]


def test_list_is_empty_for_another_area(users_by_role, case):
    response = _client(users_by_role[Role.COUNTY].outsider).get("/api/monitoring/cases/")
    assert response.json()["results"] == []


def test_detail_of_another_areas_case_is_404(users_by_role, case):
    response = _client(users_by_role[Role.VILLAGE].outsider).get(f"/api/monitoring/cases/{case.pk}/")
    assert response.status_code == 404


def test_administrators_get_403(users_by_role, case):
    response = _client(users_by_role[Role.SYSTEM_ADMIN].owner).get("/api/monitoring/cases/")
    assert response.status_code == 403


def test_a_step_through_the_api_advances_the_case(users_by_role, case):
    response = _client(users_by_role[Role.VILLAGE].owner).post(
        f"/api/monitoring/cases/{case.pk}/steps/",
        {"action": "home_check", "version": case.version, "on": DISCOVERED.isoformat(), "risk_types": ["01"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["stage"], response.json()["risk_types"]) == (Stage.HOME_CHECKED, ["01"])


def test_a_step_dated_year_one_through_the_api_is_400_with_the_reason(users_by_role, case):
    response = _client(users_by_role[Role.VILLAGE].owner).post(
        f"/api/monitoring/cases/{case.pk}/steps/",
        {"action": "home_check", "version": case.version, "on": "0001-01-01", "risk_types": ["01"]},
        format="json",
    )
    assert response.status_code == 400
    assert "不能早于 2013-01-01" in response.json()["detail"]


def test_a_stale_version_is_refused_with_the_reason(users_by_role, case):
    response = _client(users_by_role[Role.VILLAGE].owner).post(
        f"/api/monitoring/cases/{case.pk}/steps/",
        {"action": "home_check", "version": case.version + 1, "on": DISCOVERED.isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert "已被他人更新" in response.json()["detail"]


def test_a_step_by_the_wrong_role_is_403(users_by_role, case):
    response = _client(users_by_role[Role.COUNTY].owner).post(
        f"/api/monitoring/cases/{case.pk}/steps/",
        {"action": "home_check", "version": case.version, "on": DISCOVERED.isoformat()},
        format="json",
    )
    assert response.status_code == 403
    assert "入户核实" in response.json()["detail"]


def test_consent_uploads_the_signed_form(users_by_role, case):
    client = _client(users_by_role[Role.VILLAGE].owner)
    client.post(
        f"/api/monitoring/cases/{case.pk}/steps/",
        {"action": "home_check", "version": 1, "on": DISCOVERED.isoformat()},
        format="json",
    )
    response = client.post(
        f"/api/monitoring/cases/{case.pk}/steps/",
        {
            "action": "consent",
            "version": 2,
            "on": DISCOVERED.isoformat(),
            "attachment": SimpleUploadedFile("授权书.jpg", b"\xff\xd8\xff signed", "image/jpeg"),
        },
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    assert case.attachments.get().kind == "consent"


def test_a_step_by_token_needs_no_csrf_token(users_by_role, case):
    user = users_by_role[Role.VILLAGE].owner
    issued = api_token_issue(by=users_by_role[Role.SECURITY_ADMIN].owner, user=user, name="村级台账同步", days=7)
    client = APIClient(
        enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {api_token_collect(user=user, token=issued)}"
    )
    response = client.post(
        f"/api/monitoring/cases/{case.pk}/steps/",
        {"action": "home_check", "version": case.version, "on": DISCOVERED.isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.json()


def test_a_file_named_in_a_json_body_is_refused(users_by_role, case):
    response = _client(users_by_role[Role.VILLAGE].owner).post(
        f"/api/monitoring/cases/{case.pk}/steps/",
        {"action": "home_check", "version": case.version, "on": DISCOVERED.isoformat(), "attachment": "授权书.jpg"},
        format="json",
    )
    assert response.status_code == 400
    assert "attachment" in response.json()["errors"]


def test_a_bad_item_of_a_list_is_named_with_its_position(users_by_role, case):
    response = _client(users_by_role[Role.VILLAGE].owner).post(
        f"/api/monitoring/cases/{case.pk}/steps/",
        {"action": "home_check", "version": case.version, "on": DISCOVERED.isoformat(), "risk_types": ["01", "zz"]},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["risk_types.1"]
    assert response.json()["detail"].startswith("参数 risk_types.1：")


def test_a_web_page_as_an_attachment_is_refused_and_nothing_is_written(users_by_role, case):
    client = _client(users_by_role[Role.VILLAGE].owner)
    client.post(
        f"/api/monitoring/cases/{case.pk}/steps/",
        {"action": "home_check", "version": 1, "on": DISCOVERED.isoformat()},
        format="json",
    )
    page = SimpleUploadedFile("授权书.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "application/pdf")
    response = client.post(
        f"/api/monitoring/cases/{case.pk}/steps/",
        {"action": "consent", "version": 2, "on": DISCOVERED.isoformat(), "attachment": page},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("附件「授权书.pdf」不是可以上传的文件（只能上传：PDF 文件")
    assert not case.attachments.exists()
    case.refresh_from_db()
    assert case.version == 2
