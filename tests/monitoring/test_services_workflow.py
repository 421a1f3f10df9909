from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.monitoring.models import Attachment, CaseStep, MonitoringCase, Stage
from jingzhun.monitoring.services import (
    CaseRefused,
    CaseStale,
    case_measure_recorded,
    case_open,
    case_step,
    case_tier_change,
    elimination_unmet,
)
from jingzhun.policy.services import assessment_run

from .conftest import DISCOVERED
from .flow import ELIMINATION, IDENTIFICATION, step_input, take, walk

pytestmark = pytest.mark.django_db


def test_a_case_goes_from_discovery_to_county_decision(users_by_role, case):
    case = walk(users_by_role, case, IDENTIFICATION, DISCOVERED)
    assert case.stage == Stage.MONITORED
    assert (case.category, case.risk_types) == ("unstable", ["01"])
    assert case.monitored_since == case.decided_on
    assert [s.action for s in case.steps.all()] == ["open", *IDENTIFICATION]


def test_every_step_is_kept_with_its_actor_and_date(users_by_role, case):
    walk(users_by_role, case, IDENTIFICATION[:3], DISCOVERED)
    compare = CaseStep.objects.get(case=case, action="compare")
    assert (compare.actor, compare.role, compare.on) == ("town_owner", Role.TOWN, DISCOVERED + dt.timedelta(days=2))
    assert compare.note == "民政、医保、人社数据无异常"


def test_the_county_decision_sets_the_tier_of_its_category(users_by_role, case):
    case = walk(users_by_role, case, IDENTIFICATION, DISCOVERED)
    assert case.help_tier == "C"
    assert case.help_due == case.decided_on + dt.timedelta(days=30)


def test_a_step_out_of_order_is_refused_with_the_next_step(users_by_role, case):
    with pytest.raises(CaseRefused, match="当前环节为「已发现」，不能办理「村级民主评议」；下一步应为「入户核实」"):
        take(users_by_role, case, "village_review", DISCOVERED)


def test_a_step_by_the_wrong_role_is_refused(users_by_role, case):
    case = walk(users_by_role, case, IDENTIFICATION[:6], DISCOVERED)
    with pytest.raises(PermissionDenied, match="「县级确定」须由县级用户办理，当前用户角色为「乡镇」"):
        case_step(
            case_id=case.pk,
            action="county_decide",
            user=users_by_role[Role.TOWN].owner,
            expected_version=case.version,
            step=step_input("county_decide", DISCOVERED + dt.timedelta(days=20)),
            today=DISCOVERED + dt.timedelta(days=20),
        )


def test_a_step_by_a_user_of_another_area_is_refused(users_by_role, case):
    with pytest.raises(PermissionDenied, match="不在您的管辖区域内"):
        case_step(
            case_id=case.pk,
            action="home_check",
            user=users_by_role[Role.VILLAGE].outsider,
            expected_version=case.version,
            step=step_input("home_check", DISCOVERED),
            today=DISCOVERED,
        )


def test_consent_without_the_signed_form_is_refused_and_nothing_is_written(users_by_role, case):
    case = take(users_by_role, case, "home_check", DISCOVERED)
    with pytest.raises(CaseRefused, match="须上传签字的授权承诺书"):
        take(users_by_role, case, "consent", DISCOVERED, attachments=[])
    case.refresh_from_db()
    assert (case.stage, case.version, case.steps.count()) == (Stage.HOME_CHECKED, 2, 2)


def test_attachments_are_stored_with_their_step(users_by_role, case):
    case = walk(users_by_role, case, IDENTIFICATION[:2], DISCOVERED)
    attachment = Attachment.objects.get(case=case)
    assert (attachment.kind, attachment.step.action) == ("consent", "consent")
    with attachment.file.open("rb") as stored:
        assert stored.read().startswith(b"\xff\xd8")


def test_town_review_waits_five_days_of_public_notice(users_by_role, case):
    case = walk(users_by_role, case, IDENTIFICATION[:5], DISCOVERED)
    four_days = case.notice_started_on + dt.timedelta(days=4)
    with pytest.raises(CaseRefused, match="不少于 5 天"):
        take(users_by_role, case, "town_review", four_days)


