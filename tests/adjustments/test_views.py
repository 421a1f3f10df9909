from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.adjustments.models import AdjustmentAttachment, AdjustmentCase

from .conftest import APPLIED
from .flow import STATUS_STEPS, walk

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate().isoformat()


def _login(client, users_by_role, role, who="owner"):
    client.force_login(getattr(users_by_role[role], who))


def test_the_list_shows_cases_in_the_users_area(client, users_by_role, exit_case):
    _login(client, users_by_role, Role.TOWN)
    body = client.get("/adjustments/").content.decode()
    assert exit_case.household.household_no in body
    assert "脱贫" in body


def test_the_list_hides_another_areas_cases(client, users_by_role, exit_case):
    _login(client, users_by_role, Role.TOWN, "outsider")
    body = client.get("/adjustments/").content.decode()
    assert exit_case.household.household_no not in body


def test_another_areas_case_is_not_found(client, users_by_role, exit_case):
    _login(client, users_by_role, Role.COUNTY, "outsider")
    assert client.get(f"/adjustments/{exit_case.pk}/").status_code == 404


def test_a_village_user_applies_from_the_household(client, users_by_role, household):
    _login(client, users_by_role, Role.VILLAGE)
    response = client.post(
        f"/adjustments/new/{household.household_no}/",
        {"kind": "exit", "applied_on": TODAY, "reason": "务工收入稳定"},
    )
    case = AdjustmentCase.objects.get(household=household)
    assert response.status_code == 302
    assert response["Location"] == f"/adjustments/{case.pk}/"
    assert (case.kind, case.stage, case.from_status) == ("exit", "applied", "not_exited")


def test_the_application_page_offers_only_the_changes_the_status_allows(client, users_by_role, household):
    _login(client, users_by_role, Role.VILLAGE)
    body = client.get(f"/adjustments/new/{household.household_no}/").content.decode()
    assert '<option value="exit"' in body
    assert '<option value="relapse"' not in body


def test_an_application_for_another_areas_household_is_not_found(client, users_by_role, household):
    _login(client, users_by_role, Role.VILLAGE, "outsider")
    response = client.post(
        f"/adjustments/new/{household.household_no}/",
        {"kind": "exit", "applied_on": TODAY, "reason": "x"},
    )
    assert response.status_code == 404
    assert not AdjustmentCase.objects.exists()


def test_a_helper_cannot_apply(client, users_by_role, household):
    _login(client, users_by_role, Role.HELPER)
    response = client.post(
        f"/adjustments/new/{household.household_no}/",
        {"kind": "exit", "applied_on": TODAY, "reason": "x"},
    )
    assert response.status_code in (403, 404)
    assert not AdjustmentCase.objects.exists()


def test_a_refused_application_says_why_on_the_page(client, users_by_role, household):
    _login(client, users_by_role, Role.VILLAGE)
    response = client.post(
        f"/adjustments/new/{household.household_no}/",
        {"kind": "member_remove", "applied_on": TODAY, "reason": "去世"},
    )
    assert response.status_code == 400
    assert "没有证件号码为" in response.content.decode()


def test_the_village_review_is_recorded_with_its_minutes(client, users_by_role, exit_case):
    _login(client, users_by_role, Role.VILLAGE)
    minutes = SimpleUploadedFile("会议记录.jpg", b"\xff\xd8\xff\xe0 minutes", "image/jpeg")
    response = client.post(
        f"/adjustments/{exit_case.pk}/",
        {
            "action": "village_review",
            "version": exit_case.version,
            "on": TODAY,
            "passed": "yes",
            "file": minutes,
        },
    )
    assert response.status_code == 302
    exit_case.refresh_from_db()
    assert exit_case.stage == "village_reviewed"
    assert exit_case.attachments.get().kind == "minutes"


def test_a_step_from_a_stale_page_is_refused(client, users_by_role, exit_case):
    _login(client, users_by_role, Role.VILLAGE)
    response = client.post(
        f"/adjustments/{exit_case.pk}/",
        {
            "action": "village_review",
            "version": exit_case.version + 1,
            "on": TODAY,
            "passed": "no",
            "reason": "x",
        },
    )
    assert response.status_code == 409
    assert "已被他人更新" in response.content.decode()


def test_the_county_decision_form_asks_for_the_document_number(client, users_by_role, exit_case):
    case = walk(users_by_role, exit_case, STATUS_STEPS[:3], APPLIED)
    _login(client, users_by_role, Role.COUNTY)
    body = client.get(f"/adjustments/{case.pk}/").content.decode()
    assert 'name="decision_no"' in body
    assert 'name="override_reason"' in body


def test_an_attachment_download_is_logged(client, users_by_role, exit_case):
    case = walk(users_by_role, exit_case, STATUS_STEPS[:1], APPLIED)
    attachment = AdjustmentAttachment.objects.get(case=case)
    _login(client, users_by_role, Role.TOWN)
    response = client.get(f"/adjustments/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
    assert response["Content-Disposition"].startswith("attachment")
    assert AccessLog.objects.filter(target=f"adjustment-attachment:{attachment.pk}").exists()


def test_another_areas_attachment_is_not_found(client, users_by_role, exit_case):
    case = walk(users_by_role, exit_case, STATUS_STEPS[:1], APPLIED)
    attachment = AdjustmentAttachment.objects.get(case=case)
    _login(client, users_by_role, Role.TOWN, "outsider")
    assert client.get(f"/adjustments/attachments/{attachment.pk}/").status_code == 404


def test_the_household_record_lists_its_adjustments(client, users_by_role, exit_case):
    _login(client, users_by_role, Role.VILLAGE)
    body = client.get(f"/households/{exit_case.household.household_no}/").content.decode()
    assert f"/adjustments/{exit_case.pk}/" in body
    assert f"/adjustments/new/{exit_case.household.household_no}/" in body


def test_a_new_members_page_shows_the_fields_in_words(client, users_by_role, household):
    from .conftest import open_case
    from .test_services_members import NEWBORN

    values = {"id_number": NEWBORN, "name": "王小宝", "relation": "grandson"}
    case = open_case(users_by_role, household, "member_add", member_values=values, reason="出生")
    _login(client, users_by_role, Role.TOWN)
    body = client.get(f"/adjustments/{case.pk}/").content.decode()
    assert "孙子" in body and "grandson" not in body
    assert NEWBORN not in body and "更正后的证件号码" not in body
