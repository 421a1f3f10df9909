from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.benefits.models import Attendance, Payment, PaymentSource, Post
from jingzhun.benefits.post_services import (
    attendance_pay,
    attendance_record,
    post_create,
    post_end,
    post_update,
    post_wage,
    posts_month_pay,
)
from jingzhun.benefits.register_common import RegisterRefused
from jingzhun.registry.models import ChangeRecord, Income
from jingzhun.registry.vocab import MemberStatus
from tests.factories import AreaFactory, HouseholdFactory, MemberFactory, PaymentFactory

from .registers import TODAY, head, spouse

pytestmark = pytest.mark.django_db


def _new(user, household, **values):
    defaults = dict(
        user=user,
        benefit="B20",
        title="保洁员",
        village=household.village,
        holder_id_number=head(household).id_number,
        monthly_pay=Decimal("600"),
        started_on=dt.date(2025, 1, 1),
        today=TODAY,
    )
    return post_create(**(defaults | values))


def _wage_income(household, year=2025):
    return Income.objects.get(household=household, year=year).wage


# --- a post -------------------------------------------------------------------------------------------------------


def test_the_town_creates_a_post_for_a_member_of_the_village(users_by_role, covered_household):
    post = _new(users_by_role[Role.TOWN].owner, covered_household)
    assert post.holder == head(covered_household)
    assert post.household == covered_household and post.village == covered_household.village


def test_a_village_user_may_not_create_a_post(users_by_role, covered_household):
    with pytest.raises(PermissionDenied):
        _new(users_by_role[Role.VILLAGE].owner, covered_household)


def test_a_post_in_a_village_outside_the_area_is_refused(users_by_role, covered_household):
    with pytest.raises(PermissionDenied):
        _new(users_by_role[Role.TOWN].outsider, covered_household)


def test_the_holder_must_live_in_the_posts_village(users_by_role, covered_household):
    other_village = AreaFactory(level="village", parent=users_by_role.town_a)
    with pytest.raises(RegisterRefused, match="没有证件号码"):
        _new(users_by_role[Role.TOWN].owner, covered_household, village=other_village)


def test_a_deceased_member_cannot_hold_a_post(users_by_role, covered_household):
    head(covered_household).__class__.objects.filter(pk=head(covered_household).pk).update(status=MemberStatus.DECEASED)
    with pytest.raises(RegisterRefused, match="已故"):
        _new(users_by_role[Role.TOWN].owner, covered_household)


def test_one_current_post_of_a_kind_per_holder(users_by_role, covered_household):
    town = users_by_role[Role.TOWN].owner
    _new(town, covered_household)
    with pytest.raises(RegisterRefused, match="同类岗位每人只能有一个"):
        _new(town, covered_household, title="护路员")
    assert _new(town, covered_household, benefit="B19", title="护林员").benefit == "B19"


def test_a_holder_whose_post_ended_may_take_another(users_by_role, covered_household):
    town = users_by_role[Role.TOWN].owner
    first = _new(town, covered_household)
    post_end(user=town, post=first, version=1, ended_on=dt.date(2025, 6, 30), reason="外出务工", today=TODAY)
    assert _new(town, covered_household, started_on=dt.date(2025, 7, 1)).pk != first.pk


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"monthly_pay": Decimal("0")}, "月报酬应大于 0"),
        ({"monthly_pay": Decimal("600.001")}, "两位小数"),
        ({"started_on": dt.date(2025, 12, 2)}, "不能晚于今天"),
        ({"title": " "}, "岗位名称"),
        ({"benefit": "B06"}, "岗位类别"),
    ],
)
def test_bad_post_values_are_refused(users_by_role, covered_household, values, reason):
    with pytest.raises(RegisterRefused, match=reason):
        _new(users_by_role[Role.TOWN].owner, covered_household, **values)


