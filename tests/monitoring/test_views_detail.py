"""A case's page: what it shows, and the next step taken from it."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.monitoring.models import Attachment, CaseStep, MonitoringCase, Stage

from .conftest import DISCOVERED
from .flow import IDENTIFICATION, take, walk

pytestmark = pytest.mark.django_db


def _post(client, case, action, **fields):
    data = {"action": action, "version": case.version, "on": DISCOVERED.isoformat(), "passed": "yes"} | fields
    return client.post(f"/monitoring/{case.pk}/", data)


def test_a_case_of_another_area_is_not_found(client, users_by_role, case):
    client.force_login(users_by_role[Role.VILLAGE].outsider)
    assert client.get(f"/monitoring/{case.pk}/").status_code == 404


def test_the_page_shows_the_case_and_its_next_step(client, users_by_role, case):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    body = client.get(f"/monitoring/{case.pk}/").content.decode()
    assert case.household.household_no in body
    assert "已发现" in body
    assert 'data-testid="step-form-home_check"' in body


def test_a_village_user_completes_the_home_check(client, users_by_role, case):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = _post(client, case, "home_check", note="入户看过", category="marginal", risk_types=["01", "03"])
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.stage, case.category, case.risk_types) == (Stage.HOME_CHECKED, "marginal", ["01", "03"])
    assert "已入户核实" in client.get(response.url).content.decode()


def test_a_step_on_a_stale_version_is_refused_and_writes_nothing(client, users_by_role, case):
    seen = MonitoringCase.objects.get(pk=case.pk)
    case = take(users_by_role, case, "home_check", DISCOVERED)  # someone else took the step meanwhile
    client.force_login(users_by_role[Role.VILLAGE].colleague)
    consent = SimpleUploadedFile("授权书.jpg", b"\xff\xd8\xff\xe0 signed", "image/jpeg")
    response = _post(client, seen, "home_check", file=consent)
    assert response.status_code == 409
    assert "已被他人更新" in response.content.decode()
    assert CaseStep.objects.filter(case=case).count() == 2
    assert MonitoringCase.objects.get(pk=case.pk).version == case.version


def test_a_step_by_the_wrong_role_is_refused_with_the_reason(client, users_by_role, case):
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = _post(client, case, "home_check")
    assert response.status_code == 403
    assert "「入户核实」须由乡镇、村级、帮扶责任人用户办理" in response.content.decode()
    assert MonitoringCase.objects.get(pk=case.pk).stage == Stage.DISCOVERED


def test_a_role_that_does_not_take_the_next_step_sees_who_does(client, users_by_role, case):
    client.force_login(users_by_role[Role.COUNTY].owner)
    body = client.get(f"/monitoring/{case.pk}/").content.decode()
    assert "待乡镇、村级、帮扶责任人办理" in body
    assert "step-form-" not in body


def test_consent_without_the_signed_form_shows_the_refusal(client, users_by_role, case):
    case = take(users_by_role, case, "home_check", DISCOVERED)
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = _post(client, case, "consent")
    assert response.status_code == 400
    assert "须上传签字的授权承诺书" in response.content.decode()


def test_consent_with_the_signed_form_keeps_the_file(client, users_by_role, case):
    case = take(users_by_role, case, "home_check", DISCOVERED)
    client.force_login(users_by_role[Role.VILLAGE].owner)
    signed = SimpleUploadedFile("授权书.jpg", b"\xff\xd8\xff\xe0 signed", "image/jpeg")
    assert _post(client, case, "consent", file=signed).status_code == 302
    attachment = Attachment.objects.get(case=case)
    assert (attachment.kind, attachment.original_name) == ("consent", "授权书.jpg")


def test_an_attachment_is_downloaded_in_scope_only_and_logged(client, users_by_role, case):
    walk(users_by_role, case, IDENTIFICATION[:2], DISCOVERED)
    attachment = Attachment.objects.get(case=case)
    client.force_login(users_by_role[Role.VILLAGE].outsider)
    assert client.get(f"/monitoring/attachments/{attachment.pk}/").status_code == 404
    owner = users_by_role[Role.TOWN].owner
    client.force_login(owner)
    response = client.get(f"/monitoring/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
    assert "attachment" in response["Content-Disposition"]
    assert (response["Content-Type"], response["X-Content-Type-Options"]) == ("image/jpeg", "nosniff")
    assert AccessLog.objects.filter(
        user=owner, action="export", target=f"monitoring-attachment:{attachment.pk}"
    ).exists()
    assert not AccessLog.objects.filter(user=users_by_role[Role.VILLAGE].outsider).exists()


HTML = SimpleUploadedFile("授权书.html", b"<html><script>fetch('/api/members/')</script></html>", "text/html")


def test_a_web_page_as_the_signed_form_is_refused_and_nothing_is_written(client, users_by_role, case):
    case = take(users_by_role, case, "home_check", DISCOVERED)
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = _post(client, case, "consent", file=HTML)
    assert response.status_code == 400
    assert "附件「授权书.html」不是可以上传的文件（只能上传：PDF 文件、JPEG 图片" in response.content.decode()
    assert not Attachment.objects.exists()
    assert MonitoringCase.objects.get(pk=case.pk).stage == Stage.HOME_CHECKED


def test_a_word_document_with_macros_is_refused(client, users_by_role, case):
    case = take(users_by_role, case, "home_check", DISCOVERED)
    client.force_login(users_by_role[Role.VILLAGE].owner)
    docm = io.BytesIO()
    with zipfile.ZipFile(docm, "w") as zf:
        for name in ("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"):
            zf.writestr(name, "x")
    response = _post(client, case, "consent", file=SimpleUploadedFile("授权书.docx", docm.getvalue()))
    assert response.status_code == 400
    assert "含有宏、ActiveX 控件或嵌入的程序对象" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_photo_named_wrongly_is_kept_and_served_as_what_it_is(client, users_by_role, case):
    case = take(users_by_role, case, "home_check", DISCOVERED)
    client.force_login(users_by_role[Role.VILLAGE].owner)
    png = SimpleUploadedFile("授权书.jpg", b"\x89PNG\r\n\x1a\n signed", "image/jpeg")
    assert _post(client, case, "consent", file=png).status_code == 302
    attachment = Attachment.objects.get(case=case)
    assert attachment.file.name.endswith("-consent.png")
    response = client.get(f"/monitoring/attachments/{attachment.pk}/")
    response.close()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].endswith(".png")


def test_an_attachment_kept_before_the_check_is_never_served_as_a_page(client, users_by_role, case):
    # What the step form stored before it looked at the bytes: a web page, kept under a name without suffix.
    walk(users_by_role, case, IDENTIFICATION[:2], DISCOVERED)
    attachment = Attachment.objects.get(case=case)
    attachment.file.save("old-page", ContentFile(b"<html><script>alert(1)</script></html>"), save=False)
    attachment.original_name = "会议记录.html"
    attachment.save()
    client.force_login(users_by_role[Role.TOWN].owner)
    response = client.get(f"/monitoring/attachments/{attachment.pk}/")
    response.close()
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_elimination_step_lists_the_unmet_conditions(client, users_by_role, case):
    walk(users_by_role, case, IDENTIFICATION, DISCOVERED)
    client.force_login(users_by_role[Role.VILLAGE].owner)
    body = client.get(f"/monitoring/{case.pk}/").content.decode()
    assert "提出风险消除" in body
    assert "尚未落实任何帮扶措施" in body


def test_the_county_changes_the_instant_help_tier(client, users_by_role, case):
    case = walk(users_by_role, case, IDENTIFICATION, DISCOVERED)
    client.force_login(users_by_role[Role.COUNTY].owner)
    data = {"tier-version": case.version, "tier-tier": "A", "tier-reason": "突发重病"}
    assert client.post(f"/monitoring/{case.pk}/tier/", data).status_code == 302
    case.refresh_from_db()
    assert case.help_tier == "A"
    assert CaseStep.objects.get(case=case, action="tier_change").note == "突发重病"
