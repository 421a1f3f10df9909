"""The rectification ledger (督导问题整改台账) as the workbook offices report upward: title, unit and date, header,
one row per finding, totals, and the statistics sheet; scoped, logged (tests/supervision/report_set.py has the
findings)."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.core.scope import SYSTEM
from jingzhun.supervision.ledger_export import findings_ledger_export
from jingzhun.supervision.selectors import findings_for_user, statistics_total
from tests.exports import export_content, export_start

from .report_set import AS_OF, report_set  # noqa: F401 — the fixture

pytestmark = pytest.mark.django_db

HEADER = (
    "序号",
    "问题编号",
    "问题来源",
    "发现日期",
    "发现地点",
    "户编号",
    "问题类别",
    "问题描述",
    "责任乡镇",
    "责任部门",
    "交办日期",
    "整改期限",
    "乡镇整改完成日期",
    "部门整改完成日期",
    "核验销号日期",
    "整改状态",
    "逾期情况",
)


def download(client, user, **params):
    """The workbook the button of the statistics page gives (written in the background, then downloaded)."""
    client.force_login(user)
    query = urlencode({"as_of": AS_OF.isoformat(), **params})
    return load_workbook(io.BytesIO(export_content(client, f"/supervision/export/ledger/?{query}")))


@pytest.fixture
def ledger(client, users_by_role, report_set):  # noqa: F811
    """The county office's workbook on AS_OF, its ledger sheet's rows."""
    workbook = download(client, users_by_role[Role.COUNTY].owner)
    return list(workbook["整改台账"].iter_rows(values_only=True))


def dated(row):
    """A row read back, its date cells (openpyxl reads datetimes) as dates."""
    return tuple(value.date() if isinstance(value, dt.datetime) else value for value in row)


def by_number(rows):
    return {row[1]: dict(zip(HEADER, dated(row), strict=False)) for row in rows[3:-1]}


def test_the_title_names_the_county(ledger, users_by_role):
    assert ledger[0][0] == f"{users_by_role.county_a.name}督导问题整改台账"


def test_the_unit_and_date_row(ledger, users_by_role):
    assert dated(ledger[1][:5]) == ("填报单位", users_by_role.county_a.name, None, "截至日期", AS_OF)


def test_the_header_row(ledger):
    assert ledger[2] == HEADER


def test_one_row_per_finding_of_the_county_in_number_order(ledger):
    assert [row[1] for row in ledger[3:-1]] == ["A-001", "A-002", "A-003", "A-004"]
    assert [row[0] for row in ledger[3:-1]] == [1, 2, 3, 4]


def test_a_verified_finding_row(ledger, users_by_role):
    row = by_number(ledger)["A-001"]
    assert row["问题来源"] == "月度督导"
    assert row["发现日期"] == dt.date(2026, 3, 2)
    assert row["发现地点"] == users_by_role.village_a.name
    assert row["问题类别"] == "政策落实"
    assert row["责任乡镇"] == users_by_role.town_a.name
    assert row["责任部门"] == "医保"
    assert (row["交办日期"], row["整改期限"]) == (dt.date(2026, 3, 5), dt.date(2026, 3, 26))
    assert (row["乡镇整改完成日期"], row["部门整改完成日期"]) == (dt.date(2026, 3, 20), dt.date(2026, 3, 25))
    assert row["核验销号日期"] == dt.date(2026, 3, 28)
    assert (row["整改状态"], row["逾期情况"]) == ("已销号", None)


def test_the_late_marks(ledger):
    rows = by_number(ledger)
    assert rows["A-002"]["逾期情况"] == "交办逾期 113 天（市级督办）"
    assert rows["A-002"]["整改状态"] == "待交办"
    assert rows["A-003"]["逾期情况"] == "乡镇逾期完成整改"
    assert rows["A-004"]["逾期情况"] == "部门整改逾期 96 天（县级督办）"
    assert (rows["A-004"]["责任乡镇"], rows["A-004"]["整改状态"]) == (None, "整改中")


def test_the_totals_row(ledger):
    assert ledger[-1][:4] == ("合计", "发现问题 4 个", "已整改销号 2 个", "逾期 3 个")


@pytest.mark.parametrize("as_of", ["2026-03-08", "2026-03-20", "2026-03-31", "2026-04-12", "2026-06-30"])
def test_the_late_total_is_the_statistics_late_total(report_set, tmp_path, as_of):  # noqa: F811
    """The ledger marks a finding late row by row with the statistics' test, on any date."""
    day = dt.date.fromisoformat(as_of)
    outcome = findings_ledger_export(path=tmp_path / "f.xlsx", as_of=day)
    assert outcome.late == statistics_total(findings=findings_for_user(user=SYSTEM), as_of=day)["late"]


