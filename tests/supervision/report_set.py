"""A small set of findings whose statistics are known, for the report tests (statistics, late lists, ledger).

Found on FOUND (2026-03-02) in county A, seen on AS_OF (2026-06-30); calendar days (7 to assign, 21 to rectify):

- A-001 月度督导/政策落实, town A + 医保: assigned 03-05 (due 03-26), town done 03-20, department 03-25,
  verified 03-28 — rectified in time, 26 days to verify;
- A-002 审计/住房饮水, town A only: never assigned — late at assignment (due 03-09), 113 days on AS_OF;
- A-003 月度督导/政策落实, town A + 医保: assigned 03-05, town done 04-10 (after its due date: late),
  department 03-20, verified 04-15 — rectified late, 44 days to verify;
- A-004 群众信访/资金项目, 医保 only: assigned 03-05, not done — late (due 03-26), 96 days on AS_OF;
- B-001 in county B (another county), found and never assigned: never counted for county A's users.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jingzhun.accounts.models import Role
from jingzhun.core.scope import SYSTEM
from jingzhun.supervision.services import finding_assign, finding_record, finding_verify, part_rectify

from .conftest import photo

FOUND = dt.date(2026, 3, 2)
AS_OF = dt.date(2026, 6, 30)
ASSIGNED = dt.date(2026, 3, 5)
PART_DUE = dt.date(2026, 3, 26)


def day(month: int, date: int) -> dt.date:
    return dt.date(2026, month, date)


def _record(users_by_role: Any, number: str, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "source": "monthly",
        "found_on": FOUND,
        "area_code": users_by_role.village_a.code,
        "category": "policy",
        "description": f"{number} 低保政策未落实到户",
        "town_code": users_by_role.town_a.code,
        "department": "medical_insurance",
        "today": AS_OF,
    }
    values.update(fields)
    return finding_record(user=users_by_role[Role.INSPECTOR].owner, number=number, **values)


def _assign(finding: Any) -> None:
    finding_assign(finding_id=finding.pk, user=SYSTEM, on=ASSIGNED, expected_version=None, today=AS_OF)


def _rectify(finding: Any, kind: str, on: dt.date) -> None:
    part_rectify(
        finding_id=finding.pk,
        kind=kind,
        user=SYSTEM,
        on=on,
        rectification="已入户核实并整改",
        evidence=[photo()],
        expected_version=None,
        today=AS_OF,
    )


def _verify(finding: Any, on: dt.date) -> None:
    finding_verify(finding_id=finding.pk, user=SYSTEM, on=on, expected_version=None, today=AS_OF)


@pytest.fixture
def report_set(users_by_role: Any) -> dict[str, Any]:
    """The findings above, by number."""
    done = _record(users_by_role, "A-001")
    _assign(done)
    _rectify(done, "town", day(3, 20))
    _rectify(done, "department", day(3, 25))
    _verify(done, day(3, 28))

    unassigned = _record(users_by_role, "A-002", source="audit", category="housing_water", department="")

    rectified_late = _record(users_by_role, "A-003")
    _assign(rectified_late)
    _rectify(rectified_late, "town", day(4, 10))
    _rectify(rectified_late, "department", day(3, 20))
    _verify(rectified_late, day(4, 15))

    department_only = _record(users_by_role, "A-004", source="petition", category="funds_projects", town_code="")
    _assign(department_only)

    elsewhere = finding_record(
        user=users_by_role[Role.INSPECTOR].outsider,
        number="B-001",
        source="monthly",
        found_on=FOUND,
        area_code=users_by_role.village_b.code,
        category="policy",
        description="另一县的问题",
        town_code=users_by_role.town_b.code,
        today=AS_OF,
    )
    return {f.number: f for f in (done, unassigned, rectified_late, department_only, elsewhere)}
