# ruff: noqa: F811  (the fixtures imported from fund_data are used as arguments)
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.projects.models import Allocation, Fund, Payment, PaymentAttachment, ProjectLevel
from tests.exports import export_content
from tests.factories import FundFactory, ProjectFactory

from .fund_data import allocate, allocation, fund, pay, pdf  # noqa: F401

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate().isoformat()


def _login(client, users_by_role, role, who="owner"):
    user = getattr(users_by_role[role], who)
    client.force_login(user)
    return user


def test_the_progress_page_shows_the_county_by_source_and_town(client, users_by_role, allocation):
    pay(allocation, "75000.00")
    _login(client, users_by_role, Role.COUNTY)
    body = client.get("/projects/funds/?year=2025").content.decode()
    assert "300,000.00" in body and "75,000.00" in body
    assert "25.0%" in body
    assert allocation.fund.document_no in body


def test_a_village_user_sees_the_progress_page_without_the_fund_form(client, users_by_role, allocation):
    _login(client, users_by_role, Role.VILLAGE)
    response = client.get("/projects/funds/")
    assert response.status_code == 200
    assert 'data-testid="fund-new"' not in response.content.decode()
    assert client.get("/projects/funds/new/").status_code == 403


def test_the_county_records_a_fund_from_the_page(client, users_by_role):
    _login(client, users_by_role, Role.COUNTY)
    response = client.post(
        "/projects/funds/new/",
        {
            "source": "central",
            "year": 2025,
            "document_no": "财农〔2025〕9号",
            "title": "衔接资金",
            "amount": "500000",
            "issued_on": "2024-12-20",
        },
    )
    made = Fund.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/projects/funds/{made.pk}/"
    assert made.area == users_by_role.county_a


def test_an_allocation_past_the_fund_is_refused_on_the_page(client, users_by_role, fund, project):
    _login(client, users_by_role, Role.COUNTY)
    response = client.post(
        f"/projects/funds/{fund.pk}/",
        {"project": project.code, "amount": "1000000.01", "allocated_on": "2025-04-01"},
    )
    assert response.status_code == 400
    assert "超过资金" in response.content.decode()
    assert not Allocation.objects.exists()


def test_the_fund_page_allocates_to_a_project(client, users_by_role, fund, project):
    _login(client, users_by_role, Role.COUNTY)
    response = client.post(
        f"/projects/funds/{fund.pk}/",
        {"project": project.code, "amount": "1000", "allocated_on": "2025-04-01"},
    )
    assert response.status_code == 302
    assert Allocation.objects.get().amount == Decimal("1000.00")


def test_another_countys_fund_is_not_found(client, users_by_role, fund):
    _login(client, users_by_role, Role.COUNTY, "outsider")
    assert client.get(f"/projects/funds/{fund.pk}/").status_code == 404


def test_a_town_pays_from_the_project_page_with_a_voucher(client, users_by_role, allocation, project):
    _login(client, users_by_role, Role.TOWN)
    response = client.post(
        f"/projects/funds/project/{project.code}/",
        {"allocation": allocation.pk, "amount": "1200.50", "paid_on": TODAY, "voucher_no": "PZ-1", "vouchers": [pdf()]},
    )
    assert response.status_code == 302
    assert PaymentAttachment.objects.get().payment == Payment.objects.get(voucher_no="PZ-1")


def test_a_payment_past_the_allocation_is_refused_on_the_page(client, users_by_role, allocation, project):
    _login(client, users_by_role, Role.COUNTY)
    response = client.post(
        f"/projects/funds/project/{project.code}/",
        {"allocation": allocation.pk, "amount": "300000.01", "paid_on": TODAY, "voucher_no": "PZ-2"},
    )
    assert response.status_code == 400
    assert "超过该项分配额 300,000.00 元" in response.content.decode()


def test_a_village_user_sees_the_payments_but_cannot_pay(client, users_by_role, allocation, project):
    _login(client, users_by_role, Role.VILLAGE)
    response = client.get(f"/projects/funds/project/{project.code}/")
    assert response.status_code == 200
    assert 'data-testid="payment-form"' not in response.content.decode()
    assert client.post(f"/projects/funds/project/{project.code}/", {}).status_code == 403


def test_a_voucher_download_is_logged(client, users_by_role, allocation, project):
    _login(client, users_by_role, Role.TOWN)
    client.post(
        f"/projects/funds/project/{project.code}/",
        {"allocation": allocation.pk, "amount": "1", "paid_on": TODAY, "voucher_no": "PZ-3", "vouchers": [pdf()]},
    )
    attachment = PaymentAttachment.objects.get()
    user = _login(client, users_by_role, Role.VILLAGE)
    response = client.get(f"/projects/funds/attachments/{attachment.pk}/")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    log = AccessLog.objects.get(target=f"payment-attachment:{attachment.pk}")
    assert (log.user, log.action) == (user, AccessLog.Action.EXPORT)


def test_a_voucher_of_another_area_is_not_found(client, users_by_role, allocation, project):
    _login(client, users_by_role, Role.TOWN)
    client.post(
        f"/projects/funds/project/{project.code}/",
        {"allocation": allocation.pk, "amount": "1", "paid_on": TODAY, "voucher_no": "PZ-4", "vouchers": [pdf()]},
    )
    _login(client, users_by_role, Role.TOWN, "outsider")
    assert client.get(f"/projects/funds/attachments/{PaymentAttachment.objects.get().pk}/").status_code == 404
    assert not AccessLog.objects.filter(target__startswith="payment-attachment").exists()


def test_the_early_page_shows_the_share_issued_early(client, users_by_role):
    FundFactory(area=users_by_role.county_a, source="province", amount=Decimal("800"), issued_on="2024-12-01")
    FundFactory(area=users_by_role.county_a, source="central", amount=Decimal("200"))
    _login(client, users_by_role, Role.TOWN)
    body = client.get("/projects/funds/early/?year=2025").content.decode()
    assert "80.0%" in body


def test_the_fund_ledger_has_a_subtotal_per_source_and_a_total(client, users_by_role, allocation, project):
    pay(allocation, "100000.00")
    province = FundFactory(area=users_by_role.county_a, source="province")
    county_project = ProjectFactory(area=users_by_role.county_a, level=ProjectLevel.COUNTY)
    allocate(province, county_project, "50000.00")
    user = _login(client, users_by_role, Role.COUNTY)
    sheet = load_workbook(io.BytesIO(export_content(client, "/projects/funds/ledger/?year=2025")))["资金台账"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:K1"]
    assert "单位：元" in rows[1]
    labels = [r[0] for r in rows[3:]]
    assert labels == [1, "中央小计", 2, "省级小计", "合计"]
    assert rows[-1][7:10] == [350000, 100000, 250000]
    assert AccessLog.objects.filter(
        user=user, action=AccessLog.Action.EXPORT, target__startswith="fund-ledger"
    ).exists()