def test_an_edit_on_an_older_page_is_refused(users_by_role, covered_household):
    town = users_by_role[Role.TOWN].owner
    post = _new(town, covered_household)
    post_update(user=town, post=post, version=1, title="保洁员", monthly_pay=Decimal("700"), started_on=post.started_on)
    with pytest.raises(RegisterRefused, match="刚被其他人修改"):
        post_update(
            user=town, post=post, version=1, title="保洁员", monthly_pay=Decimal("800"), started_on=post.started_on
        )
    assert Post.objects.get(pk=post.pk).monthly_pay == Decimal("700")


def test_a_post_ends_with_a_reason_and_not_before_it_started(users_by_role, covered_household):
    town = users_by_role[Role.TOWN].owner
    post = _new(town, covered_household)
    with pytest.raises(RegisterRefused, match="离岗原因"):
        post_end(user=town, post=post, version=1, ended_on=dt.date(2025, 6, 30), reason=" ", today=TODAY)
    with pytest.raises(RegisterRefused, match="不能早于上岗日期"):
        post_end(user=town, post=post, version=1, ended_on=dt.date(2024, 12, 31), reason="辞职", today=TODAY)
    ended = post_end(user=town, post=post, version=1, ended_on=dt.date(2025, 6, 30), reason="辞职", today=TODAY)
    assert ended.ended_on == dt.date(2025, 6, 30) and ended.version == 2


# --- attendance and the wage ------------------------------------------------------------------------------------


def test_the_wage_is_rounded_half_up_to_the_cent():
    # 1000.10 × 1 ÷ 20 = 50.005 exactly: half up gives 50.01 (banker's rounding would give 50.00).
    assert post_wage(monthly_pay=Decimal("1000.10"), days_worked=1, days_required=20) == Decimal("50.01")
    assert post_wage(monthly_pay=Decimal("600"), days_worked=21, days_required=22) == Decimal("572.73")
    assert post_wage(monthly_pay=Decimal("600"), days_worked=22, days_required=22) == Decimal("600.00")
    assert post_wage(monthly_pay=Decimal("600"), days_worked=0, days_required=22) == Decimal("0.00")


def test_attendance_records_the_months_wage(users_by_role, covered_household):
    town = users_by_role[Role.TOWN].owner
    post = _new(town, covered_household)
    row = attendance_record(
        user=town, post=post, month=dt.date(2025, 3, 15), days_required=22, days_worked=21, today=TODAY
    )
    assert row.month == dt.date(2025, 3, 1) and row.wage == Decimal("572.73")


def test_unpaid_attendance_may_be_corrected(users_by_role, covered_household):
    town = users_by_role[Role.TOWN].owner
    post = _new(town, covered_household)
    attendance_record(user=town, post=post, month=dt.date(2025, 3, 1), days_required=22, days_worked=11, today=TODAY)
    attendance_record(user=town, post=post, month=dt.date(2025, 3, 1), days_required=22, days_worked=22, today=TODAY)
    assert Attendance.objects.get(post=post).wage == Decimal("600.00")


@pytest.mark.parametrize(
    ("month", "required", "worked", "reason"),
    [
        (dt.date(2025, 3, 1), 22, 23, "实际出勤天数"),
        (dt.date(2025, 3, 1), 0, 0, "应出勤天数"),
        (dt.date(2024, 12, 1), 22, 20, "在上岗日期"),
        (dt.date(2026, 1, 1), 22, 20, "今后月份"),
    ],
)
def test_bad_attendance_is_refused(users_by_role, covered_household, month, required, worked, reason):
    town = users_by_role[Role.TOWN].owner
    post = _new(town, covered_household)
    with pytest.raises(RegisterRefused, match=reason):
        attendance_record(user=town, post=post, month=month, days_required=required, days_worked=worked, today=TODAY)


def test_no_attendance_after_the_post_ended(users_by_role, covered_household):
    town = users_by_role[Role.TOWN].owner
    post = _new(town, covered_household)
    post = post_end(user=town, post=post, version=1, ended_on=dt.date(2025, 6, 30), reason="辞职", today=TODAY)
    with pytest.raises(RegisterRefused, match="离岗日期"):
        attendance_record(user=town, post=post, month=dt.date(2025, 7, 1), days_required=22, days_worked=5, today=TODAY)


