"""`jingzhun import events FILE` (docs/LEDGER.md §1c): each row an event imported whole or not at all, a Chinese
error report naming row, column and reason, exit codes 0 / 1 / 2, atomic, and a second import changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from jingzhun.policy.models import HouseholdResult
from jingzhun.policy.services import assessment_run
from jingzhun.registry.models import ChangeRecord, HouseholdEvent
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory

pytestmark = pytest.mark.django_db

HEADERS = ["户编号", "事件类型", "发生日期", "损失金额", "事件描述"]


@pytest.fixture
def homes():
    made = []
    for status in ("non_poor", "exited"):
        home = HouseholdFactory(poverty_status=status)
        MemberFactory(household=home, relation="head", labor="ordinary")
        IncomeFactory(household=home, year=2020, wage=Decimal("9000"))
        made.append(home)
    return made


def _csv(path: Path, rows: list[list[str]], headers: list[str] = HEADERS) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def _import(path: Path) -> int:
    try:
        call_command("import", "events", str(path), verbosity=0)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def test_a_good_workbook_imports_every_event(tmp_path, homes):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append([homes[0].household_no, "自然灾害", dt.date(2020, 7, 12), 30000, "洪水冲毁房屋"])
    sheet.append([homes[1].household_no, "主要劳动力死亡", "2020/3/5", "", ""])
    workbook.save(tmp_path / "events.xlsx")
    assert _import(tmp_path / "events.xlsx") == 0
    flood = HouseholdEvent.objects.get(household=homes[0])
    assert (flood.kind, flood.occurred_on, flood.loss, flood.note) == (
        "disaster",
        dt.date(2020, 7, 12),
        Decimal("30000"),
        "洪水冲毁房屋",
    )
    assert HouseholdEvent.objects.get(household=homes[1]).loss == 0
    assert not (tmp_path / "events.错误报告.xlsx").exists()


def test_importing_the_same_file_again_changes_nothing(tmp_path, homes):
    path = _csv(tmp_path / "events.csv", [[homes[0].household_no, "意外事故", "2020-09-01", "5000", "车祸"]])
    assert _import(path) == 0
    history = ChangeRecord.objects.count()
    ids = list(HouseholdEvent.objects.values_list("id", "loss", "note"))
    assert _import(path) == 0
    assert list(HouseholdEvent.objects.values_list("id", "loss", "note")) == ids
    assert ChangeRecord.objects.count() == history


def test_a_corrected_loss_updates_the_event(tmp_path, homes):
    no = homes[0].household_no
    _import(_csv(tmp_path / "events.csv", [[no, "意外事故", "2020-09-01", "5000", ""]]))
    _import(_csv(tmp_path / "events.csv", [[no, "意外事故", "2020-09-01", "6500", ""]]))
    assert HouseholdEvent.objects.get().loss == Decimal("6500")


def test_bad_rows_are_rejected_whole_with_row_column_and_reason(tmp_path, homes):
    no = homes[0].household_no
    rows = [
        [no, "意外事故", "2020-09-01", "5000", ""],  # 2: good
        [no, "火灾", "2020-09-02", "", ""],  # 3: unknown kind
        [no, "自然灾害", "2012-12-31", "", ""],  # 4: before 2013
        [no, "自然灾害", "2999-01-01", "", ""],  # 5: in the future
        ["NOSUCH", "自然灾害", "2020-01-01", "", ""],  # 6: unknown household
        [no, "意外事故", "2020-09-01", "800", ""],  # 7: the same event as row 2
        [no, "自然灾害", "2020-07-01", "-5", ""],  # 8: negative loss
    ]
    path = _csv(tmp_path / "events.csv", rows)
    assert _import(path) == 1
    assert HouseholdEvent.objects.count() == 1
    report = load_workbook(tmp_path / "events.错误报告.xlsx")["错误"]
    found = {(row[0], row[2]): row[4] for row in report.iter_rows(min_row=2, values_only=True)}
    assert "不是可选值" in found[(3, "事件类型")]
    assert "早于 2013-01-01" in found[(4, "发生日期")]
    assert "晚于今天" in found[(5, "发生日期")]
    assert "户编号不存在" in found[(6, "户编号")]
    assert "与第 2 行是同一事件" in found[(7, "事件类型")]
    assert "不能为负数" in found[(8, "损失金额")]


def test_a_file_without_a_required_column_is_unusable_and_imports_nothing(tmp_path, homes):
    path = _csv(tmp_path / "events.csv", [[homes[0].household_no, "意外事故"]], headers=["户编号", "事件类型"])
    with pytest.raises(CommandError, match="缺少必需的列：发生日期") as refused:
        call_command("import", "events", str(path), verbosity=0)
    assert refused.value.returncode == 2
    assert not HouseholdEvent.objects.exists()


def test_a_workbook_that_is_no_workbook_is_unusable(tmp_path, homes):
    path = tmp_path / "events.xlsx"
    path.write_text("不是工作簿")
    with pytest.raises(CommandError) as refused:
        call_command("import", "events", str(path), verbosity=0)
    assert refused.value.returncode == 2


def test_a_file_of_too_many_rows_is_unusable_and_imports_nothing(tmp_path, homes, monkeypatch):
    monkeypatch.setattr("jingzhun.registry.events.MAX_EVENT_ROWS", 2)
    rows = [[homes[0].household_no, "意外事故", f"2020-09-0{day}", "", ""] for day in (1, 2, 3)]
    with pytest.raises(CommandError, match="超过 2 行") as refused:
        call_command("import", "events", str(_csv(tmp_path / "events.csv", rows)), verbosity=0)
    assert refused.value.returncode == 2
    assert not HouseholdEvent.objects.exists()


def test_imported_events_fire_the_sudden_event_trigger(tmp_path, homes):
    # Non-poor, net income 9000: a loss of 30000 is larger than it (突发严重困难户); the other event is of 2019.
    rows = [
        [homes[0].household_no, "自然灾害", "2020-07-12", "30000", ""],
        [homes[1].household_no, "意外事故", "2019-12-31", "500", ""],
    ]
    _import(_csv(tmp_path / "events.csv", rows))
    run = assessment_run(year=2020)
    hit = HouseholdResult.objects.get(run=run, household=homes[0])
    assert (hit.sudden_event, hit.monitoring_flag, hit.suggested_category) == (True, True, "sudden")
    assert "自然灾害" in hit.reasons
    assert HouseholdResult.objects.get(run=run, household=homes[1]).sudden_event is False
