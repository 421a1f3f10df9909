"""The window and the applications pages: who may open them (owner / outsider of area B / village role / a clerk
of another department), what they show, and the steps taken through them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.benefits.application_services import application_decide, application_submit
from jingzhun.benefits.models import Application, ApplicationStage, Payment
from jingzhun.registry.models import Income
from tests.factories import PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _son(household):
    return household.members.get(relation="son")


def _window_url(household):
    return reverse("benefits:window_household", args=[household.household_no])


@pytest.fixture
def town(users_by_role):
    return users_by_role[Role.TOWN].owner


@pytest.fixture
def clerk(department_clerk):
    return department_clerk("rural_revitalization")


@pytest.fixture
def taken(town, covered_household):
    return application_submit(
        user=town,
        household=covered_household,
        benefit_code="B01",
        member=_son(covered_household),
        year=2025,
        amount=Decimal("3000"),
        submitted_on=dt.date(2025, 9, 1),
    )


def _approved(clerk, application):
    return application_decide(
        user=clerk,
        application_id=application.pk,
        expected_version=application.version,
        approve=True,
        decided_on=dt.date(2025, 9, 5),
    )


# --- the window search ---------------------------------------------------------------------------------------


def test_the_window_finds_a_household_by_its_number(client, town, covered_household):
    client.force_login(town)
    response = client.get(reverse("benefits:window"), {"q": covered_household.household_no})
    assert response.status_code == 200
    assert _window_url(covered_household) in response.content.decode()


def test_the_window_finds_a_household_by_a_members_full_id_number_and_logs_it(client, town, covered_household):
    client.force_login(town)
    response = client.get(reverse("benefits:window"), {"q": _son(covered_household).id_number})
    assert _window_url(covered_household) in response.content.decode()
    assert AccessLog.objects.filter(user=town, action=AccessLog.Action.ID_SEARCH_FOUND).exists()


def test_the_window_search_never_matches_part_of_an_id_number(client, town, covered_household):
    client.force_login(town)
    response = client.get(reverse("benefits:window"), {"q": _son(covered_household).id_number[:10]})
    assert _window_url(covered_household) not in response.content.decode()


def test_the_window_search_does_not_find_another_areas_household(client, users_by_role, covered_household):
    client.force_login(users_by_role[Role.TOWN].outsider)
    response = client.get(reverse("benefits:window"), {"q": covered_household.household_no})
    assert response.status_code == 200
    assert _window_url(covered_household) not in response.content.decode()


@pytest.mark.parametrize("role", [Role.VILLAGE, Role.DEPARTMENT, Role.INSPECTOR])
def test_the_window_is_for_county_and_town_only(client, users_by_role, role):
    client.force_login(users_by_role[role].owner)
    assert client.get(reverse("benefits:window")).status_code == 403


def test_the_window_asks_anonymous_users_to_log_in(client):
    response = client.get(reverse("benefits:window"))
    assert response.status_code == 302


# --- the household at the window ---------------------------------------------------------------------------


def test_the_household_page_lists_entitlements_payments_and_masked_ids(client, town, covered_household):
    son = _son(covered_household)
    PaymentFactory(member=son, benefit="B07", benefit_name="扶贫特惠保险", amount=Decimal("60"))
    client.force_login(town)
    page = client.get(_window_url(covered_household), {"year": 2025}).content.decode()
    assert 'data-benefit="B01"' in page  # the son in 中职 is entitled to 雨露计划
    assert "3,000.00" in page
    assert "扶贫特惠保险" in page
    assert son.id_number not in page
    assert son.id_number[-4:] in page


def test_the_household_page_of_another_area_is_not_found(client, users_by_role, covered_household):
    client.force_login(users_by_role[Role.TOWN].outsider)
    assert client.get(_window_url(covered_household)).status_code == 404


def test_the_household_page_refuses_a_village_user(client, users_by_role, covered_household):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert client.get(_window_url(covered_household)).status_code == 403


def test_a_department_clerk_sees_its_applicants_household_read_only(client, clerk, taken, covered_household):
    client.force_login(clerk)
    response = client.get(_window_url(covered_household))
    assert response.status_code == 200
    assert b'data-testid="application-form"' not in response.content
    assert client.post(_window_url(covered_household), {"benefit": "B01"}).status_code == 403


def test_a_clerk_of_another_department_does_not_find_the_household(client, department_clerk, taken, covered_household):
    client.force_login(department_clerk("civil_affairs"))
    assert client.get(_window_url(covered_household)).status_code == 404


def test_a_department_clerk_does_not_find_a_household_without_an_application(client, clerk, covered_household):
    client.force_login(clerk)
    assert client.get(_window_url(covered_household)).status_code == 404


def test_choosing_a_benefit_fills_the_amount_with_the_entitled_amount(client, town, covered_household):
    client.force_login(town)
    son = _son(covered_household)
    page = client.get(_window_url(covered_household), {"year": 2025, "benefit": "B01", "member": son.pk}).content
    assert b'data-testid="application-form"' in page
    assert b'value="3000.00"' in page
    assert "学籍证明".encode() in page


def test_taking_an_application_at_the_window(client, town, covered_household):
    client.force_login(town)
    son = _son(covered_household)
    response = client.post(
        _window_url(covered_household),
        {
            "benefit": "B01",
            "member": son.pk,
            "year": 2025,
            "amount": "3000",
            "documents": ["学籍证明", "身份证"],
            "submitted_on": timezone.localdate().isoformat(),
            "note": "",
        },
    )
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("benefits:application_detail", args=[application.pk])
    assert (application.member, application.department, application.created_by) == (son, "rural_revitalization", town)


def test_a_refused_application_shows_the_reason(client, town, taken, covered_household):
    client.force_login(town)
    response = client.post(
        _window_url(covered_household),
        {
            "benefit": "B01",
            "member": _son(covered_household).pk,
            "year": 2025,
            "amount": "3000",
            "submitted_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400
    assert "不能重复受理" in response.content.decode()
    assert Application.objects.count() == 1


def test_the_household_page_takes_no_get_writes(client, town, covered_household):
    client.force_login(town)
    client.get(_window_url(covered_household), {"benefit": "B01", "amount": "3000", "year": 2025})
    assert not Application.objects.exists()


# --- the queue -----------------------------------------------------------------------------------------------


def test_the_queue_shows_a_clerk_its_departments_waiting_applications(client, clerk, taken):
    client.force_login(clerk)
    page = client.get(reverse("benefits:application_list")).content.decode()
    assert f'data-application="{taken.pk}"' in page


def test_the_queue_hides_the_application_from_another_department(client, department_clerk, taken):
    client.force_login(department_clerk("civil_affairs"))
    page = client.get(reverse("benefits:application_list")).content.decode()
    assert f'data-application="{taken.pk}"' not in page


def test_the_queue_hides_another_areas_applications_from_the_window(client, users_by_role, taken):
    client.force_login(users_by_role[Role.TOWN].outsider)
    page = client.get(reverse("benefits:application_list")).content.decode()
    assert f'data-application="{taken.pk}"' not in page


def test_the_queue_filters_by_stage(client, clerk, taken):
    client.force_login(clerk)
    page = client.get(reverse("benefits:application_list"), {"stage": "approved"}).content.decode()
    assert f'data-application="{taken.pk}"' not in page


def test_the_queue_puts_waiting_applications_first(client, town, clerk, covered_household, taken):
    head = covered_household.members.get(relation="head")
    other = application_submit(
        user=town,
        household=covered_household,
        benefit_code="B01",
        member=head,
        year=2025,
        amount=Decimal("3000"),
        submitted_on=dt.date(2025, 8, 1),
    )
    application_decide(
        user=clerk,
        application_id=other.pk,
        expected_version=1,
        approve=False,
        decided_on=dt.date(2025, 9, 2),
        reason="不符",
    )
    client.force_login(clerk)
    page = client.get(reverse("benefits:application_list")).content.decode()
    assert page.index(f'data-application="{taken.pk}"') < page.index(f'data-application="{other.pk}"')


def test_the_queue_refuses_a_village_user(client, users_by_role):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert client.get(reverse("benefits:application_list")).status_code == 403


# --- one application ---------------------------------------------------------------------------------------


def _detail(application):
    return reverse("benefits:application_detail", args=[application.pk])


def test_the_clerk_approves_then_records_the_payment(client, clerk, taken, covered_household):
    client.force_login(clerk)
    today = timezone.localdate().isoformat()
    response = client.post(
        _detail(taken),
        {"action": "decide", "decide-version": 1, "decide-decision": "approve", "decide-decided_on": today},
    )
    assert response.status_code == 302
    response = client.post(
        _detail(taken), {"action": "pay", "pay-version": 2, "pay-paid_on": today, "pay-amount": "3000"}
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.stage == ApplicationStage.PAID
    year = timezone.localdate().year
    assert Income.objects.get(household=covered_household, year=year).other_transfer == Decimal("3000")
    page = client.get(_detail(taken)).content.decode()
    assert page.count('class="timeline__item"') == 3


def test_a_decision_on_a_stale_page_shows_the_refusal(client, clerk, taken):
    client.force_login(clerk)
    _approved(clerk, taken)
    response = client.post(
        _detail(taken),
        {"action": "decide", "decide-version": 1, "decide-decision": "approve", "decide-decided_on": "2025-09-05"},
    )
    # Approved already: the page no longer offers the decision.
    assert response.status_code == 403


def test_a_stale_version_is_refused_on_the_page(client, clerk, taken):
    client.force_login(clerk)
    response = client.post(
        _detail(taken),
        {"action": "decide", "decide-version": 7, "decide-decision": "approve", "decide-decided_on": "2025-09-05"},
    )
    assert response.status_code == 400
    assert "刷新页面" in response.content.decode()
    assert Application.objects.get().stage == ApplicationStage.SUBMITTED


def test_a_clerk_of_another_department_does_not_find_the_application(client, department_clerk, taken):
    client.force_login(department_clerk("civil_affairs"))
    assert client.get(_detail(taken)).status_code == 404


def test_a_clerk_of_another_county_does_not_find_the_application(client, users_by_role, taken):
    outsider = UserFactory(role=Role.DEPARTMENT, area=users_by_role.county_b, department="rural_revitalization")
    client.force_login(outsider)
    assert client.get(_detail(taken)).status_code == 404


def test_the_window_may_not_decide(client, town, taken):
    client.force_login(town)
    response = client.post(
        _detail(taken),
        {"action": "decide", "decide-version": 1, "decide-decision": "approve", "decide-decided_on": "2025-09-05"},
    )
    assert response.status_code == 403
    assert Application.objects.get().stage == ApplicationStage.SUBMITTED


def test_the_window_withdraws_on_the_page(client, town, taken):
    client.force_login(town)
    page = client.get(_detail(taken)).content.decode()
    assert 'data-testid="step-withdraw"' in page
    assert 'data-testid="step-decide"' not in page
    response = client.post(
        _detail(taken), {"action": "withdraw", "withdraw-version": 1, "withdraw-withdrawn_on": "2025-09-02"}
    )
    assert response.status_code == 302
    assert Application.objects.get().stage == ApplicationStage.WITHDRAWN


def test_the_application_page_refuses_a_village_user(client, users_by_role, taken):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert client.get(_detail(taken)).status_code == 403


def test_a_payment_already_recorded_is_refused_on_the_page(client, clerk, taken, covered_household):
    approved = _approved(clerk, taken)
    PaymentFactory(member=_son(covered_household), paid_on=dt.date(2025, 9, 10))
    client.force_login(clerk)
    response = client.post(
        _detail(approved), {"action": "pay", "pay-version": 2, "pay-paid_on": "2025-09-10", "pay-amount": "3000"}
    )
    assert response.status_code == 400
    assert "不能重复登记" in response.content.decode()
    assert Payment.objects.count() == 1


def test_every_page_asks_anonymous_users_to_log_in(client, taken, covered_household):
    for url in (_window_url(covered_household), reverse("benefits:application_list"), _detail(taken)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response["Location"]


def test_the_nav_shows_the_window_to_the_window_and_the_queue_to_both(client, town, clerk):
    client.force_login(town)
    page = client.get(reverse("benefits:index")).content.decode()
    assert reverse("benefits:window") in page
    assert reverse("benefits:application_list") in page
    client.force_login(clerk)
    page = client.get(reverse("benefits:index")).content.decode()
    assert reverse("benefits:window") not in page
    assert reverse("benefits:application_list") in page