# --- paying a wage ----------------------------------------------------------------------------------------------


def _attended(users_by_role, household, month=dt.date(2025, 3, 1), worked=21):
    town = users_by_role[Role.TOWN].owner
    post = Post.objects.filter(household=household).first() or _new(town, household)
    return attendance_record(user=town, post=post, month=month, days_required=22, days_worked=worked, today=TODAY)


def test_paying_a_wage_records_a_post_payment_and_adds_it_to_the_wage_income_once(users_by_role, covered_household):
    row = _attended(users_by_role, covered_household)
    before = _wage_income(covered_household)
    payment = attendance_pay(
        user=users_by_role[Role.COUNTY].owner, attendance=row, paid_on=dt.date(2025, 4, 5), today=TODAY
    )
    assert (payment.benefit, payment.source, payment.amount) == ("B20", PaymentSource.POST, Decimal("572.73"))
    assert payment.member == head(covered_household)
    assert Attendance.objects.get(pk=row.pk).payment == payment
    assert _wage_income(covered_household) == before + Decimal("572.73")


def test_a_wage_is_not_paid_twice(users_by_role, covered_household):
    row = _attended(users_by_role, covered_household)
    county = users_by_role[Role.COUNTY].owner
    attendance_pay(user=county, attendance=row, paid_on=dt.date(2025, 4, 5), today=TODAY)
    before = _wage_income(covered_household)
    with pytest.raises(RegisterRefused, match="不能重复发放"):
        attendance_pay(user=county, attendance=row, paid_on=dt.date(2025, 4, 6), today=TODAY)
    assert _wage_income(covered_household) == before
    assert Payment.objects.count() == 1


def test_paid_attendance_cannot_be_corrected(users_by_role, covered_household):
    row = _attended(users_by_role, covered_household)
    attendance_pay(user=users_by_role[Role.COUNTY].owner, attendance=row, paid_on=dt.date(2025, 4, 5), today=TODAY)
    with pytest.raises(RegisterRefused, match="已发放"):
        _attended(users_by_role, covered_household, worked=10)


def test_the_town_keeps_the_register_but_does_not_pay(users_by_role, covered_household):
    row = _attended(users_by_role, covered_household)
    with pytest.raises(PermissionDenied):
        attendance_pay(user=users_by_role[Role.TOWN].owner, attendance=row, paid_on=dt.date(2025, 4, 5), today=TODAY)
    assert Attendance.objects.get(pk=row.pk).payment is None


def test_the_human_resources_clerk_pays_public_welfare_posts_and_forestry_does_not(
    users_by_role, covered_household, department_clerk
):
    row = _attended(users_by_role, covered_household)
    with pytest.raises(PermissionDenied):
        attendance_pay(user=department_clerk("forestry"), attendance=row, paid_on=dt.date(2025, 4, 5), today=TODAY)
    payment = attendance_pay(
        user=department_clerk("human_resources"), attendance=row, paid_on=dt.date(2025, 4, 5), today=TODAY
    )
    assert payment.department == "人社局"


def test_a_month_without_attendance_has_nothing_to_pay(users_by_role, covered_household):
    row = _attended(users_by_role, covered_household, worked=0)
    with pytest.raises(RegisterRefused, match="工资为 0"):
        attendance_pay(user=users_by_role[Role.COUNTY].owner, attendance=row, paid_on=dt.date(2025, 4, 5), today=TODAY)


# --- a village's month at once ------------------------------------------------------------------------------------


@pytest.fixture
def village_month(users_by_role, covered_household):
    """Three holders of village A with March 2025 recorded: the head (B20, 21/22), the spouse (B19, 22/22), a
    member of a second household (B20, 0 days: nothing to pay)."""
    town = users_by_role[Role.TOWN].owner
    second = HouseholdFactory(village=covered_household.village)
    neighbour = MemberFactory(household=second, relation="head")
    posts = [
        _new(town, covered_household),
        _new(
            town, covered_household, benefit="B19", title="护林员", holder_id_number=spouse(covered_household).id_number
        ),
        _new(town, second, holder_id_number=neighbour.id_number),
    ]
    for post, worked in zip(posts, (21, 22, 0), strict=True):
        attendance_record(
            user=town, post=post, month=dt.date(2025, 3, 1), days_required=22, days_worked=worked, today=TODAY
        )
    return posts


