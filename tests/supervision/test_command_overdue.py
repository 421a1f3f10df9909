"""`jingzhun findings overdue --as-of DATE [--out FILE.csv]` (docs/LEDGER.md §6): the late parts on DATE under the
"1+3" deadlines of docs/RULES.md §11, one CSV row each, ordered by finding number then part."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.core.scope import SYSTEM
from jingzhun.supervision import services
from jingzhun.supervision.models import Finding
from jingzhun.supervision.services import finding_assign, finding_verify, part_rectify

from .conftest import FOUND, TODAY, photo, record

pytestmark = pytest.mark.django_db

HEADER = ["finding_no", "part", "due", "days_late", "escalated_to"]
ASSIGNED = FOUND + dt.timedelta(days=3)  # parts due 21 days later
PART_DUE = ASSIGNED + dt.timedelta(days=21)


def overdue(as_of: dt.date | str, *extra: str) -> list[list[str]]:
    out = io.StringIO()
    call_command("findings", "overdue", "--as-of", str(as_of), *extra, stdout=out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def listed(as_of: dt.date) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in overdue(as_of)[1:]]


def assign(finding: Finding, user: Any, on: dt.date = ASSIGNED) -> Finding:
    return finding_assign(finding_id=finding.pk, user=user, on=on, expected_version=finding.version, today=TODAY)


def rectify(finding: Finding, kind: str, user: Any, on: dt.date) -> Finding:
    return part_rectify(
        finding_id=finding.pk,
        kind=kind,
        user=user,
        on=on,
        rectification="已整改",
        evidence=[photo()],
        expected_version=Finding.objects.get(pk=finding.pk).version,
        today=TODAY,
    )


def test_the_list_has_the_header_and_one_row_per_late_part(users_by_role, inspector):
    assign(record(users_by_role, number="JY-2"), inspector)
    record(users_by_role, number="JY-1")
    rows = overdue(PART_DUE + dt.timedelta(days=2))
    assert rows == [
        HEADER,
        ["JY-1", "assign", f"{FOUND + dt.timedelta(days=7):%Y-%m-%d}", "19", "市级"],
        ["JY-2", "town", f"{PART_DUE:%Y-%m-%d}", "2", "县级"],
        ["JY-2", "department", f"{PART_DUE:%Y-%m-%d}", "2", "县级"],
    ]


def test_rows_are_ordered_by_finding_number_then_part(users_by_role, inspector):
    for number in ("JY-10", "JY-02", "A-1"):
        assign(record(users_by_role, number=number), inspector)
    record(users_by_role, number="JY-05")
    assert listed(PART_DUE + dt.timedelta(days=1)) == [
        ("A-1", "town"),
        ("A-1", "department"),
        ("JY-02", "town"),
        ("JY-02", "department"),
        ("JY-05", "assign"),
        ("JY-10", "town"),
        ("JY-10", "department"),
    ]


def test_an_empty_list_is_the_header_alone(users_by_role):
    assert overdue(TODAY) == [HEADER]


def test_the_seventh_day_unassigned_is_not_late_and_the_eighth_is_one_day_late(users_by_role):
    record(users_by_role, number="JY-1")
    assert overdue(FOUND + dt.timedelta(days=7)) == [HEADER]
    assert overdue(FOUND + dt.timedelta(days=8))[1][3:] == ["1", "市级"]


def test_a_part_done_on_its_due_date_is_not_late(users_by_role, inspector, town_user):
    finding = assign(record(users_by_role, number="JY-1", department=""), inspector)
    rectify(finding, "town", town_user, PART_DUE)
    assert listed(PART_DUE + dt.timedelta(days=5)) == []


def test_a_part_open_the_day_after_its_due_date_is_one_day_late(users_by_role, inspector):
    assign(record(users_by_role, number="JY-1", department=""), inspector)
    assert overdue(PART_DUE) == [HEADER]
    assert overdue(PART_DUE + dt.timedelta(days=1))[1] == ["JY-1", "town", f"{PART_DUE:%Y-%m-%d}", "1", "县级"]


def test_a_part_done_late_but_before_the_date_is_no_longer_listed(users_by_role, inspector, town_user):
    finding = assign(record(users_by_role, number="JY-1", department=""), inspector)
    rectify(finding, "town", town_user, PART_DUE + dt.timedelta(days=3))
    assert listed(PART_DUE + dt.timedelta(days=2)) == [("JY-1", "town")]
    assert listed(PART_DUE + dt.timedelta(days=3)) == []


def test_an_assignment_made_after_the_date_had_not_happened_on_it(users_by_role, inspector):
    late_assign = FOUND + dt.timedelta(days=10)
    assign(record(users_by_role, number="JY-1"), inspector, on=late_assign)
    assert listed(FOUND + dt.timedelta(days=9)) == [("JY-1", "assign")]
    assert listed(late_assign) == []


def test_a_rectification_and_verification_after_the_date_had_not_happened_on_it(users_by_role, inspector, town_user):
    finding = assign(record(users_by_role, number="JY-1", department=""), inspector)
    done = PART_DUE + dt.timedelta(days=4)
    rectify(finding, "town", town_user, done)
    finding_verify(finding_id=finding.pk, user=inspector, on=done, expected_version=None, today=TODAY)
    assert listed(PART_DUE + dt.timedelta(days=1)) == [("JY-1", "town")]


def test_a_finding_found_after_the_date_is_not_listed(users_by_role):
    record(users_by_role, number="JY-1")
    assert overdue(FOUND - dt.timedelta(days=1)) == [HEADER]


def test_working_days_skip_the_national_day_holiday(users_by_role, monkeypatch):
    rules = services.supervision_rules()
    monkeypatch.setattr(services, "supervision_rules", lambda: dataclasses.replace(rules, working_days=True))
    found = dt.date(2026, 9, 28)  # a Monday; 1–7 October 2026 are the National Day holiday
    record(users_by_role, number="JY-1", found_on=found, today=dt.date(2026, 11, 30))
    due = dt.date(2026, 10, 13)  # 29, 30 Sep, 8, 9, 10 (a Saturday worked), 12, 13 Oct
    assert Finding.objects.get().assign_due == due
    assert overdue(due) == [HEADER]
    assert overdue(due + dt.timedelta(days=1))[1] == ["JY-1", "assign", "2026-10-13", "1", "市级"]


def test_imported_findings_get_working_day_deadlines_too(users_by_role, monkeypatch, tmp_path):
    from .finding_files import finding_row, write_csv

    rules = services.supervision_rules()
    monkeypatch.setattr(services, "supervision_rules", lambda: dataclasses.replace(rules, working_days=True))
    cells = finding_row(
        "JY-1", users_by_role.village_a.code, users_by_role.town_a.code, 发现日期="2026-09-28", 交办日期="2026-09-30"
    )
    services.findings_import(path=write_csv(tmp_path / "问题.csv", [cells]), today=dt.date(2026, 11, 30), user=SYSTEM)
    finding = Finding.objects.get()
    assert finding.assign_due == dt.date(2026, 10, 13)
    # 21 working days from 30 September: 8–10, 12–16, 19–23, 26–30 October, 2–4 November.
    assert set(finding.parts.values_list("due", flat=True)) == {dt.date(2026, 11, 4)}


def test_out_writes_the_csv_in_utf8_without_a_bom(users_by_role, tmp_path):
    record(users_by_role, number="督-1")
    target = tmp_path / "overdue.csv"
    call_command("findings", "overdue", "--as-of", "2026-03-20", "--out", str(target), stdout=io.StringIO())
    data = target.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8").splitlines() == [",".join(HEADER), "督-1,assign,2026-03-09,11,市级"]


@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday", "2026/03/01"])
def test_a_bad_date_is_refused_in_chinese_with_exit_code_2(bad):
    with pytest.raises(CommandError, match=f"日期「{bad}」无效，应为 YYYY-MM-DD") as refused:
        overdue(bad)
    assert refused.value.returncode == 2


def test_an_out_file_that_is_not_csv_is_refused(users_by_role, tmp_path):
    with pytest.raises(CommandError, match=r"只能写成 \.csv 文件") as refused:
        overdue("2026-03-20", "--out", str(tmp_path / "overdue.xlsx"))
    assert refused.value.returncode == 2
