"""The register pages in real headless Chromium at desktop and phone width: the county pays a student's aid from
the list; every list and form shows without sideways scrolling. Screenshots go to $JINGZHUN_SHOTS (/tmp/shots)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jingzhun.accounts.models import Role
from jingzhun.benefits.models import Attendance, LoanStatus, Payment
from tests.browser import DESKTOP, PHONE
from tests.factories import HouseholdFactory, LoanFactory, MemberFactory, PostFactory, StudentFactory
from tests.web.test_browser_pages import _log_in, _no_sideways_scroll, _page, _shot

from .registers import head, son, spouse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill(village, household):
    today = timezone.localdate()
    post = PostFactory(holder=head(household), started_on=dt.date(today.year, 1, 1))
    PostFactory(
        holder=spouse(household), benefit="B19", title="生态护林员（北山片区）", started_on=dt.date(today.year, 2, 1)
    )
    for month in range(1, today.month):
        Attendance.objects.create(
            post=post, month=dt.date(today.year, month, 1), days_required=22, days_worked=20 + month % 3, wage=545.45
        )
    other = HouseholdFactory(village=village, poverty_status="exited")
    borrower = MemberFactory(household=other, relation="head")
    loan = LoanFactory(borrower=head(household), due_on=today + dt.timedelta(days=12))
    LoanFactory(borrower=borrower, due_on=today - dt.timedelta(days=20), bank="中国邮政储蓄银行")
    LoanFactory(
        borrower=borrower, bank="中国邮政储蓄银行", status=LoanStatus.REPAID, due_on=today - dt.timedelta(days=90)
    )
    student = StudentFactory(member=son(household), year=today.year)
    StudentFactory(
        member=MemberFactory(household=other, relation="son"),
        year=today.year,
        school="市高级技工学校",
        level="higher_vocational",
    )
    return post, loan, student


def test_the_register_pages_on_a_desktop_and_a_phone(live_server, browser, users_by_role, covered_household):
    post, loan, student = _fill(users_by_role.village_a, covered_household)
    watched = _page(browser, PHONE)
    page = watched.page
    _log_in(page, live_server.url, users_by_role[Role.COUNTY].owner.username, "/benefits/registers/students/")
    page.get_by_test_id(f"pay-student-{student.pk}").get_by_role("button").click()
    expect(page.get_by_text("补助已发放。")).to_be_visible()
    watched.clean()
    assert Payment.objects.get(benefit="B01").member_id == student.member_id

    for viewport, size in ((DESKTOP, "desktop"), (PHONE, "phone")):
        watched = _page(browser, viewport)
        page = watched.page
        _log_in(page, live_server.url, users_by_role[Role.COUNTY].owner.username, "/benefits/registers/posts/")
        for path, name in (
            ("/benefits/registers/posts/", "posts"),
            ("/benefits/registers/posts/new/", "post-new"),
            (f"/benefits/registers/posts/{post.pk}/", "post"),
            (f"/benefits/registers/posts/{post.pk}/edit/", "post-edit"),
            ("/benefits/registers/loans/", "loans"),
            ("/benefits/registers/loans/new/", "loan-new"),
            (f"/benefits/registers/loans/{loan.pk}/", "loan"),
            ("/benefits/registers/students/", "students"),
            ("/benefits/registers/students/new/", "student-new"),
        ):
            page.goto(f"{live_server.url}{path}")
            expect(page.get_by_test_id("benefits-nav")).to_be_visible()
            _no_sideways_scroll(page, viewport)
            _shot(page, f"registers-{name}-{size}")
        watched.clean()
