"""Run-to-run transitions (托底清零): from-status × to-status with the households behind each cell."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from jingzhun.policy.selectors import transitions_for_scope
from jingzhun.policy.services import assessment_run
from jingzhun.registry.models import Household, Member
from jingzhun.registry.vocab import MemberStatus, PovertyStatus
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory
from tests.spreadsheets.printed import BOM

pytestmark = pytest.mark.django_db


def _household(status: str) -> Household:
    household = HouseholdFactory(poverty_status=status)
    MemberFactory(household=household)
    IncomeFactory(household=household, year=2020)
    return household


def test_unchanged_statuses_stay_on_the_diagonal():
    _household(PovertyStatus.EXITED)
    run = assessment_run(year=2020)
    result = transitions_for_scope(from_run=run, to_run=None)
    assert result.counts == [{"from_status": "exited", "to_status": "exited", "households": 1, "people": 1}]


def test_status_changed_since_a_run_moves_the_household_off_the_diagonal():
    moved = _household(PovertyStatus.NOT_EXITED)
    _household(PovertyStatus.NOT_EXITED)
    first = assessment_run(year=2020)
    Household.objects.filter(pk=moved.pk).update(poverty_status=PovertyStatus.EXITED)
    second = assessment_run(year=2020)
    result = transitions_for_scope(from_run=first, to_run=second)
    assert result.counts == [
        {"from_status": "not_exited", "to_status": "exited", "households": 1, "people": 1},
        {"from_status": "not_exited", "to_status": "not_exited", "households": 1, "people": 1},
    ]
    assert [row for row in result.rows if row[2] == "exited"] == [(moved.household_no, "not_exited", "exited", 1)]


def test_household_registered_after_the_run_appears_as_new():
    run = assessment_run(year=2020)
    new = _household(PovertyStatus.NOT_EXITED)
    result = transitions_for_scope(from_run=run, to_run=None)
    assert result.counts == [{"from_status": "", "to_status": "not_exited", "households": 1, "people": 1}]
    assert list(result.rows) == [(new.household_no, "", "not_exited", 1)]


def test_scope_keeps_other_areas_out():
    inside = _household(PovertyStatus.EXITED)
    _household(PovertyStatus.EXITED)  # another village, another town
    run = assessment_run(year=2020)
    result = transitions_for_scope(from_run=run, to_run=None, area_prefix=inside.village.prefix)
    assert [row[0] for row in result.rows] == [inside.household_no]


def test_command_prints_the_table_and_writes_the_households(tmp_path):
    household = _household(PovertyStatus.NOT_EXITED)
    run = assessment_run(year=2020)
    Household.objects.filter(pk=household.pk).update(poverty_status=PovertyStatus.EXITED)
    out = tmp_path / "transitions.csv"
    call_command("transitions", "--from", str(run.pk), "--out", str(out))
    assert out.read_text(encoding="utf-8-sig").splitlines() == [
        "from_status,to_status,household_no,people",
        f"未脱贫,已脱贫(享受政策),{household.household_no},1",
    ]


def test_command_writes_the_csv_with_the_bom_excel_needs_for_the_chinese_statuses(tmp_path):
    _household(PovertyStatus.NOT_EXITED)
    run = assessment_run(year=2020)
    out = tmp_path / "transitions.csv"
    call_command("transitions", "--from", str(run.pk), "--out", str(out))
    assert out.read_bytes().startswith(BOM + b"from_status,to_status,household_no,people\n")


def _family(status: str, *, active: int, gone: int = 0) -> Household:
    household = HouseholdFactory(poverty_status=status)
    for _ in range(active):
        MemberFactory(household=household)
    for _ in range(gone):
        MemberFactory(household=household, status=MemberStatus.DECEASED)
    IncomeFactory(household=household, year=2020)
    return household


def _active_members(households: list[Household]) -> int:
    """A count of its own, by the ORM: what the people of a cell must equal."""
    return Member.objects.filter(household__in=households, status=MemberStatus.ACTIVE).count()


def test_cells_count_the_people_of_their_households():
    moved = [_family(PovertyStatus.NOT_EXITED, active=3, gone=1), _family(PovertyStatus.NOT_EXITED, active=2)]
    stayed = [_family(PovertyStatus.NOT_EXITED, active=4, gone=2)]
    run = assessment_run(year=2020)
    Household.objects.filter(pk__in=[h.pk for h in moved]).update(poverty_status=PovertyStatus.EXITED)
    counts = {(r["from_status"], r["to_status"]): r for r in transitions_for_scope(from_run=run, to_run=None).counts}
    assert counts[("not_exited", "exited")]["people"] == _active_members(moved) == 5
    assert counts[("not_exited", "not_exited")]["people"] == _active_members(stayed) == 4


def test_a_household_without_active_members_counts_no_people():
    household = _family(PovertyStatus.EXITED, active=1)
    run = assessment_run(year=2020)
    Member.objects.filter(household=household).update(status=MemberStatus.MOVED_OUT)
    result = transitions_for_scope(from_run=run, to_run=None)
    assert result.counts == [{"from_status": "exited", "to_status": "exited", "households": 1, "people": 0}]


def test_command_prints_households_and_people_in_each_cell_and_the_totals(tmp_path):
    from io import StringIO

    _family(PovertyStatus.EXITED, active=3)
    _family(PovertyStatus.EXITED, active=2, gone=1)
    run = assessment_run(year=2020)
    out = StringIO()
    call_command("transitions", "--from", str(run.pk), stdout=out)
    text = out.getvalue()
    assert "2/5" in text  # the cell and its totals: 2 households, 5 people
    assert "未变 2 户 5 人" in text
