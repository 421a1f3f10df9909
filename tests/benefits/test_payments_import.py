"""``jingzhun import payments FILE`` and its service (docs/LEDGER.md §5): each row error reported and skipped, the
valid rows imported, income added once into the benefit's column, a second import changing nothing, the exit
codes 0 / 1 / 2 of the command line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.benefits.models import Payment, PaymentSource
from jingzhun.benefits.payments_import import payments_import
from jingzhun.core.scope import SYSTEM
from jingzhun.registry.models import ChangeRecord, ImportBatch, Income
from jingzhun.spreadsheets.reading import UnusableFile
from tests.factories import HouseholdFactory, MemberFactory

from .payment_files import HEADERS, payment_row, report_rows, write

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 12, 1)


def _son(household):
    return household.members.get(relation="son")


def _income(household):
    return Income.objects.get(household=household, year=2025)


def _import(path, user=SYSTEM, **kwargs):
    return payments_import(path=path, user=user, today=TODAY, **kwargs)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_clean_file_imports_every_payment_and_its_income(tmp_path, covered_household, suffix):
    son = _son(covered_household)
    before = _income(covered_household)
    path = write(
        tmp_path / f"发放{suffix}",
        [
            payment_row("B01", covered_household, son),
            payment_row("B06", covered_household, 金额="1234.56", 发放日期="2025/3/1", 发放部门="某某镇民政所"),
        ],
    )
    outcome = _import(path)
    assert (outcome.rows, outcome.created, outcome.unchanged, outcome.rejected, outcome.exit_code) == (2, 2, 0, 0, 0)
    assert outcome.amount == Decimal("4234.56")
    b01 = Payment.objects.get(benefit="B01")
    assert (b01.member, b01.member_key, b01.source, b01.department) == (
        son,
        son.id_number,
        PaymentSource.IMPORT,
        "乡村振兴局",
    )
    assert b01.batch_id == outcome.batch_id and b01.income_item == "other_transfer"
    b06 = Payment.objects.get(benefit="B06")
    assert (b06.member, b06.paid_on, b06.department) == (None, dt.date(2025, 3, 1), "某某镇民政所")
    after = _income(covered_household)
    assert after.other_transfer == before.other_transfer + Decimal("3000.00")
    assert after.dibao == before.dibao + Decimal("1234.56")
    assert outcome.report_path is None
    batch = ImportBatch.objects.get(pk=outcome.batch_id)
    assert (batch.kind, batch.rows, batch.summary["新登记的发放"]) == (ImportBatch.Kind.PAYMENTS, 2, 2)
    assert AccessLog.objects.filter(action=AccessLog.Action.IMPORT, target__startswith="政策发放").exists()


@pytest.mark.parametrize(
    ("benefit", "column", "amount"),
    [("B06", "dibao", "500.00"), ("B20", "wage", "800.00"), ("B07", None, "60.00")],
)
def test_income_goes_once_into_the_benefits_column(tmp_path, covered_household, benefit, column, amount):
    member = None if benefit == "B06" else _son(covered_household)
    before = _income(covered_household)
    path = write(tmp_path / "发放.csv", [payment_row(benefit, covered_household, member, 金额=amount)])
    _import(path)
    _import(path)
    after = _income(covered_household)
    for name in ("wage", "dibao", "other_transfer", "tekun"):
        expected = getattr(before, name) + (Decimal(amount) if name == column else 0)
        assert getattr(after, name) == expected, name
    assert ChangeRecord.objects.filter(entity="income").count() == (1 if column else 0)


def test_the_same_file_twice_changes_nothing_the_second_time(tmp_path, covered_household):
    path = write(tmp_path / "发放.xlsx", [payment_row("B01", covered_household, _son(covered_household))])
    _import(path)
    income = _income(covered_household).other_transfer
    history = ChangeRecord.objects.count()
    again = _import(path)
    assert (again.created, again.unchanged, again.rejected, again.exit_code) == (0, 1, 0, 0)
    assert Payment.objects.count() == 1
    assert _income(covered_household).other_transfer == income
    assert ChangeRecord.objects.count() == history


def test_a_recorded_payment_with_another_amount_is_rejected_not_changed(tmp_path, covered_household):
    son = _son(covered_household)
    _import(write(tmp_path / "a.csv", [payment_row("B01", covered_household, son)]))
    income = _income(covered_household).other_transfer
    path = write(tmp_path / "b.csv", [payment_row("B01", covered_household, son, 金额="2500")])
    outcome = _import(path)
    assert (outcome.created, outcome.rejected, outcome.exit_code) == (0, 1, 1)
    assert Payment.objects.get().amount == Decimal("3000.00")
    assert _income(covered_household).other_transfer == income
    (row,) = report_rows(path)
    assert row[2] == "金额" and "已登记，金额为 3,000.00 元" in row[4]


def _rejected_with(tmp_path, row, *, user=SYSTEM):
    """Import a file of one good row and ``row``; the good one is imported, ``row`` reported: its report line."""
    household = row.pop("_household")
    good = payment_row("B06", household, 金额="100")
    path = write(tmp_path / "发放.csv", [good, row])
    outcome = _import(path, user=user)
    assert (outcome.created, outcome.rejected, outcome.exit_code) == (1, 1, 1)
    assert Payment.objects.filter(benefit="B06").count() == 1
    lines = report_rows(path)
    assert {line[0] for line in lines} == {3}
    return lines[0]


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"项目代码": "B99"}, "项目代码", "没有代码为“B99”的政策"),
        ({"金额": "0"}, "金额", "应大于 0"),
        ({"金额": "-5"}, "金额", "应大于 0"),
        ({"金额": "12.345"}, "金额", "最多两位小数"),
        ({"金额": "三千"}, "金额", "不是金额"),
        ({"金额": "2000000"}, "金额", "超过"),
        ({"发放日期": "2025-13-01"}, "发放日期", "不是有效日期"),
        ({"发放日期": "昨天"}, "发放日期", "不是日期"),
        ({"发放日期": "2012-12-31"}, "发放日期", "不能早于 2013-01-01"),
        ({"发放日期": "2025-12-02"}, "发放日期", "不能晚于今天"),
        ({"证件号码": "12345"}, "证件号码", "18 位"),
    ],
)
def test_a_bad_cell_rejects_its_row(tmp_path, covered_household, cells, column, reason):
    row = payment_row("B01", covered_household, _son(covered_household), **cells)
    line = _rejected_with(tmp_path, {**row, "_household": covered_household})
    assert line[2] == column and reason in line[4]


def test_an_unknown_household_is_rejected(tmp_path, covered_household):
    row = payment_row("B06", "370125999999999")
    line = _rejected_with(tmp_path, {**row, "_household": covered_household})
    assert line[2] == "户编号" and "未登记" in line[4]


def test_a_household_of_another_area_is_rejected(tmp_path, users_by_role, covered_household):
    other = HouseholdFactory(village=users_by_role.village_b)
    row = payment_row("B06", other)
    line = _rejected_with(tmp_path, {**row, "_household": covered_household}, user=users_by_role[Role.COUNTY].owner)
    assert line[2] == "户编号" and "不是您管辖范围内" in line[4]


def test_a_member_of_another_household_is_rejected(tmp_path, users_by_role, covered_household):
    stranger = MemberFactory(household=HouseholdFactory(village=users_by_role.village_a))
    row = payment_row("B01", covered_household, stranger)
    line = _rejected_with(tmp_path, {**row, "_household": covered_household})
    assert line[2] == "证件号码" and f"不是户 {covered_household.household_no} 的成员" in line[4]
    assert stranger.id_number not in line[4]  # the reason masks the number


def test_a_member_benefit_without_an_id_number_is_rejected(tmp_path, covered_household):
    row = payment_row("B01", covered_household)
    line = _rejected_with(tmp_path, {**row, "_household": covered_household})
    assert line[2] == "证件号码" and "按成员发放" in line[4]


def test_a_household_benefit_with_an_id_number_is_rejected(tmp_path, covered_household):
    row = payment_row("B08", covered_household, _son(covered_household))
    line = _rejected_with(tmp_path, {**row, "_household": covered_household})
    assert line[2] == "证件号码" and "按户发放" in line[4]


def test_a_second_row_of_the_same_payment_is_rejected(tmp_path, covered_household):
    path = write(tmp_path / "发放.csv", [payment_row("B06", covered_household), payment_row("B06", covered_household)])
    outcome = _import(path)
    assert (outcome.created, outcome.rejected) == (1, 1)
    (line,) = report_rows(path)
    assert line[0] == 3 and "与第 2 行是同一笔发放" in line[4]


def test_a_former_member_may_still_be_paid(tmp_path, covered_household):
    son = _son(covered_household)
    son.status = "moved_out"
    son.save()
    outcome = _import(write(tmp_path / "发放.csv", [payment_row("B01", covered_household, son)]))
    assert outcome.created == 1


def test_a_department_clerk_imports_only_its_departments_benefits(tmp_path, covered_household, department_clerk):
    clerk = department_clerk("civil_affairs")
    row = payment_row("B01", covered_household, _son(covered_household))
    line = _rejected_with(tmp_path, {**row, "_household": covered_household}, user=clerk)
    assert line[2] == "项目代码" and "由乡村振兴局发放" in line[4]


def test_a_village_user_may_not_import(tmp_path, users_by_role, covered_household):
    path = write(tmp_path / "发放.csv", [payment_row("B06", covered_household)])
    with pytest.raises(PermissionDenied):
        _import(path, user=users_by_role[Role.VILLAGE].owner)


def test_too_many_rows_makes_the_file_unusable_and_imports_nothing(tmp_path, covered_household):
    path = write(
        tmp_path / "发放.csv", [payment_row("B06", covered_household, 发放日期=f"2025-03-{d:02d}") for d in (1, 2, 3)]
    )
    with pytest.raises(UnusableFile, match="超过 2 行"):
        _import(path, max_rows=2)
    assert not Payment.objects.exists()
    assert not ImportBatch.objects.exists()


# --- the command line ------------------------------------------------------------------------------------------


def _command(path):
    out = StringIO()
    try:
        call_command("import", "payments", str(path), no_progress=True, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_the_command_exits_0_and_says_what_it_did(tmp_path, covered_household):
    code, out = _command(write(tmp_path / "发放.xlsx", [payment_row("B06", covered_household, 金额="500")]))
    assert code == 0
    assert "政策发放：1 行 —— 新登记 1 笔（500.00 元），已登记未变化 0 笔，未导入 0 行" in out


def test_the_command_exits_1_when_a_row_is_rejected(tmp_path, covered_household):
    path = write(tmp_path / "发放.csv", [payment_row("B06", covered_household), payment_row("B99", covered_household)])
    code, out = _command(path)
    assert code == 1
    printed = "".join(out.split())  # rich wraps long lines
    assert "发放.错误报告.xlsx" in printed and "有1条错误" in printed
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("headers", "rows", "reason"),
    [
        ([h for h in HEADERS if h != "金额"], [{"项目代码": "B06"}], "缺少必需的列：金额"),
        (HEADERS, [], "只有表头"),
    ],
)
def test_an_unusable_file_exits_2_and_writes_nothing(tmp_path, db, headers, rows, reason):
    path = write(tmp_path / "发放.csv", rows, headers)
    with pytest.raises(CommandError, match=reason) as error:
        call_command("import", "payments", str(path), no_progress=True)
    assert error.value.returncode == 2
    assert not ImportBatch.objects.exists()


def test_a_file_that_is_not_a_table_exits_2(tmp_path, db):
    path = tmp_path / "发放.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(CommandError, match="不支持的文件类型") as error:
        call_command("import", "payments", str(path), no_progress=True)
    assert error.value.returncode == 2
