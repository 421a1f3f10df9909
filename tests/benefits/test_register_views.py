"""The register pages: who may read them, who may write through them, what a page shows of a person."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.benefits.models import Attendance, Loan, LoanStatus, Payment, Post, Student
from jingzhun.core.idnumber import mask
from tests.factories import LoanFactory, PostFactory, StudentFactory

from .registers import head, son, spouse

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)


def _as(client, users_by_role, role, who="owner"):
    user = getattr(users_by_role[role], who)
    client.force_login(user)
    return user


@pytest.fixture
def registers(covered_household):
    """A B20 post (head), a B19 post (spouse), a loan due in 10 days (head), a student of this year (son)."""
    return {
        "post": PostFactory(holder=head(covered_household), started_on=dt.date(TODAY.year, 1, 1)),
        "ranger": PostFactory(holder=spouse(covered_household), benefit="B19", title="护林员"),
        "loan": LoanFactory(
            borrower=head(covered_household),
            issued_on=TODAY - dt.timedelta(days=700),
            due_on=TODAY + dt.timedelta(days=10),
        ),
        "student": StudentFactory(member=son(covered_household), year=TODAY.year),
    }


LISTS = ["/benefits/registers/posts/", "/benefits/registers/loans/", "/benefits/registers/students/"]


# --- reading ----------------------------------------------------------------------------------------------------


ROWS = {"posts": 'data-post="', "loans": 'data-loan="', "students": 'data-student="'}


@pytest.mark.parametrize("kind", ["posts", "loans", "students"])
def test_an_outsider_sees_none_of_area_a(client, users_by_role, registers, kind):
    _as(client, users_by_role, Role.COUNTY, "outsider")
    response = client.get(f"/benefits/registers/{kind}/")
    assert response.status_code == 200
    assert ROWS[kind] not in response.content.decode()
    _as(client, users_by_role, Role.COUNTY)
    assert ROWS[kind] in client.get(f"/benefits/registers/{kind}/").content.decode()


@pytest.mark.parametrize("path", LISTS)
def test_a_village_user_reads_without_the_new_button(client, users_by_role, registers, covered_household, path):
    _as(client, users_by_role, Role.VILLAGE)
    response = client.get(path)
    assert response.status_code == 200
    assert f'href="{path}new/"' not in response.content.decode()
    assert client.get(f"{path}new/").status_code == 403


@pytest.mark.parametrize("path", LISTS)
def test_a_user_without_benefits_is_refused(client, users_by_role, path):
    _as(client, users_by_role, Role.HELPER)
    assert client.get(path).status_code == 403


def test_a_human_resources_clerk_sees_public_welfare_posts_not_rangers(
    client, registers, covered_household, department_clerk
):
    client.force_login(department_clerk("human_resources"))
    body = client.get("/benefits/registers/posts/").content.decode()
    assert f'data-post="{registers["post"].pk}"' in body
    assert f'data-post="{registers["ranger"].pk}"' not in body
    assert client.get(f"/benefits/registers/posts/{registers['ranger'].pk}/").status_code == 404


def test_only_the_finance_clerk_sees_the_loans(client, registers, department_clerk):
    client.force_login(department_clerk("finance"))
    assert f'data-loan="{registers["loan"].pk}"' in client.get("/benefits/registers/loans/").content.decode()
    client.force_login(department_clerk("civil_affairs"))
    assert f'data-loan="{registers["loan"].pk}"' not in client.get("/benefits/registers/loans/").content.decode()
    assert client.get(f"/benefits/registers/loans/{registers['loan'].pk}/").status_code == 404


def test_the_loan_list_shows_a_loan_due_within_30_days(client, users_by_role, registers):
    _as(client, users_by_role, Role.COUNTY)
    body = client.get("/benefits/registers/loans/").content.decode()
    due = body.split('data-testid="due-soon"')[1].split("</table>")[0]
    overdue = body.split('data-testid="overdue"')[1].split("</table>")[0]
    assert f'data-loan="{registers["loan"].pk}"' in due
    assert f'data-loan="{registers["loan"].pk}"' not in overdue


@pytest.mark.parametrize(
    "path", ["/benefits/registers/posts/{post}/", "/benefits/registers/loans/{loan}/"], ids=["post", "loan"]
)
def test_another_areas_record_is_not_found(client, users_by_role, registers, path):
    _as(client, users_by_role, Role.COUNTY, "outsider")
    url = path.format(post=registers["post"].pk, loan=registers["loan"].pk)
    assert client.get(url).status_code == 404


def test_id_numbers_are_masked_without_the_right(client, users_by_role, registers, covered_household):
    _as(client, users_by_role, Role.COUNTY)
    body = client.get("/benefits/registers/posts/").content.decode()
    number = head(covered_household).id_number
    assert mask(number) in body and number not in body


def test_id_numbers_are_whole_for_a_user_with_the_right(client, users_by_role, registers, covered_household):
    user = _as(client, users_by_role, Role.COUNTY)
    user.may_see_id_numbers = True
    user.save()
    assert head(covered_household).id_number in client.get("/benefits/registers/loans/").content.decode()


def test_the_filters_narrow_the_post_list(client, users_by_role, registers):
    _as(client, users_by_role, Role.COUNTY)
    body = client.get("/benefits/registers/posts/?kind=B19").content.decode()
    assert f'data-post="{registers["ranger"].pk}"' in body and f'data-post="{registers["post"].pk}"' not in body


# --- writing ----------------------------------------------------------------------------------------------------


def test_the_town_creates_a_post_from_the_page(client, users_by_role, covered_household):
    _as(client, users_by_role, Role.TOWN)
    response = client.post(
        "/benefits/registers/posts/new/",
        {
            "benefit": "B20",
            "village": covered_household.village_id,
            "title": "保洁员",
            "holder": head(covered_household).id_number,
            "monthly_pay": "600",
            "started_on": TODAY.isoformat(),
        },
    )
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/benefits/registers/posts/{post.pk}/"


def test_a_refused_post_shows_the_reason(client, users_by_role, covered_household):
    _as(client, users_by_role, Role.TOWN)
    response = client.post(
        "/benefits/registers/posts/new/",
        {
            "benefit": "B20",
            "village": covered_household.village_id,
            "title": "保洁员",
            "holder": "370125199001011234",
            "monthly_pay": "600",
            "started_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 400 and "没有证件号码" in response.content.decode()
    assert not Post.objects.exists()


def test_a_village_user_may_not_post_a_new_post(client, users_by_role, covered_household):
    _as(client, users_by_role, Role.VILLAGE)
    assert client.post("/benefits/registers/posts/new/", {"benefit": "B20"}).status_code == 403


def test_the_town_records_attendance_and_the_county_pays_it(client, users_by_role, registers):
    post = registers["post"]
    _as(client, users_by_role, Role.TOWN)
    response = client.post(
        f"/benefits/registers/posts/{post.pk}/attendance/",
        {"month": f"{THIS_MONTH:%Y-%m}", "days_required": "20", "days_worked": "19"},
    )
    assert response.status_code == 302
    row = Attendance.objects.get(post=post)
    assert row.wage == Decimal("570.00")
    assert client.post(f"/benefits/registers/posts/attendance/{row.pk}/pay/", {"paid_on": TODAY}).status_code == 403
    _as(client, users_by_role, Role.COUNTY)
    response = client.post(f"/benefits/registers/posts/attendance/{row.pk}/pay/", {"paid_on": TODAY.isoformat()})
    assert response.status_code == 302
    assert Attendance.objects.get(pk=row.pk).payment.amount == Decimal("570.00")


def test_an_outsider_cannot_record_attendance_on_area_as_post(client, users_by_role, registers):
    _as(client, users_by_role, Role.TOWN, "outsider")
    response = client.post(
        f"/benefits/registers/posts/{registers['post'].pk}/attendance/",
        {"month": f"{THIS_MONTH:%Y-%m}", "days_required": "20", "days_worked": "19"},
    )
    assert response.status_code == 404 and not Attendance.objects.exists()


def test_the_month_is_paid_from_the_list(client, users_by_role, registers, covered_household):
    Attendance.objects.create(post=registers["post"], month=THIS_MONTH, days_required=20, days_worked=20, wage=600)
    _as(client, users_by_role, Role.COUNTY)
    values = {"village": covered_household.village_id, "month": f"{THIS_MONTH:%Y-%m}", "paid_on": TODAY.isoformat()}
    assert client.post("/benefits/registers/posts/pay-month/", values).status_code == 302
    assert client.post("/benefits/registers/posts/pay-month/", values).status_code == 302
    assert Payment.objects.filter(benefit="B20").count() == 1


def test_ending_a_post_from_the_page(client, users_by_role, registers):
    post = registers["post"]
    _as(client, users_by_role, Role.TOWN)
    response = client.post(
        f"/benefits/registers/posts/{post.pk}/end/",
        {"version": post.version, "ended_on": TODAY.isoformat(), "reason": "外出务工"},
    )
    assert response.status_code == 302 and Post.objects.get(pk=post.pk).end_reason == "外出务工"


def test_editing_a_post_on_an_older_page_is_refused(client, users_by_role, registers):
    post = registers["post"]
    Post.objects.filter(pk=post.pk).update(version=2)
    _as(client, users_by_role, Role.TOWN)
    response = client.post(
        f"/benefits/registers/posts/{post.pk}/edit/",
        {"version": 1, "title": "保洁员", "monthly_pay": "900", "started_on": post.started_on.isoformat()},
    )
    assert response.status_code == 400 and "刷新页面" in response.content.decode()


def test_the_town_records_a_loan_and_a_repayment(client, users_by_role, covered_household):
    _as(client, users_by_role, Role.TOWN)
    response = client.post(
        "/benefits/registers/loans/new/",
        {
            "borrower": head(covered_household).id_number,
            "bank": "县农村商业银行",
            "contract_no": "XD-1",
            "amount": "30000",
            "term_months": "12",
            "annual_rate": "4.35",
            "subsidy_rate": "4.35",
            "issued_on": (TODAY - dt.timedelta(days=40)).isoformat(),
        },
    )
    loan = Loan.objects.get()
    assert response.status_code == 302
    response = client.post(
        f"/benefits/registers/loans/{loan.pk}/repay/",
        {"version": 1, "paid_on": TODAY.isoformat(), "principal": "30000", "interest": "0", "interest_subsidy": "0"},
    )
    assert response.status_code == 302 and Loan.objects.get().status == LoanStatus.REPAID


def test_a_village_user_may_not_record_a_repayment(client, users_by_role, registers):
    _as(client, users_by_role, Role.VILLAGE)
    response = client.post(
        f"/benefits/registers/loans/{registers['loan'].pk}/repay/",
        {"version": 1, "paid_on": TODAY.isoformat(), "principal": "100", "interest": "0", "interest_subsidy": "0"},
    )
    assert response.status_code == 403


def test_the_town_registers_a_student_and_the_county_pays_the_aid(client, users_by_role, covered_household):
    _as(client, users_by_role, Role.TOWN)
    response = client.post(
        "/benefits/registers/students/new/",
        {
            "member": son(covered_household).id_number,
            "school": "县职业教育中心",
            "level": "vocational",
            "year": TODAY.year,
            "grade": "1",
        },
    )
    student = Student.objects.get()
    assert response.status_code == 302
    assert client.post(f"/benefits/registers/students/{student.pk}/pay/", {"paid_on": TODAY}).status_code == 403
    _as(client, users_by_role, Role.COUNTY)
    client.post(f"/benefits/registers/students/{student.pk}/pay/", {"paid_on": TODAY.isoformat()})
    assert Payment.objects.get(benefit="B01").amount == Decimal("3000.00")


def test_an_outsider_cannot_pay_area_as_student(client, users_by_role, registers):
    _as(client, users_by_role, Role.COUNTY, "outsider")
    response = client.post(f"/benefits/registers/students/{registers['student'].pk}/pay/", {"paid_on": TODAY})
    assert response.status_code == 404 and not Payment.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/benefits/registers/posts/pay-month/",
        "/benefits/registers/posts/{post}/end/",
        "/benefits/registers/posts/{post}/attendance/",
        "/benefits/registers/loans/{loan}/repay/",
        "/benefits/registers/students/{student}/pay/",
    ],
)
def test_writes_are_post_only(client, users_by_role, registers, path):
    _as(client, users_by_role, Role.COUNTY)
    url = path.format(post=registers["post"].pk, loan=registers["loan"].pk, student=registers["student"].pk)
    assert client.get(url).status_code == 405


def test_a_write_without_the_csrf_token_is_refused(users_by_role, registers):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.post(f"/benefits/registers/students/{registers['student'].pk}/pay/", {"paid_on": TODAY})
    assert response.status_code == 403 and not Payment.objects.exists()


def test_the_nav_links_the_three_registers(client, users_by_role):
    _as(client, users_by_role, Role.VILLAGE)
    body = client.get("/benefits/").content.decode()
    for path in LISTS:
        assert f'href="{path}"' in body