def test_town_review_on_the_fifth_day_of_notice_passes(users_by_role, case):
    case = walk(users_by_role, case, IDENTIFICATION[:5], DISCOVERED)
    case = take(users_by_role, case, "town_review", case.notice_started_on + dt.timedelta(days=5))
    assert case.stage == Stage.TOWN_REVIEWED


def test_a_step_dated_before_the_previous_one_is_refused(users_by_role, case):
    case = take(users_by_role, case, "home_check", DISCOVERED + dt.timedelta(days=3))
    with pytest.raises(CaseRefused, match="早于上一环节的日期"):
        take(users_by_role, case, "consent", DISCOVERED + dt.timedelta(days=2), today=DISCOVERED + dt.timedelta(days=9))


def test_a_step_based_on_an_old_version_is_refused(users_by_role, case, paired_helper):
    stale = case.version
    take(users_by_role, case, "home_check", DISCOVERED)
    with pytest.raises(CaseStale, match="已被他人更新"):
        case_step(
            case_id=case.pk,
            action="home_check",
            user=paired_helper,
            expected_version=stale,
            step=step_input("home_check", DISCOVERED),
            today=DISCOVERED,
        )


def test_county_may_decide_not_to_include_with_a_reason(users_by_role, case):
    case = walk(users_by_role, case, IDENTIFICATION[:6], DISCOVERED)
    on = DISCOVERED + dt.timedelta(days=15)
    case = take(users_by_role, case, "county_decide", on, passed=False, reason="收入核实后高于监测范围")
    assert (case.stage, case.closed_on, case.close_reason) == (Stage.NOT_INCLUDED, on, "收入核实后高于监测范围")


def test_not_passed_without_a_reason_is_refused(users_by_role, case):
    case = walk(users_by_role, case, IDENTIFICATION[:6], DISCOVERED)
    with pytest.raises(CaseRefused, match="未通过时须填写理由"):
        take(users_by_role, case, "county_decide", DISCOVERED + dt.timedelta(days=15), passed=False)


def test_a_closed_case_leaves_room_for_a_new_one_and_stays_in_the_record(users_by_role, household, case):
    case = take(users_by_role, case, "home_check", DISCOVERED, passed=False, reason="入户核实无返贫风险")
    again = case_open(household=household, channel="self_report", user=users_by_role[Role.VILLAGE].owner)
    assert again.created
    assert MonitoringCase.objects.filter(household=household).count() == 2


def test_county_decision_needs_a_category_and_a_risk_type(users_by_role, case):
    case = walk(users_by_role, case, IDENTIFICATION[:6], DISCOVERED)
    with pytest.raises(CaseRefused, match="至少一种风险类型"):
        take(users_by_role, case, "county_decide", DISCOVERED + dt.timedelta(days=15), risk_types=[])


def test_unknown_risk_type_is_refused(users_by_role, case):
    with pytest.raises(CaseRefused, match="风险类型代码无效：08"):
        take(users_by_role, case, "home_check", DISCOVERED, risk_types=["08"])


# --- instant help -----------------------------------------------------------------------------------------------


def test_tier_change_needs_a_reason(users_by_role, case):
    with pytest.raises(CaseRefused, match="须填写理由"):
        case_tier_change(
            case_id=case.pk, tier="A", reason=" ", user=users_by_role[Role.TOWN].owner, expected_version=case.version
        )


def test_tier_change_restarts_the_response_deadline(users_by_role, case):
    on = DISCOVERED + dt.timedelta(days=1)
    case = case_tier_change(
        case_id=case.pk,
        tier="A",
        reason="房屋倒塌",
        user=users_by_role[Role.TOWN].owner,
        expected_version=case.version,
        on=on,
    )
    assert (case.help_tier, case.help_due) == ("A", on + dt.timedelta(days=3))
    assert case.steps.get(action="tier_change").data == {"from": "", "to": "A", "reason": "房屋倒塌"}


def test_village_may_not_change_the_tier(users_by_role, case):
    with pytest.raises(PermissionDenied):
        case_tier_change(
            case_id=case.pk,
            tier="A",
            reason="房屋倒塌",
            user=users_by_role[Role.VILLAGE].owner,
            expected_version=case.version,
        )


