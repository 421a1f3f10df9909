# ruff: noqa: F811  (the fixtures imported from fund_data are used as arguments)
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.projects.fund_services import FundRefused, allocation_create, fund_create, payment_create
from jingzhun.projects.models import Allocation, Fund, Payment, PaymentAttachment, Stage
from tests.factories import ProjectFactory

from .fund_data import TODAY, allocate, allocation, fund, html_as_pdf, pay, pdf  # noqa: F401

pytestmark = pytest.mark.django_db


def _files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _pay(user, allocation, amount="1000.00", voucher="PZ-001", **kwargs):
    return payment_create(
        user=user,
        allocation=allocation,
        amount=amount,
        paid_on=kwargs.pop("paid_on", dt.date(2025, 6, 1)),
        voucher_no=voucher,
        today=TODAY,
        **kwargs,
    )


# --- funds ------------------------------------------------------------------------------------------------------


def test_the_county_records_a_fund_issued_early(users_by_role):
    county = users_by_role[Role.COUNTY].owner
    made = fund_create(
        user=county,
        source="province",
        year=2025,
        document_no="鲁财农〔2024〕88号",
        title="省级衔接资金",
        amount="2,000,000",
        issued_on=dt.date(2024, 11, 20),
        area=users_by_role.county_a,
        today=TODAY,
    )
    assert (made.amount, made.issued_on < dt.date(made.year, 1, 1)) == (Decimal("2000000.00"), True)


def test_a_fund_document_is_recorded_once(users_by_role, fund):
    county = users_by_role[Role.COUNTY].owner
    with pytest.raises(FundRefused, match="已登记"):
        fund_create(
            user=county,
            source=fund.source,
            year=2025,
            document_no=fund.document_no,
            title="x",
            amount="1",
            issued_on=dt.date(2025, 1, 5),
            area=users_by_role.county_a,
            today=TODAY,
        )


def test_a_county_records_no_fund_for_another_county(users_by_role):
    with pytest.raises(PermissionDenied):
        fund_create(
            user=users_by_role[Role.COUNTY].outsider,
            source="central",
            year=2025,
            document_no="X1",
            title="x",
            amount="1",
            issued_on=dt.date(2025, 1, 5),
            area=users_by_role.county_a,
            today=TODAY,
        )


# --- allocations ------------------------------------------------------------------------------------------------


def test_an_allocation_within_the_fund_is_recorded(users_by_role, fund, project):
    made = allocation_create(
        user=users_by_role[Role.COUNTY].owner,
        fund=fund,
        project=project,
        amount="1000000.00",
        allocated_on=dt.date(2025, 4, 1),
        today=TODAY,
    )
    assert made.amount == fund.amount


def test_an_allocation_past_the_fund_is_refused_with_the_figures(users_by_role, fund, project):
    allocate(fund, project, "900000.00")
    with pytest.raises(FundRefused) as refused:
        allocation_create(
            user=users_by_role[Role.COUNTY].owner,
            fund=fund,
            project=project,
            amount="100000.01",
            allocated_on=dt.date(2025, 4, 1),
            today=TODAY,
        )
    assert "本次分配 100,000.01 元后累计分配 1,000,000.01 元" in str(refused.value)
    assert "已分配 900,000.00 元" in str(refused.value)
    assert Allocation.objects.count() == 1


@pytest.mark.parametrize(("stage", "reason"), [(Stage.DECLARED, "立项后"), (Stage.TERMINATED, "已终止")])
def test_a_project_not_approved_or_terminated_gets_no_allocation(users_by_role, fund, stage, reason):
    project = ProjectFactory(area=users_by_role.village_a, stage=stage)
    with pytest.raises(FundRefused, match=reason):
        allocation_create(
            user=users_by_role[Role.COUNTY].owner,
            fund=fund,
            project=project,
            amount="1",
            allocated_on=dt.date(2025, 4, 1),
            today=TODAY,
        )


