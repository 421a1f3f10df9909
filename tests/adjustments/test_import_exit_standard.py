"""The import's exit standard (docs/LEDGER.md §8): 脱贫 needs 覆盖理由 when the household's latest assessment says it
does not meet the standard, as a decision on the page does; read for every household of the file at once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jingzhun.adjustments.decisions_import import exit_standard_text
from jingzhun.adjustments.models import AdjustmentCase
from jingzhun.adjustments.services import exit_standard_problem
from jingzhun.policy.selectors import household_results_latest
from jingzhun.policy.services import assessment_run
from tests.factories import IncomeFactory

from .decision_files import decision, import_file, report_errors, write

pytestmark = pytest.mark.django_db
OVERRIDE = "2026 年务工收入已到账, 经入户核实达标"  # cells are NFKC-normalised, as in every import


@pytest.fixture
def unmet(household):
    """The household, assessed for 2020 as not meeting the standard (a low income)."""
    IncomeFactory(
        household=household, year=2020, wage=Decimal("1000"), business_income=0, business_expense=0, pension=0
    )
    assessment_run(year=2020)
    return household


def test_an_exit_without_an_override_is_refused_naming_the_assessment(tmp_path, unmet):
    path = write(tmp_path / "决定.csv", [decision(unmet)])
    assert import_file(path) == 1
    reason = report_errors(path)[(2, "覆盖理由")]
    assert "未达到脱贫标准" in reason and reason.endswith("如确需退出，须填写覆盖理由")
    unmet.refresh_from_db()
    assert unmet.poverty_status == "not_exited"


def test_an_exit_with_an_override_is_applied_and_keeps_it(tmp_path, unmet):
    assert import_file(write(tmp_path / "决定.csv", [decision(unmet, 覆盖理由=OVERRIDE)])) == 0
    unmet.refresh_from_db()
    assert unmet.poverty_status == "exited"
    case = AdjustmentCase.objects.get()
    assert case.override_reason == OVERRIDE
    step = case.steps.get()
    assert step.data["override_reason"] == OVERRIDE
    assert "未达到脱贫标准" in step.data["assessment"]


def test_an_exit_of_a_household_never_assessed_needs_no_override(tmp_path, household):
    assert import_file(write(tmp_path / "决定.csv", [decision(household)])) == 0


def test_the_set_reads_the_same_reason_as_the_page(unmet):
    latest = household_results_latest(household_ids=[unmet.pk])
    assert exit_standard_text(latest[unmet.pk]) == exit_standard_problem(household=unmet) != ""
