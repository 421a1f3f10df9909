"""A finding's page: what it shows, each step taken from it, the refusals (in Chinese, nothing written), and the
evidence downloads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.supervision.models import Evidence, Finding, FindingPart, FindingStep
from jingzhun.supervision.services import finding_assign, finding_verify, part_rectify

from .conftest import photo, record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
FOUND = TODAY - dt.timedelta(days=10)
ASSIGNED = TODAY - dt.timedelta(days=8)


@pytest.fixture
def recorded(users_by_role):
    return record(users_by_role, found_on=FOUND, today=TODAY, evidence=[photo("现场照片.png")])


@pytest.fixture
def assigned(recorded, inspector):
    return finding_assign(finding_id=recorded.pk, user=inspector, on=ASSIGNED, expected_version=recorded.version)


def _rectify(finding, kind, user):
    return part_rectify(
        finding_id=finding.pk,
        kind=kind,
        user=user,
        on=TODAY,
        rectification="已整改",
        evidence=[photo()],
        expected_version=Finding.objects.get(pk=finding.pk).version,
    )


@pytest.fixture
def rectified(assigned, town_user, clerk):
    _rectify(assigned, "town", town_user)
    return _rectify(assigned, "department", clerk)


def _url(finding) -> str:
    return f"/supervision/{finding.pk}/"


def _steps(finding) -> int:
    return FindingStep.objects.filter(finding=finding).count()


def _post(client, finding, action, kind="", **fields):
    prefix = f"{action}-{kind}" if kind else action
    data = {f"{prefix}-version": finding.version, f"{prefix}-on": TODAY.isoformat()}
    if kind:
        data[f"{prefix}-kind"] = kind
    data |= {f"{prefix}-{name}": value for name, value in fields.items()}
    return client.post(_url(finding), {"action": action, **data})


# --- what the page shows, to whom --------------------------------------------------------------------------------


def test_the_page_shows_the_finding_its_history_and_the_assign_form(client, recorded, inspector):
    client.force_login(inspector)
    body = client.get(_url(recorded)).content.decode()
    assert recorded.number in body and "低保政策未落实到户" in body
    assert 'data-testid="next-assign"' in body
    assert "现场照片.png" in body  # the evidence of the record step, in the history


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.TOWN, Role.COUNTY, Role.DEPARTMENT])
def test_a_finding_of_another_county_is_not_found(client, users_by_role, recorded, role):
    client.force_login(users_by_role[role].outsider)
    assert client.get(_url(recorded)).status_code == 404


def test_a_clerk_of_another_department_does_not_find_it(client, users_by_role, recorded):
    other = users_by_role[Role.DEPARTMENT].colleague
    other.department = "civil_affairs"
    other.save(update_fields=["department"])
    client.force_login(other)
    assert client.get(_url(recorded)).status_code == 404


def test_the_town_sees_its_rectify_form_and_waits_for_the_department(client, assigned, town_user):
    client.force_login(town_user)
    body = client.get(_url(assigned)).content.decode()
    assert 'data-testid="next-rectify-town"' in body
    assert "待「医保」整改" in body


def test_the_clue_of_a_finding_is_linked(client, users_by_role, inspector):
    from jingzhun.crosscheck.models import Clue
    from jingzhun.crosscheck.models import Run as CrosscheckRun
    from jingzhun.supervision.services import finding_from_clue
    from tests.factories import HouseholdFactory

    household = HouseholdFactory(village=users_by_role.village_a)
    run = CrosscheckRun.objects.create(as_of=TODAY)
    clue = Clue.objects.create(
        rule="X09",
        department="payroll",
        household=household,
        village_code=household.village_id,
        detail="财政供养",
        action="核实",
        fingerprint="X09::h1",
        first_run=run,
        last_run=run,
    )
    finding = finding_from_clue(clue_id=clue.pk, user=inspector)
    client.force_login(inspector)
    assert f"/crosscheck/clues/{clue.pk}/" in client.get(_url(finding)).content.decode()


# --- the steps ----------------------------------------------------------------------------------------------------


def test_an_inspector_assigns_the_finding(client, recorded, inspector):
    client.force_login(inspector)
    response = _post(client, recorded, "assign", town=recorded.town_code, department="医保")
    assert response.status_code == 302
    assert set(FindingPart.objects.filter(finding=recorded).values_list("kind", flat=True)) == {"town", "department"}
    assert "已交办" in client.get(response.url).content.decode()


def test_the_town_rectifies_its_part_with_evidence(client, assigned, town_user):
    client.force_login(town_user)
    response = _post(client, assigned, "rectify", "town", rectification="已落实低保", evidence=photo())
    assert response.status_code == 302
    part = FindingPart.objects.get(finding=assigned, kind="town")
    assert (part.done_on, part.rectification) == (TODAY, "已落实低保")
    assert Evidence.objects.filter(step__action="rectify", finding=assigned).count() == 1


def test_an_inspector_reopens_a_part_with_a_reason(client, rectified, inspector):
    client.force_login(inspector)
    response = _post(client, rectified, "reopen", "town", reason="佐证材料不全")
    assert response.status_code == 302
    part = FindingPart.objects.get(finding=rectified, kind="town")
    assert (part.done_on, part.rounds) == (None, 2)


def test_an_inspector_verifies_and_the_finding_is_closed(client, rectified, inspector):
    client.force_login(inspector)
    response = _post(client, rectified, "verify", note="现场核验")
    assert response.status_code == 302
    assert Finding.objects.get(pk=rectified.pk).verified_on == TODAY
    assert "已销号" in client.get(response.url).content.decode()


# --- refusals: in Chinese, nothing written -----------------------------------------------------------------------


def test_assigning_twice_is_refused_with_the_reason(client, assigned, inspector):
    stale = Finding.objects.get(pk=assigned.pk)
    client.force_login(inspector)
    steps = _steps(assigned)
    response = _post(client, stale, "assign", town=assigned.town_code)
    assert response.status_code == 400
    assert "不能重复交办" in response.content.decode()
    assert _steps(assigned) == steps


def test_a_stale_version_is_refused_and_writes_nothing(client, users_by_role, rectified, inspector):
    seen = Finding.objects.get(pk=rectified.pk)
    colleague = users_by_role[Role.INSPECTOR].colleague
    client.force_login(colleague)
    _post(client, seen, "reopen", "department", reason="材料不清晰")  # meanwhile, a colleague sends a part back
    client.force_login(inspector)
    steps = _steps(rectified)
    response = _post(client, seen, "reopen", "town", reason="佐证材料不全")
    assert response.status_code == 409
    assert "已被他人更新" in response.content.decode()
    assert _steps(rectified) == steps
    assert FindingPart.objects.get(finding=rectified, kind="town").done_on == TODAY


def test_the_town_may_not_rectify_the_departments_part(client, assigned, town_user):
    client.force_login(town_user)
    response = _post(client, assigned, "rectify", "department", rectification="代为整改", evidence=photo())
    assert response.status_code == 403
    assert "您不能办理" in response.content.decode()
    assert FindingPart.objects.get(finding=assigned, kind="department").done_on is None


def test_a_rectification_without_evidence_is_refused(client, assigned, clerk):
    client.force_login(clerk)
    response = _post(client, assigned, "rectify", "department", rectification="已整改")
    assert response.status_code == 400
    assert "请修改下面标出的内容" in response.content.decode()
    assert FindingPart.objects.get(finding=assigned, kind="department").done_on is None


def test_evidence_that_is_not_a_document_is_refused(client, assigned, clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(clerk)
    page = SimpleUploadedFile("整改.html", b"<html><script>alert(1)</script></html>", "text/html")
    response = _post(client, assigned, "rectify", "department", rectification="已整改", evidence=page)
    assert response.status_code == 400
    assert "整改.html" in response.content.decode()
    assert FindingPart.objects.get(finding=assigned, kind="department").done_on is None


def test_a_town_may_not_verify(client, rectified, town_user):
    client.force_login(town_user)
    response = _post(client, rectified, "verify")
    assert response.status_code == 403
    assert "核验销号" in response.content.decode()
    assert Finding.objects.get(pk=rectified.pk).verified_on is None


def test_verifying_with_a_part_open_is_refused(client, assigned, town_user, inspector):
    _rectify(assigned, "town", town_user)
    client.force_login(inspector)
    response = _post(client, Finding.objects.get(pk=assigned.pk), "verify")
    assert response.status_code == 400
    assert "部门的整改尚未完成" in response.content.decode()
    assert Finding.objects.get(pk=assigned.pk).verified_on is None


def test_reopening_without_a_reason_is_refused(client, rectified, inspector):
    client.force_login(inspector)
    response = _post(client, rectified, "reopen", "town", reason="")
    assert response.status_code == 400
    assert FindingPart.objects.get(finding=rectified, kind="town").done_on == TODAY


def test_an_unknown_action_is_refused(client, recorded, inspector):
    client.force_login(inspector)
    response = client.post(_url(recorded), {"action": "delete"})
    assert response.status_code == 400
    assert "请刷新页面" in response.content.decode()


def test_a_post_without_the_csrf_token_is_refused(users_by_role, recorded, inspector):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(inspector)
    response = strict.post(
        _url(recorded),
        {"action": "assign", "assign-version": 1, "assign-on": TODAY.isoformat()},
    )
    assert response.status_code == 403
    assert not FindingPart.objects.filter(finding=recorded).exists()


# --- evidence -----------------------------------------------------------------------------------------------------


def test_evidence_is_downloaded_and_logged(client, recorded, inspector):
    evidence = Evidence.objects.get(finding=recorded)
    client.force_login(inspector)
    response = client.get(f"/supervision/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]
    assert AccessLog.objects.filter(user=inspector, target=f"supervision-evidence:{evidence.pk}").exists()
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    response.close()


def test_evidence_of_another_county_is_not_found_and_not_logged(client, users_by_role, recorded):
    evidence = Evidence.objects.get(finding=recorded)
    outsider = users_by_role[Role.INSPECTOR].outsider
    client.force_login(outsider)
    assert client.get(f"/supervision/evidence/{evidence.pk}/").status_code == 404
    assert not AccessLog.objects.filter(user=outsider).exists()


def test_a_verified_finding_offers_no_more_steps(client, rectified, inspector):
    finding_verify(finding_id=rectified.pk, user=inspector, on=TODAY, expected_version=rectified.version)
    client.force_login(inspector)
    body = client.get(_url(rectified)).content.decode()
    assert 'data-testid="next-' not in body