@pytest.mark.parametrize("who", ["town_owner", "county_outsider"])
def test_only_the_county_of_the_project_allocates(users_by_role, fund, project, who):
    role, kind = who.split("_")
    with pytest.raises(PermissionDenied):
        allocation_create(
            user=getattr(users_by_role[role], kind),
            fund=fund,
            project=project,
            amount="1",
            allocated_on=dt.date(2025, 4, 1),
            today=TODAY,
        )
    assert not Allocation.objects.exists()


# --- payments ---------------------------------------------------------------------------------------------------


def test_a_town_records_a_payment_with_its_voucher_scan(users_by_role, allocation):
    made = _pay(users_by_role[Role.TOWN].owner, allocation, attachments=[pdf()])
    attachment = PaymentAttachment.objects.get(payment=made)
    assert (made.project_id, made.fund_id) == (allocation.project_id, allocation.fund_id)
    assert len(attachment.sha256) == 64
    with attachment.file.open("rb") as stored:
        assert stored.read().startswith(b"%PDF-")


def test_a_payment_past_the_allocation_is_refused_and_keeps_nothing(users_by_role, allocation):
    pay(allocation, "299000.00")
    with pytest.raises(FundRefused) as refused:
        _pay(users_by_role[Role.COUNTY].owner, allocation, amount="1000.01", attachments=[pdf()])
    assert str(refused.value) == (
        "本次支付 1,000.01 元后累计支付 300,000.01 元，超过该项分配额 300,000.00 元（已支付 299,000.00 元）。"
    )
    assert Payment.objects.count() == 1
    assert not PaymentAttachment.objects.exists()
    assert _files() == []


def test_a_payment_up_to_the_allocation_is_accepted(users_by_role, allocation):
    pay(allocation, "299000.00")
    _pay(users_by_role[Role.COUNTY].owner, allocation, amount="1000.00")
    assert Payment.objects.count() == 2


def test_a_voucher_number_is_used_once(users_by_role, allocation):
    county = users_by_role[Role.COUNTY].owner
    _pay(county, allocation, voucher="PZ-7")
    with pytest.raises(FundRefused, match="凭证号「PZ-7」已登记"):
        _pay(county, allocation, voucher=" PZ-7 ", attachments=[pdf()])
    assert Payment.objects.count() == 1
    assert _files() == []


def test_an_attachment_is_told_from_its_bytes(users_by_role, allocation):
    with pytest.raises(FundRefused, match=r"附件「凭证\.pdf」"):
        _pay(users_by_role[Role.COUNTY].owner, allocation, attachments=[html_as_pdf()])
    assert not Payment.objects.exists()


def test_a_payment_date_outside_the_record_window_is_refused(users_by_role, allocation):
    with pytest.raises(FundRefused, match="不能晚于今天"):
        _pay(users_by_role[Role.COUNTY].owner, allocation, paid_on=TODAY + dt.timedelta(days=1))


def test_a_payment_before_its_allocation_is_refused(users_by_role, allocation):
    with pytest.raises(FundRefused, match="早于资金分配日期"):
        _pay(users_by_role[Role.COUNTY].owner, allocation, paid_on=dt.date(2025, 3, 31))


@pytest.mark.parametrize("who", ["village_owner", "town_outsider", "county_outsider", "inspector_owner"])
def test_only_the_offices_of_the_projects_area_record_payments(users_by_role, allocation, who):
    role, kind = who.split("_")
    with pytest.raises(PermissionDenied):
        _pay(getattr(users_by_role[role], kind), allocation)
    assert not Payment.objects.exists()


def test_a_fund_stays_with_its_refused_allocation_unchanged(users_by_role, fund, project):
    """The fund row itself is never touched by an allocation (only locked)."""
    before = Fund.objects.values().get(pk=fund.pk)
    with pytest.raises(FundRefused):
        allocation_create(
            user=users_by_role[Role.COUNTY].owner,
            fund=fund,
            project=project,
            amount="1000000.01",
            allocated_on=dt.date(2025, 4, 1),
            today=TODAY,
        )
    assert Fund.objects.values().get(pk=fund.pk) == before
