"""The ledger import's error report: its 汇总 sheet gives the import time as a date cell."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from openpyxl import load_workbook

from jingzhun.registry.models import ImportBatch
from jingzhun.registry.services import ledger_import

from .ledger_files import household_row, write_csv

pytestmark = pytest.mark.django_db


def _import_with_an_error(tmp_path):
    return ledger_import(path=write_csv(tmp_path / "in.csv", [household_row("H001", 证件号码="123")]))


def test_the_import_time_is_a_date_cell_of_the_summary(tmp_path):
    outcome = _import_with_an_error(tmp_path)

    summary = {row[0].value: row[1] for row in load_workbook(outcome.report_path)["汇总"].iter_rows()}
    cell = summary["导入时间"]
    assert (cell.is_date, cell.number_format, isinstance(cell.value, dt.datetime)) == (
        True,
        "yyyy-mm-dd hh:mm:ss",
        True,
    )


def test_the_batch_keeps_the_import_time_as_text(tmp_path):
    _import_with_an_error(tmp_path)

    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", ImportBatch.objects.get().summary["导入时间"])
