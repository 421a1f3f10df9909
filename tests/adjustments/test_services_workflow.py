from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.adjustments.models import AdjustmentStep, Stage
from jingzhun.adjustments.services import AdjustmentRefused, AdjustmentStale, adjustment_step
from jingzhun.registry.models import ChangeRecord, StatusChange

from .conftest import APPLIED, open_case
from .flow import STATUS_STEPS, step_input, take, walk

pytestmark = pytest.mark.django_db


def test_an_exit_goes_from_application_to_county_decision_and_writes_the_registry(users_by_role, exit_case):
    case = walk(users_by_role, exit_case, STATUS_STEPS, APPLIED)
    household = case.household
    household.refresh_from_db()
    assert (case.stage, case.closed_on, case.decided_on) == (Stage.DECIDED, case.decided_on, case.decided_on)
    assert (household.poverty_status, household.year_exited) == ("exited", case.decided_on.year)
    change = StatusChange.objects.get(household=household)
    assert (change.from_status, change.to_status) == ("not_exited", "exited")
    assert "某县扶发〔2026〕12号" in change.reason


def test_the_announcement_follows_the_decision(users_by_role, exit_case):
    case = walk(users_by_role, exit_case, [*STATUS_STEPS, "announce"], APPLIED)
    assert case.stage == Stage.ANNOUNCED
    assert case.announced_on is not None


def test_a_step_out_of_order_is_refused_with_the_next_step(users_by_role, exit_case):
    with pytest.raises(
        AdjustmentRefused, match="当前环节为「已申请」，不能办理「村级公示」；下一步应为「村级民主评议」"
    ):
        take(users_by_role, exit_case, "notice", APPLIED)


def test_a_step_by_the_wrong_role_is_refused(users_by_role, exit_case):
    case = walk(users_by_role, exit_case, STATUS_STEPS[:3], APPLIED)
    with pytest.raises(PermissionDenied, match="「县级决定」须由县级用户办理，当前用户角色为「乡镇」"):
        take(users_by_role, case, "county_decide", APPLIED + dt.timedelta(days=12), user=users_by_role[Role.TOWN].owner)


def test_a_step_outside_the_users_area_is_refused(users_by_role, exit_case):
    with pytest.raises(PermissionDenied, match="不在您的管辖区域内"):
        take(users_by_role, exit_case, "village_review", APPLIED, user=users_by_role[Role.VILLAGE].outsider)


def test_the_village_review_needs_its_minutes(users_by_role, exit_case):
    with pytest.raises(AdjustmentRefused, match="「村级民主评议」须上传民主评议会议记录"):
        take(users_by_role, exit_case, "village_review", APPLIED, attachments=[])


def test_the_town_review_waits_for_the_notice_days(users_by_role, exit_case):
    case = walk(users_by_role, exit_case, STATUS_STEPS[:2], APPLIED)
    early = case.notice_started_on + dt.timedelta(days=6)
    with pytest.raises(AdjustmentRefused, match=r"公示自 .* 起不少于 7 天"):
        take(users_by_role, case, "town_review", early)


def test_a_stale_page_is_refused(users_by_role, exit_case):
    take(users_by_role, exit_case, "village_review", APPLIED)
    with pytest.raises(AdjustmentStale, match="已被他人更新"):
        adjustment_step(
            case_id=exit_case.pk,
            action="notice",
            user=users_by_role[Role.VILLAGE].owner,
            expected_version=exit_case.version,
            step=step_input(exit_case, "notice", APPLIED),
            today=APPLIED,
        )


def test_a_review_that_does_not_pass_closes_the_case_without_touching_the_registry(users_by_role, exit_case):
    case = take(users_by_role, exit_case, "village_review", APPLIED, passed=False, reason="群众有异议")
    case.household.refresh_from_db()
    assert (case.stage, case.close_reason, case.household.poverty_status) == (
        Stage.NOT_APPROVED,
        "群众有异议",
        "not_exited",
    )


def test_a_decision_needs_a_document_number(users_by_role, exit_case):
    case = walk(users_by_role, exit_case, STATUS_STEPS[:3], APPLIED)
    with pytest.raises(AdjustmentRefused, match="须填写决定文号"):
        take(users_by_role, case, "county_decide", APPLIED + dt.timedelta(days=12), decision_no=" ")


def test_an_exit_from_a_status_that_has_exited_already_is_refused(users_by_role, household):
    household.poverty_status = "exited"
    household.save()
    with pytest.raises(AdjustmentRefused, match=r"「脱贫」只适用于.*该户当前为「已脱贫\(享受政策\)」"):
        open_case(users_by_role, household)


def test_a_status_changed_since_the_application_is_refused_at_the_decision(users_by_role, exit_case):
    case = walk(users_by_role, exit_case, STATUS_STEPS[:3], APPLIED)
    case.household.poverty_status = "exited_no_policy"
    case.household.save()
    with pytest.raises(AdjustmentRefused, match=r"该户当前为「已脱贫\(不再享受政策\)」"):
        take(users_by_role, case, "county_decide", APPLIED + dt.timedelta(days=12))


def test_one_status_procedure_at_a_time(users_by_role, exit_case):
    with pytest.raises(AdjustmentRefused, match="已有一项正在办理的状态调整"):
        open_case(users_by_role, exit_case.household, kind="cancel")


def test_a_helper_cannot_apply(users_by_role, household):
    from jingzhun.adjustments.services import Application, adjustment_open

    with pytest.raises(PermissionDenied):
        adjustment_open(
            household=household,
            user=users_by_role[Role.HELPER].owner,
            application=Application(kind="exit", applied_on=APPLIED, reason="x"),
            today=APPLIED,
        )


def test_every_step_is_kept_with_its_actor_and_date(users_by_role, exit_case):
    walk(users_by_role, exit_case, STATUS_STEPS[:2], APPLIED)
    steps = list(AdjustmentStep.objects.filter(case=exit_case).values_list("action", "actor", "on"))
    assert steps == [
        ("open", "village_owner", APPLIED),
        ("village_review", "village_owner", APPLIED),
        ("notice", "village_owner", APPLIED + dt.timedelta(days=1)),
    ]


def test_the_field_history_keeps_the_exit_year(users_by_role, exit_case):
    case = walk(users_by_role, exit_case, STATUS_STEPS, APPLIED)
    fields = set(
        ChangeRecord.objects.filter(entity="household", entity_key=case.household.household_no).values_list(
            "field", flat=True
        )
    )
    assert fields == {"poverty_status", "year_exited"}
