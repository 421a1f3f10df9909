"""The payment pages: the list (scoped, a department clerk's own benefits, filters, totals, IDs masked unless
allowed), a payment entered at the window, the office Excel table, the upload of a payments file."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.benefits.models import Payment, PaymentSource
from jingzhun.core.idnumber import mask
from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import upload_job_for_user
from jingzhun.registry.models import Income
from tests.exports import export_content
from tests.factories import HouseholdFactory, MemberFactory, PaymentFactory

from .payment_files import payment_row, write

pytestmark = pytest.mark.django_db

LIST, NEW, EXPORT, IMPORT = (
    reverse("benefits:payment_list"),
    reverse("benefits:payment_new"),
    reverse("benefits:payment_export"),
    reverse("benefits:payment_import_new"),
)


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _son(household):
    return household.members.get(relation="son")


@pytest.fixture
def paid(covered_household):
    """A 雨露计划 payment (B01, 3000) to the son and a 低保 payment (B06, 1200.50) to the household, both of 2025."""
    b01 = PaymentFactory(member=_son(covered_household))
    b06 = PaymentFactory(
        benefit="B06",
        benefit_name="农村低保",
        member=None,
        household=covered_household,
        amount=Decimal("1200.50"),
        paid_on=dt.date(2025, 4, 1),
        department="民政局",
    )
    return b01, b06


def _shown(client, url=LIST, **query):
    response = client.get(url, query)
    assert response.status_code == 200
    return response.content.decode()


# --- the list ----------------------------------------------------------------------------------------------------


def test_the_owner_sees_the_payments_with_their_totals(client, users_by_role, paid):
    client.force_login(users_by_role[Role.COUNTY].owner)
    page = _shown(client)
    assert f'data-payment="{paid[0].pk}"' in page and f'data-payment="{paid[1].pk}"' in page
    assert 'data-testid="payment-count">2<' in page
    assert 'data-testid="payment-total">0.42<' in page  # 4,200.50 yuan in 万元


def test_an_outsider_sees_none_of_them(client, users_by_role, paid):
    client.force_login(users_by_role[Role.COUNTY].outsider)
    page = _shown(client)
    assert "data-payment=" not in page and 'data-testid="payment-count">0<' in page


def test_a_helper_may_not_see_the_list(client, users_by_role):
    client.force_login(users_by_role[Role.HELPER].owner)
    assert client.get(LIST).status_code == 403


def test_a_department_clerk_sees_only_its_departments_payments(client, paid, department_clerk):
    client.force_login(department_clerk("civil_affairs"))
    page = _shown(client)
    assert f'data-payment="{paid[1].pk}"' in page and f'data-payment="{paid[0].pk}"' not in page


def test_id_numbers_are_masked_unless_the_user_may_see_them(client, users_by_role, paid):
    number = paid[0].member.id_number
    owner = users_by_role[Role.COUNTY].owner
    client.force_login(owner)
    page = _shown(client)
    assert mask(number) in page and number not in page
    owner.may_see_id_numbers = True
    owner.save()
    assert number in _shown(client)
    assert AccessLog.objects.filter(user=owner, action=AccessLog.Action.UNMASK, target="benefit-payments").exists()


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"benefit": "B06"}, (False, True)),
        ({"department": "rural_revitalization"}, (True, False)),
        ({"year": "2025"}, (True, True)),
        ({"source": "import"}, (False, False)),
        ({"household_no": "nobody"}, (False, False)),
    ],
)
def test_the_filters_narrow_the_list(client, users_by_role, paid, query, shown):
    client.force_login(users_by_role[Role.COUNTY].owner)
    page = _shown(client, **query)
    assert tuple(f'data-payment="{p.pk}"' in page for p in paid) == shown


def test_the_village_filter_leaves_other_villages_out(client, users_by_role, paid):
    other = MemberFactory(household=HouseholdFactory(village=users_by_role.village_a))
    village = HouseholdFactory(village__parent=users_by_role.town_a).village
    elsewhere = PaymentFactory(member=MemberFactory(household=HouseholdFactory(village=village)))
    PaymentFactory(member=other)
    client.force_login(users_by_role[Role.COUNTY].owner)
    page = _shown(client, village=village.code)
    assert f'data-payment="{elsewhere.pk}"' in page and f'data-payment="{paid[0].pk}"' not in page


def test_the_list_pages(client, users_by_role, covered_household):
    son = _son(covered_household)
    for day in range(1, 53):
        PaymentFactory(member=son, paid_on=dt.date(2025, 1, 1) + dt.timedelta(days=day))
    client.force_login(users_by_role[Role.COUNTY].owner)
    page = _shown(client)
    assert page.count("data-payment=") == 50 and 'rel="next"' in page
    assert 'data-testid="payment-count">52<' in page


# --- entering a payment ---------------------------------------------------------------------------------------


def test_a_county_clerk_enters_a_member_payment_and_the_income_grows(client, users_by_role, covered_household):
    client.force_login(users_by_role[Role.COUNTY].owner)
    page = _shown(client, NEW, household=covered_household.household_no)
    assert 'data-testid="payment-form"' in page
    before = Income.objects.get(household=covered_household, year=2025).other_transfer
    son = _son(covered_household)
    response = client.post(
        NEW,
        {
            "household_no": covered_household.household_no,
            "benefit": "B01",
            "member": son.pk,
            "amount": "3000",
            "paid_on": "2025-09-10",
            "department": "",
        },
    )
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert (payment.member, payment.source, payment.department) == (son, PaymentSource.WINDOW, "乡村振兴局")
    assert Income.objects.get(household=covered_household, year=2025).other_transfer == before + 3000


def test_the_same_payment_entered_twice_is_refused(client, users_by_role, covered_household):
    client.force_login(users_by_role[Role.COUNTY].owner)
    data = {
        "household_no": covered_household.household_no,
        "benefit": "B06",
        "member": "",
        "amount": "500",
        "paid_on": "2025-03-01",
    }
    assert client.post(NEW, data).status_code == 302
    response = client.post(NEW, data)
    assert response.status_code == 400 and "不能重复登记" in response.content.decode()
    assert Payment.objects.count() == 1


def test_a_member_benefit_without_a_member_is_refused_with_the_reason(client, users_by_role, covered_household):
    client.force_login(users_by_role[Role.COUNTY].owner)
    data = {"household_no": covered_household.household_no, "benefit": "B01", "amount": "3000", "paid_on": "2025-09-10"}
    response = client.post(NEW, data)
    assert response.status_code == 400 and "按成员发放" in response.content.decode()
    assert not Payment.objects.exists()


def test_another_areas_household_is_not_found(client, users_by_role):
    other = HouseholdFactory(village=users_by_role.village_b)
    client.force_login(users_by_role[Role.COUNTY].owner)
    assert client.get(NEW, {"household": other.household_no}).status_code == 404
    data = {"household_no": other.household_no, "benefit": "B06", "amount": "500", "paid_on": "2025-03-01"}
    assert client.post(NEW, data).status_code == 404
    assert not Payment.objects.exists()


@pytest.mark.parametrize("role", [Role.VILLAGE, Role.TOWN, Role.INSPECTOR])
def test_a_role_that_does_not_record_payments_cannot_enter_one(client, users_by_role, covered_household, role):
    client.force_login(users_by_role[role].owner)
    assert client.get(NEW).status_code == 403
    data = {"household_no": covered_household.household_no, "benefit": "B06", "amount": "500", "paid_on": "2025-03-01"}
    assert client.post(NEW, data).status_code == 403
    assert not Payment.objects.exists()
    assert 'data-testid="payment-new"' not in _shown(client)


def test_a_department_clerk_is_offered_only_its_departments_benefits(client, covered_household, department_clerk):
    client.force_login(department_clerk("civil_affairs"))
    page = _shown(client, NEW, household=covered_household.household_no)
    assert 'value="B06"' in page and 'value="B01"' not in page
    son = _son(covered_household)
    data = {
        "household_no": covered_household.household_no,
        "benefit": "B01",
        "member": son.pk,
        "amount": "3000",
        "paid_on": "2025-09-10",
    }
    assert client.post(NEW, data).status_code == 400
    assert not Payment.objects.exists()


def test_a_member_of_another_household_cannot_be_chosen(client, users_by_role, covered_household):
    stranger = MemberFactory(household=HouseholdFactory(village=users_by_role.village_a))
    client.force_login(users_by_role[Role.COUNTY].owner)
    data = {
        "household_no": covered_household.household_no,
        "benefit": "B01",
        "member": stranger.pk,
        "amount": "3000",
        "paid_on": "2025-09-10",
    }
    assert client.post(NEW, data).status_code == 400
    assert not Payment.objects.exists()


# --- the Excel table ------------------------------------------------------------------------------------------


def test_the_export_opens_with_subtotals_by_benefit_and_the_total_and_is_logged(client, users_by_role, paid):
    owner = users_by_role[Role.COUNTY].owner
    PaymentFactory(member=_son(paid[0].household), paid_on=dt.date(2025, 10, 1), amount=Decimal("1500.25"))
    client.force_login(owner)
    sheet = load_workbook(io.BytesIO(export_content(client, f"{EXPORT}?year=2025"))).active
    rows = [r for r in sheet.iter_rows(values_only=True)]
    assert "2025年度政策兑现发放明细表" in rows[0][0]
    assert rows[1][3] == "单位：元" and rows[2][0] == "序号"
    subtotals = {r[1]: (r[2], r[7]) for r in rows if r[0] and str(r[0]).endswith("小计")}
    assert subtotals == {"B01": ("2 笔", 4500.25), "B06": ("1 笔", 1200.5)}
    assert rows[-1][0] == "合计" and rows[-1][7] == pytest.approx(5700.75)
    assert mask(paid[0].member.id_number) in [r[6] for r in rows]
    assert AccessLog.objects.filter(
        user=owner, action=AccessLog.Action.EXPORT, target__startswith="benefit-payments"
    ).exists()


def test_the_export_of_a_department_clerk_holds_only_its_benefits(client, paid, department_clerk):
    client.force_login(department_clerk("civil_affairs"))
    sheet = load_workbook(io.BytesIO(export_content(client, EXPORT))).active
    codes = {r[1] for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert "B01" not in codes and "B06" in codes


# --- the upload -----------------------------------------------------------------------------------------------


def test_an_upload_imports_the_valid_rows_and_offers_the_report(
    client, users_by_role, covered_household, tmp_path, django_capture_on_commit_callbacks
):
    owner = users_by_role[Role.COUNTY].owner
    client.force_login(owner)
    assert 'data-testid="payments-import-form"' in _shown(client, IMPORT)
    path = write(tmp_path / "发放.xlsx", [payment_row("B06", covered_household), payment_row("B99", covered_household)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(IMPORT, {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    assert response.status_code == 302
    job_id = uuid.UUID(response.url.rstrip("/").split("/")[-1])
    job = upload_job_for_user(user=owner, kind="benefit_payments", job_id=job_id)
    assert job.status == UploadJob.Status.DONE
    assert (job.summary["created"], job.summary["rejected"]) == (1, 1)
    assert Payment.objects.get().source == PaymentSource.IMPORT
    page = _shown(client, response.url)
    assert 'data-testid="import-report"' in page
    report = client.get(reverse("benefits:payment_import_report", args=[job.pk]))
    assert b"".join(report.streaming_content).startswith(b"PK")
    assert AccessLog.objects.filter(user=owner, target__startswith="政策发放导入错误报告").exists()


def test_another_users_upload_is_not_found(
    client, users_by_role, covered_household, tmp_path, django_capture_on_commit_callbacks
):
    owner = users_by_role[Role.COUNTY].owner
    client.force_login(owner)
    path = write(tmp_path / "发放.csv", [payment_row("B06", covered_household)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(IMPORT, {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    client.force_login(users_by_role[Role.COUNTY].colleague)
    assert client.get(response.url).status_code == 404


@pytest.mark.parametrize("role", [Role.VILLAGE, Role.TOWN])
def test_a_role_that_does_not_record_payments_may_not_upload(client, users_by_role, role):
    client.force_login(users_by_role[role].owner)
    assert client.get(IMPORT).status_code == 403
