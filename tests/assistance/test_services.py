"""The assistance services: validation with Chinese messages, pairing history, measures reaching a case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Level
from jingzhun.assistance import services
from jingzhun.assistance.models import AssistanceChange, Attendance, HelperKind, MeasureKind, Pairing, VisitPhoto
from jingzhun.core.scope import SYSTEM
from jingzhun.monitoring.models import MonitoringCase
from tests.factories import AreaFactory, HouseholdFactory, UserFactory

from .factories import JPEG, PNG, WEBP, FollowUpFactory, HelperFactory, PairingFactory, WorkTeamFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- helpers ---------------------------------------------------------------------------------------------------


def test_helper_create_keeps_the_helper_and_its_history():
    village = AreaFactory()
    helper = services.helper_create(by=SYSTEM, name="王帮扶", unit="县水利局", area=village, phone="13900000000")
    assert helper.unit == "县水利局"
    assert AssistanceChange.objects.filter(entity="helper", entity_id=helper.pk, action="create").exists()


def test_helper_create_requires_a_unit():
    with pytest.raises(ValidationError) as caught:
        services.helper_create(by=SYSTEM, name="王帮扶", unit="  ", area=AreaFactory())
    assert "单位" in _messages(caught.value)


def test_helper_create_refuses_an_area_outside_the_scope_of_the_creator():
    creator = UserFactory(role=Role.VILLAGE)
    with pytest.raises(ValidationError) as caught:
        services.helper_create(name="王帮扶", unit="县水利局", area=AreaFactory(), by=creator)
    assert "数据权限范围" in _messages(caught.value)


def test_helper_account_must_have_the_helper_role():
    village = AreaFactory()
    account = UserFactory(role=Role.VILLAGE, area=village)
    with pytest.raises(ValidationError) as caught:
        services.helper_create(
            by=SYSTEM, name="王帮扶", unit="县水利局", area=village, account_username=account.username
        )
    assert _messages(caught.value) == services.ACCOUNT_NOT_LINKABLE


# --- pairings --------------------------------------------------------------------------------------------------


def test_pairing_set_pairs_a_household_without_helper():
    household = HouseholdFactory()
    pairing = services.pairing_set(
        by=SYSTEM, helper=HelperFactory(), household=household, started_on=dt.date(2025, 1, 1)
    )
    assert pairing.is_current
    assert list(household.pairings.all()) == [pairing]


def test_re_pairing_ends_the_old_pairing_on_the_new_start_date():
    household = HouseholdFactory()
    old = PairingFactory(household=household, started_on=dt.date(2024, 1, 1))
    new = services.pairing_set(
        by=SYSTEM, helper=HelperFactory(), household=household, started_on=dt.date(2025, 6, 1), end_reason="岗位调整"
    )
    old.refresh_from_db()
    assert (old.ended_on, old.end_reason) == (dt.date(2025, 6, 1), "岗位调整")
    assert new.is_current
    assert household.pairings.filter(ended_on__isnull=True).count() == 1


def test_a_helper_keeps_many_households():
    helper = HelperFactory()
    for _ in range(3):
        services.pairing_set(by=SYSTEM, helper=helper, household=HouseholdFactory(), started_on=dt.date(2025, 1, 1))
    assert helper.pairings.filter(ended_on__isnull=True).count() == 3


def test_pairing_again_with_the_same_helper_is_refused():
    pairing = PairingFactory()
    with pytest.raises(ValidationError) as caught:
        services.pairing_set(
            by=SYSTEM, helper=pairing.helper, household=pairing.household, started_on=dt.date(2025, 1, 1)
        )
    assert "已与" in _messages(caught.value)


def test_re_pairing_before_the_current_start_is_refused():
    pairing = PairingFactory(started_on=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError) as caught:
        services.pairing_set(
            by=SYSTEM, helper=HelperFactory(), household=pairing.household, started_on=dt.date(2024, 12, 1)
        )
    assert "开始日期" in _messages(caught.value)


def test_pairing_in_the_future_is_refused():
    with pytest.raises(ValidationError) as caught:
        services.pairing_set(
            by=SYSTEM, helper=HelperFactory(), household=HouseholdFactory(), started_on=TODAY + dt.timedelta(days=1)
        )
    assert "不能晚于今天" in _messages(caught.value)


def test_the_database_allows_one_current_pairing_per_household():
    pairing = PairingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Pairing.objects.create(helper=HelperFactory(), household=pairing.household, started_on=dt.date(2025, 1, 1))


def test_the_database_allows_several_ended_pairings_per_household():
    household = HouseholdFactory()
    PairingFactory(household=household, started_on=dt.date(2023, 1, 1), ended_on=dt.date(2023, 6, 1))
    PairingFactory(household=household, started_on=dt.date(2023, 6, 1), ended_on=dt.date(2024, 1, 1))
    PairingFactory(household=household, started_on=dt.date(2024, 1, 1))
    assert household.pairings.count() == 3


def test_pairing_end_needs_a_reason():
    with pytest.raises(ValidationError) as caught:
        services.pairing_end(by=SYSTEM, pairing=PairingFactory(), ended_on=TODAY, reason=" ")
    assert "结束原因" in _messages(caught.value)


def test_pairing_end_before_its_start_is_refused():
    pairing = PairingFactory(started_on=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError) as caught:
        services.pairing_end(by=SYSTEM, pairing=pairing, ended_on=dt.date(2024, 1, 1), reason="脱贫")
    assert "不能早于开始日期" in _messages(caught.value)


def test_pairing_end_is_kept_in_the_history():
    pairing = PairingFactory()
    services.pairing_end(by=SYSTEM, pairing=pairing, ended_on=TODAY, reason="户籍迁出")
    change = AssistanceChange.objects.get(entity="pairing", entity_id=pairing.pk, action="end")
    assert change.detail["reason"] == "户籍迁出"
    assert change.household_no == pairing.household.household_no


def test_an_ended_pairing_cannot_end_again():
    pairing = PairingFactory(ended_on=dt.date(2024, 6, 1), end_reason="调整")
    with pytest.raises(ValidationError):
        services.pairing_end(by=SYSTEM, pairing=pairing, ended_on=TODAY, reason="再次")


def test_history_rows_are_never_changed():
    pairing = PairingFactory()
    services.pairing_end(by=SYSTEM, pairing=pairing, ended_on=TODAY, reason="户籍迁出")
    with pytest.raises(PermissionError):
        AssistanceChange.objects.all().delete()


# --- work teams and attendance ---------------------------------------------------------------------------------


def test_work_team_leader_must_be_a_first_secretary():
    village = AreaFactory()
    with pytest.raises(ValidationError) as caught:
        services.work_team_create(
            by=SYSTEM, village=village, unit="市委组织部", leader=HelperFactory(), started_on=TODAY
        )
    assert "不是第一书记" in _messages(caught.value)


def test_work_team_includes_its_leader_among_members():
    village = AreaFactory()
    leader = HelperFactory(kind=HelperKind.FIRST_SECRETARY)
    member = HelperFactory()
    team = services.work_team_create(
        by=SYSTEM, village=village, unit="市委组织部", leader=leader, members=[member], started_on=TODAY
    )
    assert set(team.members.all()) == {leader, member}


def test_work_team_must_be_sent_to_a_village():
    with pytest.raises(ValidationError) as caught:
        services.work_team_create(
            by=SYSTEM, village=AreaFactory(level=Level.TOWN), unit="x", leader=None, started_on=TODAY
        )
    assert "不是行政村" in _messages(caught.value)


def test_attendance_of_a_non_member_is_refused():
    team = WorkTeamFactory()
    with pytest.raises(ValidationError) as caught:
        services.attendance_record(by=SYSTEM, team=team, member=HelperFactory(), date=TODAY, status="present")
    assert "不是该工作队的队员" in _messages(caught.value)


def test_attendance_recorded_twice_the_same_day_is_corrected_not_duplicated():
    team = WorkTeamFactory()
    services.attendance_record(by=SYSTEM, team=team, member=team.leader, date=TODAY, status="present")
    services.attendance_record(by=SYSTEM, team=team, member=team.leader, date=TODAY, status="leave", note="病假")
    assert list(Attendance.objects.values_list("status", flat=True)) == ["leave"]
    assert (
        AssistanceChange.objects.filter(entity="attendance", action="correct").get().detail["old_status"] == "present"
    )


def test_attendance_before_the_team_started_is_refused():
    team = WorkTeamFactory(started_on=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError) as caught:
        services.attendance_record(
            by=SYSTEM, team=team, member=team.leader, date=dt.date(2024, 12, 31), status="present"
        )
    assert "驻村期间" in _messages(caught.value)


# --- measures --------------------------------------------------------------------------------------------------


def _open_case(household, **fields) -> MonitoringCase:
    values = {"channel": "cadre_screening", "opened_on": dt.date(2025, 1, 1), "decision_due": dt.date(2025, 2, 1)}
    return MonitoringCase.objects.create(household=household, **(values | fields))


def test_measure_without_open_case_belongs_to_the_household_only():
    measure = services.measure_record(
        by=SYSTEM, household=HouseholdFactory(), kind=MeasureKind.EMPLOYMENT, content="推荐到县城务工", started_on=TODAY
    )
    assert measure.case is None


def test_measure_for_a_household_with_an_open_case_is_counted_for_the_case():
    household = HouseholdFactory()
    case = _open_case(household, help_tier="B", help_due=dt.date(2025, 1, 16))
    measure = services.measure_record(
        by=SYSTEM,
        household=household,
        kind=MeasureKind.TEMPORARY_RELIEF,
        content="临时救助金",
        started_on=dt.date(2025, 1, 10),
        amount=Decimal("2000.00"),
    )
    case.refresh_from_db()
    assert measure.case == case
    assert (case.measures, case.help_started_on) == (1, dt.date(2025, 1, 10))


def test_measure_for_a_closed_case_does_not_touch_it():
    household = HouseholdFactory()
    closed = _open_case(household, stage="not_included", closed_on=dt.date(2025, 1, 5))
    measure = services.measure_record(
        by=SYSTEM, household=household, kind=MeasureKind.HEALTH, content="慢病签约", started_on=TODAY
    )
    closed.refresh_from_db()
    assert measure.case is None
    assert closed.measures == 0


def test_measure_with_a_negative_amount_is_refused():
    with pytest.raises(ValidationError) as caught:
        services.measure_record(
            by=SYSTEM,
            household=HouseholdFactory(),
            kind="industry",
            content="养殖",
            started_on=TODAY,
            amount=Decimal("-1"),
        )
    assert "金额" in _messages(caught.value)


def test_measure_of_an_unknown_kind_is_refused():
    with pytest.raises(ValidationError) as caught:
        services.measure_record(by=SYSTEM, household=HouseholdFactory(), kind="magic", content="x", started_on=TODAY)
    assert "措施类别" in _messages(caught.value)


def test_measure_ending_before_it_starts_is_refused():
    with pytest.raises(ValidationError) as caught:
        services.measure_record(
            by=SYSTEM,
            household=HouseholdFactory(),
            kind="industry",
            content="养殖",
            started_on=dt.date(2025, 5, 1),
            ended_on=dt.date(2025, 4, 1),
        )
    assert "结束日期" in _messages(caught.value)


def test_the_measure_catalogue_has_the_twelve_kinds():
    assert len(MeasureKind.values) == 12
    assert {"industry", "public_welfare_job", "safety_net", "consumption"} <= set(MeasureKind.values)


# --- visits ----------------------------------------------------------------------------------------------------


def test_visit_in_the_future_is_refused():
    with pytest.raises(ValidationError) as caught:
        services.visit_record(
            by=SYSTEM,
            household=HouseholdFactory(),
            helper=HelperFactory(),
            visited_on=TODAY + dt.timedelta(days=1),
            findings="x",
        )
    assert "走访日期不能晚于今天" in _messages(caught.value)


@pytest.mark.parametrize("on", [dt.date(1, 1, 1), dt.date(2012, 12, 31)])
def test_visit_before_2013_is_refused(on):
    with pytest.raises(ValidationError) as caught:
        services.visit_record(
            by=SYSTEM, household=HouseholdFactory(), helper=HelperFactory(), visited_on=on, findings="x"
        )
    assert "走访日期不能早于 2013-01-01" in _messages(caught.value)


def test_pairing_before_2013_is_refused():
    household = HouseholdFactory()
    with pytest.raises(ValidationError) as caught:
        services.pairing_set(helper=HelperFactory(), household=household, started_on=dt.date(1, 1, 1), by=SYSTEM)
    assert "开始日期不能早于 2013-01-01" in _messages(caught.value)
    assert not Pairing.objects.filter(household=household).exists()


def test_visit_needs_findings_or_needs():
    with pytest.raises(ValidationError) as caught:
        services.visit_record(by=SYSTEM, household=HouseholdFactory(), helper=HelperFactory(), visited_on=TODAY)
    assert "至少填写一项" in _messages(caught.value)


def test_visit_keeps_follow_ups_and_photos():
    household = HouseholdFactory()
    photos = [
        SimpleUploadedFile("a.jpg", JPEG),
        SimpleUploadedFile("b.png", PNG),
        SimpleUploadedFile("c.webp", WEBP),
    ]
    visit = services.visit_record(
        by=SYSTEM,
        household=household,
        helper=HelperFactory(),
        visited_on=TODAY,
        findings="房屋漏雨",
        needs="申请危房改造",
        follow_ups=["联系住建局", "  ", "复核房屋等级"],
        follow_up_due=TODAY + dt.timedelta(days=7),
        photos=photos,
    )
    assert [f.text for f in visit.follow_ups.order_by("pk")] == ["联系住建局", "复核房屋等级"]
    assert sorted(p.content_type for p in visit.photos.all()) == ["image/jpeg", "image/png", "image/webp"]


def test_visit_photo_is_stored_under_media_root_with_a_random_name(settings):
    visit = services.visit_record(
        by=SYSTEM,
        household=HouseholdFactory(),
        helper=HelperFactory(),
        visited_on=TODAY,
        findings="x",
        photos=[SimpleUploadedFile("../../etc/户主身份证.jpg", JPEG)],
    )
    photo = visit.photos.get()
    path = photo.file.path
    assert path.startswith(str(settings.MEDIA_ROOT))
    assert "户主" not in path and path.endswith(".jpg")


def test_a_photo_that_is_not_an_image_is_refused_whatever_its_name():
    with pytest.raises(ValidationError) as caught:
        services.visit_record(
            by=SYSTEM,
            household=HouseholdFactory(),
            helper=HelperFactory(),
            visited_on=TODAY,
            findings="x",
            photos=[SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script>")],
        )
    assert "不是 JPEG、PNG 或 WebP" in _messages(caught.value)
    assert not VisitPhoto.objects.exists()


def test_a_photo_over_the_size_limit_is_refused():
    big = SimpleUploadedFile("big.jpg", JPEG + b"\x00" * services.PHOTO_MAX_BYTES)
    with pytest.raises(ValidationError) as caught:
        services.visit_record(
            by=SYSTEM,
            household=HouseholdFactory(),
            helper=HelperFactory(),
            visited_on=TODAY,
            findings="x",
            photos=[big],
        )
    assert "超过" in _messages(caught.value)


def test_follow_up_close_marks_it_done_today():
    follow_up = services.follow_up_close(by=SYSTEM, follow_up=FollowUpFactory())
    assert (follow_up.done, follow_up.done_on) == (True, TODAY)


def test_a_closed_follow_up_cannot_be_closed_again():
    follow_up = FollowUpFactory(done=True, done_on=TODAY)
    with pytest.raises(ValidationError) as caught:
        services.follow_up_close(by=SYSTEM, follow_up=follow_up)
    assert "已办结" in _messages(caught.value)
