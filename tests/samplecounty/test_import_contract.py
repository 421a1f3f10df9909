"""The generator against the ledger import: clean files import whole, dirty files lose exactly the households
whose report lists an ``error`` fault (and the other holder of each duplicated ID number)."""

from __future__ import annotations

import csv
import re

import pytest
from django.core.management import call_command

from jingzhun.registry.models import Household
from jingzhun.samplecounty import generate, output_paths


def _import(out) -> int:
    call_command("import", "villages", str(output_paths(out).villages), "--no-progress", verbosity=0)
    try:
        call_command("import", "ledger", str(out), "--no-progress", verbosity=0)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def _household_numbers(out) -> set[str]:
    with out.open(encoding="utf-8-sig", newline="") as f:
        return {row["户编号"].strip() for row in csv.DictReader(f)}


@pytest.mark.django_db
def test_a_clean_ledger_imports_every_household(tmp_path):
    out = tmp_path / "out" / "county.csv"
    generate(households=200, seed=11, out=out)
    assert _import(out) == 0
    assert set(Household.objects.values_list("household_no", flat=True)) == _household_numbers(out)


@pytest.mark.django_db
def test_a_dirty_ledger_loses_exactly_the_households_with_error_faults(tmp_path):
    out = tmp_path / "out" / "county.csv"
    generate(households=300, seed=11, out=out, dirty=True, dirty_rate=0.3)
    with output_paths(out).report.open(encoding="utf-8-sig", newline="") as f:
        errors = [r for r in csv.DictReader(f) if r["类别"] == "error"]
    rejected = {r["户编号"] for r in errors}
    rejected |= {re.search(r"户编号 (\d+)", r["说明"])[1] for r in errors if r["问题类型"] == "duplicate_id"}
    assert rejected and _import(out) == 1
    assert set(Household.objects.values_list("household_no", flat=True)) == _household_numbers(out) - rejected
