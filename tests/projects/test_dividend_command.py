"""``jingzhun dividends`` (docs/LEDGER.md §4): the CSV, --approve, exit codes."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from jingzhun.projects.models import Beneficiary, Distribution
from jingzhun.registry.models import Income
from tests.factories import HouseholdFactory, ProjectFactory

from .dividend_data import run_with_tiers

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(users_by_role):
    project = ProjectFactory(code="XM-GF-01", area=users_by_role.village_a)
    tiers = {"370125001001001": "fragile", "370125001001002": "high_quality", "370125001001003": None}
    homes = {no: HouseholdFactory(household_no=no, village=users_by_role.village_a) for no in tiers}
    for no, home in homes.items():
        refused = no == "370125001001002"
        Beneficiary.objects.create(
            project=project,
            household=home,
            by_dividend=True,
            refused_post=refused,
            refusal_reason="拒绝公益岗" * refused,
        )
    Beneficiary.objects.create(
        project=project, household=HouseholdFactory(village=users_by_role.village_a), by_work=True
    )  # not by dividend: not listed
    run_with_tiers(2025, {homes[no]: tier for no, tier in tiers.items()})
    return project


EXPECTED = (
    "household_no,tier,weight,share,reason\n"
    "370125001001001,易返贫户,1.5,3600.00,\n"
    "370125001001002,高质量脱贫户,0,0.00,拒绝岗位：拒绝公益岗\n"
    "370125001001003,,1.0,2400.00,无评估结果\n"
)


def test_preview_writes_the_csv_and_records_nothing(project, tmp_path):
    out = tmp_path / "分红.csv"
    call_command("dividends", project="XM-GF-01", year=2025, income="10000", out=str(out))
    assert out.read_bytes() == EXPECTED.encode()
    assert not Distribution.objects.exists()


def test_preview_goes_to_standard_output_without_out(project, capsys):
    call_command("dividends", project="XM-GF-01", year=2025, income="10000")
    assert capsys.readouterr().out == EXPECTED


def test_approve_records_once(project, tmp_path):
    for _ in range(2):
        call_command(
            "dividends", project="XM-GF-01", year=2025, income="10000", out=str(tmp_path / "a.csv"), approve=True
        )
    assert (tmp_path / "a.csv").read_bytes() == EXPECTED.encode()
    assert Distribution.objects.count() == 1
    assert sorted(Income.objects.filter(year=2025).values_list("dividend", flat=True)) == [2400, 3600]


def test_unknown_project_exits_2(project):
    with pytest.raises(CommandError, match="没有编号为「XM-NONE」的项目") as raised:
        call_command("dividends", project="XM-NONE", year=2025, income="10000")
    assert raised.value.returncode == 2


def test_another_income_exits_1(project, tmp_path):
    call_command("dividends", project="XM-GF-01", year=2025, income="10000", out=str(tmp_path / "a.csv"), approve=True)
    with pytest.raises(CommandError, match=r"不能按 9000\.00 元再次批准") as raised:
        call_command("dividends", project="XM-GF-01", year=2025, income="9000.00", approve=True)
    assert raised.value.returncode == 1
