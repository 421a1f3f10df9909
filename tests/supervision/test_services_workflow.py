"""The finding's steps (docs/LEDGER.md §6, RULES.md §11): who may take each, in what order, and what is kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.accounts.models import Role
from jingzhun.supervision.models import Evidence, Finding, FindingPart, FindingStep
from jingzhun.supervision.services import (
    FindingRefused,
    FindingStale,
    finding_assign,
    finding_verify,
    part_rectify,
    part_reopen,
)

from .conftest import FOUND, TODAY, photo, record

pytestmark = pytest.mark.django_db
ASSIGNED = FOUND + dt.timedelta(days=3)


def rectify(finding, kind, user, *, on=ASSIGNED + dt.timedelta(days=5), evidence=None):
    return part_rectify(
        finding_id=finding.pk,
        kind=kind,
        user=user,
        on=on,
        rectification="已入户核实并落实低保",
        evidence=[photo()] if evidence is None else evidence,
        expected_version=Finding.objects.get(pk=finding.pk).version,
        today=TODAY,
    )


def test_a_recorded_finding_gets_a_number_and_its_assignment_deadline(finding):
    assert finding.number == f"DC2026-{finding.pk:06d}"
    assert finding.assign_due == FOUND + dt.timedelta(days=7)
    assert list(finding.steps.values_list("action", flat=True)) == ["record"]


def test_a_given_number_is_kept_and_may_not_be_used_twice(users_by_role):
    record(users_by_role, number="JY-2026-031")
    with pytest.raises(FindingRefused, match="已被使用"):
        record(users_by_role, number="JY-2026-031")


def test_a_town_account_may_not_record_a_finding(users_by_role):
    with pytest.raises(PermissionDenied, match="督导检查、县级"):
        record(users_by_role, user=users_by_role[Role.TOWN].owner)


def test_an_inspector_of_another_county_may_not_record_here(users_by_role):
    with pytest.raises(PermissionDenied, match="不在您的管辖区域"):
        record(users_by_role, user=users_by_role[Role.INSPECTOR].outsider)


def test_a_finding_needs_a_town_or_a_department(users_by_role):
    with pytest.raises(FindingRefused, match="至少填写一个"):
        record(users_by_role, town_code="", department="")


def test_a_department_named_in_chinese_is_stored_by_its_key(users_by_role):
    assert record(users_by_role, department="医保").department == "medical_insurance"


def test_a_future_finding_date_is_refused(users_by_role):
    with pytest.raises(FindingRefused, match="不能晚于今天"):
        record(users_by_role, found_on=TODAY + dt.timedelta(days=1))


def test_assignment_makes_one_part_per_assignee_due_21_days_later(assigned):
    parts = {p.kind: p for p in FindingPart.objects.filter(finding=assigned)}
    assert set(parts) == {"town", "department"}
    assert {p.due for p in parts.values()} == {ASSIGNED + dt.timedelta(days=21)}
    assert assigned.assigned_on == ASSIGNED and assigned.version == 2


def test_assignment_before_the_finding_date_is_refused(finding, inspector):
    with pytest.raises(FindingRefused, match="早于发现日期"):
        finding_assign(
            finding_id=finding.pk, user=inspector, on=FOUND - dt.timedelta(days=1), expected_version=1, today=TODAY
        )


def test_a_second_assignment_is_refused(assigned, inspector):
    with pytest.raises(FindingRefused, match="不能重复交办"):
        finding_assign(finding_id=assigned.pk, user=inspector, on=ASSIGNED, expected_version=2, today=TODAY)


def test_a_step_on_an_old_version_is_refused(assigned, town_user, inspector):
    rectify(assigned, "town", town_user)
    with pytest.raises(FindingStale, match="刷新"):
        part_reopen(
            finding_id=assigned.pk,
            kind="town",
            user=inspector,
            on=TODAY,
            reason="不实",
            expected_version=2,
            today=TODAY,
        )


def test_the_other_assignees_step_does_not_make_a_rectification_stale(assigned, town_user, clerk):
    rectify(assigned, "town", town_user)  # version 2 → 3
    part_rectify(
        finding_id=assigned.pk,
        kind="department",
        user=clerk,
        on=ASSIGNED,
        rectification="已补缴",
        evidence=[photo()],
        expected_version=2,  # loaded before the town's step
        today=TODAY,
    )
    assert FindingPart.objects.filter(finding=assigned, done_on__isnull=True).count() == 0


def test_a_part_rectified_twice_is_refused_the_second_time(assigned, town_user, users_by_role):
    rectify(assigned, "town", town_user)
    with pytest.raises(FindingRefused, match="已于"):
        rectify(assigned, "town", users_by_role[Role.TOWN].colleague)


def test_the_town_rectifies_its_part_with_evidence(assigned, town_user):
    rectify(assigned, "town", town_user)
    part = FindingPart.objects.get(finding=assigned, kind="town")
    assert part.done_on == ASSIGNED + dt.timedelta(days=5)
    step = FindingStep.objects.get(finding=assigned, action="rectify")
    assert step.part == "town" and Evidence.objects.get(step=step).original_name == "整改照片.png"


def test_a_rectification_without_evidence_is_refused(assigned, town_user):
    with pytest.raises(FindingRefused, match="佐证材料"):
        rectify(assigned, "town", town_user, evidence=[])


def test_evidence_that_is_not_a_document_is_refused(assigned, town_user):
    page = SimpleUploadedFile("照片.png", b"<html><script>alert(1)</script>", content_type="image/png")
    with pytest.raises(FindingRefused, match=r"照片\.png"):
        rectify(assigned, "town", town_user, evidence=[page])
    assert not FindingPart.objects.filter(finding=assigned, done_on__isnull=False).exists()


def test_another_town_may_not_rectify_the_towns_part(assigned, users_by_role):
    with pytest.raises(PermissionDenied):
        rectify(assigned, "town", users_by_role[Role.TOWN].outsider)


def test_the_towns_account_may_not_rectify_the_departments_part(assigned, town_user):
    with pytest.raises(PermissionDenied, match="medical_insurance"):
        rectify(assigned, "department", town_user)


def test_a_clerk_of_another_department_may_not_rectify_its_part(assigned, users_by_role):
    other = users_by_role[Role.DEPARTMENT].colleague
    other.department = "education"
    other.save()
    with pytest.raises(PermissionDenied):
        rectify(assigned, "department", other)


def test_the_departments_clerk_rectifies_its_part(assigned, clerk):
    rectify(assigned, "department", clerk)
    assert FindingPart.objects.get(finding=assigned, kind="department").done_on is not None


def test_verification_waits_for_both_parts(assigned, town_user, inspector):
    rectify(assigned, "town", town_user)
    with pytest.raises(FindingRefused, match="部门的整改尚未完成"):
        finding_verify(finding_id=assigned.pk, user=inspector, on=TODAY, expected_version=3, today=TODAY)


def test_an_inspector_verifies_when_both_parts_are_done_and_the_finding_closes(assigned, town_user, clerk, inspector):
    rectify(assigned, "town", town_user)
    rectify(assigned, "department", clerk)
    finding = finding_verify(finding_id=assigned.pk, user=inspector, on=TODAY, expected_version=4, today=TODAY)
    assert finding.is_closed and finding.verified_on == TODAY
    assert list(finding.steps.values_list("action", flat=True)) == ["record", "assign", "rectify", "rectify", "verify"]


def test_the_county_office_may_not_verify(assigned, town_user, clerk, users_by_role):
    rectify(assigned, "town", town_user)
    rectify(assigned, "department", clerk)
    with pytest.raises(PermissionDenied, match="督导检查"):
        finding_verify(
            finding_id=assigned.pk, user=users_by_role[Role.COUNTY].owner, on=TODAY, expected_version=4, today=TODAY
        )


def test_a_reopened_part_is_open_again_with_a_new_period(assigned, town_user, inspector):
    rectify(assigned, "town", town_user)
    reopened_on = ASSIGNED + dt.timedelta(days=10)
    part_reopen(
        finding_id=assigned.pk,
        kind="town",
        user=inspector,
        on=reopened_on,
        reason="照片不能证明已落实",
        expected_version=3,
        today=TODAY,
    )
    part = FindingPart.objects.get(finding=assigned, kind="town")
    assert part.done_on is None and part.rounds == 2
    assert part.started_on == reopened_on and part.due == reopened_on + dt.timedelta(days=21)


def test_reopening_needs_a_reason(assigned, town_user, inspector):
    rectify(assigned, "town", town_user)
    with pytest.raises(FindingRefused, match="理由"):
        part_reopen(
            finding_id=assigned.pk, kind="town", user=inspector, on=TODAY, reason=" ", expected_version=3, today=TODAY
        )


def test_an_open_part_cannot_be_reopened(assigned, inspector):
    with pytest.raises(FindingRefused, match="尚未整改完成"):
        part_reopen(
            finding_id=assigned.pk,
            kind="town",
            user=inspector,
            on=TODAY,
            reason="不实",
            expected_version=2,
            today=TODAY,
        )


def test_a_finding_recorded_at_county_level_is_its_responsible_towns(users_by_role, inspector, town_user):
    from jingzhun.supervision.selectors import findings_for_user, parts_for_user

    finding = record(users_by_role, area_code=users_by_role.county_a.code)
    finding_assign(finding_id=finding.pk, user=inspector, on=ASSIGNED, expected_version=1, today=TODAY)
    assert findings_for_user(user=town_user).filter(pk=finding.pk).exists()
    assert parts_for_user(user=town_user).filter(finding=finding, kind="town").exists()
    rectify(finding, "town", town_user)
    assert not findings_for_user(user=users_by_role[Role.TOWN].outsider).filter(pk=finding.pk).exists()
