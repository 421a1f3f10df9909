from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.accounts.models import Role
from jingzhun.supervision.services import finding_assign, finding_record

FOUND = dt.date(2026, 3, 2)  # a Monday
TODAY = dt.date(2026, 6, 30)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def photo(name: str = "整改照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def inspector(users_by_role) -> Any:
    return users_by_role[Role.INSPECTOR].owner


@pytest.fixture
def town_user(users_by_role) -> Any:
    return users_by_role[Role.TOWN].owner


@pytest.fixture
def clerk(users_by_role) -> Any:
    """A medical-insurance clerk of county A."""
    user = users_by_role[Role.DEPARTMENT].owner
    user.department = "medical_insurance"
    user.save(update_fields=["department"])
    return user


def record(users_by_role, *, user: Any = None, **fields: Any):
    values: dict[str, Any] = {
        "source": "monthly",
        "found_on": FOUND,
        "area_code": users_by_role.village_a.code,
        "category": "policy",
        "description": "低保政策未落实到户",
        "town_code": users_by_role.town_a.code,
        "department": "medical_insurance",
        "today": TODAY,
    }
    values.update(fields)
    return finding_record(user=user or users_by_role[Role.INSPECTOR].owner, **values)


@pytest.fixture
def finding(users_by_role):
    """Found on FOUND in village A, for town A and the medical-insurance department; not yet assigned."""
    return record(users_by_role)


@pytest.fixture
def assigned(users_by_role, finding, inspector):
    """``finding`` assigned on FOUND + 3 days: both parts due 21 days later."""
    return finding_assign(
        finding_id=finding.pk, user=inspector, on=FOUND + dt.timedelta(days=3), expected_version=1, today=TODAY
    )
