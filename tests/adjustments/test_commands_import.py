"""`jingzhun import adjustments FILE` on the command line: .xlsx and .csv, what it prints, and the exit codes of the
ledger's import — 0 every row imported, 1 some households rejected (the others imported), 2 the file unusable."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.adjustments.models import AdjustmentCase
from tests.factories import HouseholdFactory

from .decision_files import HEADERS, decision, import_file, write

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_clean_file_exits_0_and_says_what_it_did(tmp_path, household, suffix):
    out = StringIO()
    path = write(tmp_path / f"决定{suffix}", [decision(household)])
    call_command("import", "adjustments", str(path), no_progress=True, stdout=out)
    printed = "".join(out.getvalue().split())  # rich wraps the line at its console width
    assert "动态调整决定：1行，1户——导入1项决定（1户），未变化0项，未导入0行（0户）" in printed
    assert not path.with_name(f"{path.stem}.错误报告.xlsx").exists()


def test_a_rejected_household_exits_1_and_names_the_report(tmp_path, household, users_by_role):
    fine = HouseholdFactory(village=users_by_role.village_a, poverty_status="exited")
    out = StringIO()
    path = write(tmp_path / "决定.csv", [decision(household, "返贫"), decision(fine, "返贫")])
    with pytest.raises(SystemExit) as exit_:
        call_command("import", "adjustments", str(path), no_progress=True, stdout=out)
    assert exit_.value.code == 1
    assert "错误和提示见" in out.getvalue() and "有 1 条错误" in out.getvalue()
    assert AdjustmentCase.objects.get().household == fine


@pytest.mark.parametrize(
    ("headers", "rows", "reason"),
    [
        ([h for h in HEADERS if h != "决定文号"], [{"户编号": "1"}], "缺少必需的列 决定文号"),
        (HEADERS, [], "只有表头"),
    ],
)
def test_an_unusable_file_exits_2_and_writes_nothing(tmp_path, db, headers, rows, reason):
    path = write(tmp_path / "决定.csv", rows, headers)
    with pytest.raises(CommandError, match=reason) as error:
        call_command("import", "adjustments", str(path), no_progress=True)
    assert error.value.returncode == 2
    assert import_file(path) == 2
    assert not AdjustmentCase.objects.exists()


def test_a_file_of_another_type_exits_2(tmp_path, db):
    path = tmp_path / "决定.xlsx"
    path.write_text("not a workbook")
    assert import_file(path) == 2