def test_first_measure_answers_the_instant_help_deadline(case):
    case_measure_recorded(case=case, started_on=DISCOVERED + dt.timedelta(days=2))
    case_measure_recorded(case=case, started_on=DISCOVERED + dt.timedelta(days=1))
    case.refresh_from_db()
    assert (case.measures, case.help_started_on) == (2, DISCOVERED + dt.timedelta(days=1))


# --- risk elimination -------------------------------------------------------------------------------------------


@pytest.fixture
def monitored(users_by_role, case):
    return walk(users_by_role, case, IDENTIFICATION, DISCOVERED)


def test_elimination_lists_every_unmet_condition(monitored):
    unmet = elimination_unmet(case=monitored, on=monitored.monitored_since + dt.timedelta(days=30))
    assert unmet[0].startswith("纳入监测未满 6 个月")
    assert unmet[1] == "尚未落实任何帮扶措施"
    assert unmet[2].startswith("没有该户的有效评估结果")


def test_elimination_proposal_is_refused_before_six_months(users_by_role, monitored):
    case_measure_recorded(case=monitored, started_on=monitored.monitored_since)
    assessment_run(year=2020)
    monitored.refresh_from_db()
    early = monitored.monitored_since + dt.timedelta(days=150)
    with pytest.raises(CaseRefused, match="纳入监测未满 6 个月"):
        take(users_by_role, monitored, "propose_elimination", early)


def test_elimination_goes_through_review_notice_and_county_approval(users_by_role, monitored):
    case_measure_recorded(case=monitored, started_on=monitored.monitored_since)
    assessment_run(year=2020)
    monitored.refresh_from_db()
    case = walk(users_by_role, monitored, ELIMINATION, monitored.monitored_since + dt.timedelta(days=190))
    assert (case.stage, case.closed_on is not None) == (Stage.ELIMINATED, True)


def test_household_without_labor_is_not_eliminated(users_by_role, household, monitored):
    household.members.update(labor="none")
    case_measure_recorded(case=monitored, started_on=monitored.monitored_since)
    assessment_run(year=2020)
    monitored.refresh_from_db()
    unmet = elimination_unmet(case=monitored, on=monitored.monitored_since + dt.timedelta(days=200))
    assert unmet == ["家中没有全劳动力或弱劳动力，不作风险消除，继续监测并落实兜底保障"]


def test_non_poor_household_without_labor_is_not_eliminated(users_by_role, household, monitored):
    # not tiered (docs/RULES.md §7: only exited households are), yet §6 keeps it under monitoring all the same
    household.poverty_status = "non_poor"
    household.save()
    household.members.update(labor="lost")
    case_measure_recorded(case=monitored, started_on=monitored.monitored_since)
    assessment_run(year=2020)
    monitored.refresh_from_db()
    unmet = elimination_unmet(case=monitored, on=monitored.monitored_since + dt.timedelta(days=200))
    assert unmet == ["家中没有全劳动力或弱劳动力，不作风险消除，继续监测并落实兜底保障"]


def test_low_income_blocks_elimination(users_by_role, household, monitored):
    household.incomes.update(wage=5000)
    case_measure_recorded(case=monitored, started_on=monitored.monitored_since)
    assessment_run(year=2020)
    monitored.refresh_from_db()
    unmet = elimination_unmet(case=monitored, on=monitored.monitored_since + dt.timedelta(days=200))
    assert unmet == ["人均纯收入 2500.00 元低于监测范围 6000 元（2020 年评估）"]


def test_village_review_may_send_elimination_back_to_monitoring(users_by_role, monitored):
    case_measure_recorded(case=monitored, started_on=monitored.monitored_since)
    assessment_run(year=2020)
    monitored.refresh_from_db()
    on = monitored.monitored_since + dt.timedelta(days=190)
    case = take(users_by_role, monitored, "propose_elimination", on)
    case = take(users_by_role, case, "elimination_village_review", on, passed=False, reason="群众认为收入不稳")
    assert (case.stage, case.closed_on) == (Stage.MONITORED, None)