def test_a_villages_month_is_paid_in_one_go(users_by_role, covered_household, village_month):
    before = _wage_income(covered_household)
    done = posts_month_pay(
        user=users_by_role[Role.COUNTY].owner,
        village=covered_household.village,
        month=dt.date(2025, 3, 1),
        paid_on=dt.date(2025, 4, 5),
        today=TODAY,
    )
    assert done == {"paid": 2, "skipped": 0}
    payments = Payment.objects.order_by("benefit")
    assert [(p.benefit, p.amount, p.source, p.member_key) for p in payments] == [
        ("B19", Decimal("600.00"), PaymentSource.POST, spouse(covered_household).id_number),
        ("B20", Decimal("572.73"), PaymentSource.POST, head(covered_household).id_number),
    ]
    assert {p.benefit_name for p in payments} == {"生态护林员", "乡村公益岗位"}
    assert all(p.year == 2025 and p.income_item == "wage" and p.department for p in payments)
    assert set(Attendance.objects.exclude(payment=None).values_list("payment_id", flat=True)) == {
        p.pk for p in payments
    }
    assert _wage_income(covered_household) == before + Decimal("1172.73")


def test_paying_the_month_again_pays_nothing_and_adds_no_income(users_by_role, covered_household, village_month):
    county = users_by_role[Role.COUNTY].owner
    values = dict(user=county, village=covered_household.village, month=dt.date(2025, 3, 1), today=TODAY)
    posts_month_pay(paid_on=dt.date(2025, 4, 5), **values)
    before = _wage_income(covered_household)
    changes = ChangeRecord.objects.filter(entity="income").count()
    assert posts_month_pay(paid_on=dt.date(2025, 4, 6), **values) == {"paid": 0, "skipped": 0}
    assert Payment.objects.count() == 2
    assert _wage_income(covered_household) == before
    assert ChangeRecord.objects.filter(entity="income").count() == changes


def test_a_wage_colliding_with_a_payment_of_that_day_is_left_unpaid(users_by_role, covered_household, village_month):
    PaymentFactory(
        benefit="B20", member=head(covered_household), paid_on=dt.date(2025, 4, 5), source=PaymentSource.POST
    )
    done = posts_month_pay(
        user=users_by_role[Role.COUNTY].owner,
        village=covered_household.village,
        month=dt.date(2025, 3, 1),
        paid_on=dt.date(2025, 4, 5),
        today=TODAY,
    )
    assert done == {"paid": 1, "skipped": 1}
    assert Attendance.objects.get(post=village_month[0]).payment is None


def test_a_department_clerk_pays_only_its_kind_of_post(
    users_by_role, covered_household, village_month, department_clerk
):
    done = posts_month_pay(
        user=department_clerk("forestry"),
        village=covered_household.village,
        month=dt.date(2025, 3, 1),
        paid_on=dt.date(2025, 4, 5),
        today=TODAY,
    )
    assert done == {"paid": 1, "skipped": 0}
    assert list(Payment.objects.values_list("benefit", flat=True)) == ["B19"]


def test_the_town_may_not_pay_a_month(users_by_role, covered_household, village_month):
    with pytest.raises(PermissionDenied):
        posts_month_pay(
            user=users_by_role[Role.TOWN].owner,
            village=covered_household.village,
            month=dt.date(2025, 3, 1),
            paid_on=dt.date(2025, 4, 5),
            today=TODAY,
        )


def test_an_outsider_may_not_pay_the_villages_month(users_by_role, covered_household, village_month):
    with pytest.raises(PermissionDenied):
        posts_month_pay(
            user=users_by_role[Role.COUNTY].outsider,
            village=covered_household.village,
            month=dt.date(2025, 3, 1),
            paid_on=dt.date(2025, 4, 5),
            today=TODAY,
        )
    assert not Payment.objects.exists()