def test_dates_after_the_as_of_date_are_left_blank(client, users_by_role, report_set):  # noqa: F811
    rows = by_number(list(download(client, users_by_role[Role.COUNTY].owner, as_of="2026-03-31")["整改台账"].values))
    assert rows["A-003"]["乡镇整改完成日期"] is None
    assert rows["A-003"]["整改状态"] == "整改中"
    assert rows["A-003"]["逾期情况"] == "乡镇整改逾期 5 天（县级督办）"


def test_the_statistics_sheet_has_each_grouping_with_its_total(client, users_by_role, report_set):  # noqa: F811
    sheet = download(client, users_by_role[Role.COUNTY].owner)["分类统计"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2] == ("按问题来源", "发现问题数", "已整改销号", "未销号", "逾期问题数", "整改率（%）", "平均整改天数")
    assert ("月度督导", 2, 2, 0, 1, 100, 35) in rows
    assert ("医保", 3, 2, 1, 2, 66.7, 35) in rows
    assert ("（无责任乡镇）", 1, 0, 1, 1, 0, None) in rows
    assert [row[0] for row in rows if row and row[0] and row[0].startswith("按")] == [
        "按问题来源",
        "按问题类别",
        "按责任乡镇",
        "按责任部门",
    ]
    assert rows.count(("合计", 4, 2, 2, 3, 50, 35)) == 4


def test_another_countys_findings_are_not_in_the_workbook(client, users_by_role, report_set):  # noqa: F811
    workbook = download(client, users_by_role[Role.COUNTY].outsider)
    rows = list(workbook["整改台账"].iter_rows(values_only=True))
    assert [row[1] for row in rows[3:-1]] == ["B-001"]


def test_the_download_is_logged(client, users_by_role, report_set):  # noqa: F811
    user = users_by_role[Role.INSPECTOR].owner
    download(client, user)
    log = AccessLog.objects.get(user=user, action=AccessLog.Action.EXPORT)
    assert log.target == f"findings:{users_by_role.county_a.prefix}"
    assert (log.detail["rows"], log.detail["as_of"]) == (4, "2026-06-30")


def test_a_role_without_findings_may_not_download(client, users_by_role):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert export_start(client, "/supervision/export/ledger/").status_code == 403


def test_the_command_exports_every_finding_and_is_logged(report_set, tmp_path):  # noqa: F811
    out = tmp_path / "findings.xlsx"
    call_command("export", "findings", str(out), "--as-of", "2026-06-30", stdout=io.StringIO())
    rows = list(load_workbook(out)["整改台账"].iter_rows(values_only=True))
    assert rows[0][0] == "全部区划督导问题整改台账"
    assert rows[-1][:4] == ("合计", "发现问题 5 个", "已整改销号 2 个", "逾期 4 个")
    assert AccessLog.objects.filter(action="export", target="findings:*", user=None).exists()


def test_the_command_takes_an_area(report_set, tmp_path, users_by_role):  # noqa: F811
    out = tmp_path / "findings.xlsx"
    call_command(
        "export",
        "findings",
        str(out),
        "--area",
        users_by_role.county_b.code,
        "--as-of",
        "2026-06-30",
        stdout=io.StringIO(),
    )
    rows = list(load_workbook(out)["整改台账"].iter_rows(values_only=True))
    assert [row[1] for row in rows[3:-1]] == ["B-001"]


def test_the_command_refuses_a_csv(tmp_path, db):
    with pytest.raises(CommandError, match=r"只能导出为 \.xlsx"):
        call_command("export", "findings", str(tmp_path / "f.csv"))


def test_a_failed_export_leaves_no_file(report_set, tmp_path, monkeypatch):  # noqa: F811
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("jingzhun.supervision.ledger_export.late_marks", broken)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(RuntimeError):
        findings_ledger_export(path=folder / "findings.xlsx", as_of=AS_OF)
    assert list(folder.iterdir()) == []
