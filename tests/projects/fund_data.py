"""Fixtures of the fund tests: a county fund, an allocation to village A's project, a PDF and an HTML upload."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.projects.models import Allocation, Payment
from tests.factories import FundFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = dt.date(2025, 12, 31)


def pdf(name: str = "凭证.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def html_as_pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("凭证.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")


def allocate(fund, project, amount: str, on: dt.date = dt.date(2025, 4, 1)) -> Allocation:
    """An allocation written directly (not through the service): test data."""
    return Allocation.objects.create(fund=fund, project=project, amount=Decimal(amount), allocated_on=on)


_voucher = iter(range(1, 10**9))


def pay(allocation: Allocation, amount: str, on: dt.date = dt.date(2025, 5, 1)) -> Payment:
    """A payment written directly (not through the service): test data."""
    return Payment.objects.create(
        allocation=allocation,
        project_id=allocation.project_id,
        fund_id=allocation.fund_id,
        amount=Decimal(amount),
        paid_on=on,
        voucher_no=f"T-{next(_voucher)}",
    )


@pytest.fixture
def fund(users_by_role):
    """A 2025 central fund of 1,000,000 yuan of county A, issued 2025-03-01."""
    return FundFactory(area=users_by_role.county_a)


@pytest.fixture
def allocation(fund, project):
    """300,000 yuan of the fund allocated to village A's project."""
    return allocate(fund, project, "300000.00")
