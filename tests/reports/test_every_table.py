"""What holds for every standard table: each town's and the county's figures are the sums of the rows below them,
and the page, the workbook and the CSV of the command line come from the same rows."""

import csv

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from jingzhun.accounts.models import Role
from jingzhun.reports.standard import REPORTS, report_table

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


@pytest.mark.parametrize("name", list(REPORTS))
def test_each_town_and_the_county_are_the_sums_of_the_rows_below_them(name, users_by_role, county):
    table = report_table(name=name, user=users_by_role[Role.COUNTY].owner, year=THIS_YEAR)
    assert table.total is not None
    for parent in (r for r in table.rows if r.level != "village"):
        prefix = parent.code[: 6 if parent.level == "county" else 9]
        below = [r for r in table.rows if r.level == "village" and r.code.startswith(prefix)]
        for column in table.columns:
            assert parent.values[column.key] == sum(r.values[column.key] for r in below), (parent.code, column.key)


@pytest.mark.parametrize("name", ["population", "causes", "exits"])
def test_the_first_column_is_the_sum_of_the_groups_it_totals(name, users_by_role, county):
    # The groups after 合计 split it: no household counted twice or left out (for population, the status groups
    # split it; its attribute groups cover the registered households only).
    table = report_table(name=name, user=users_by_role[Role.COUNTY].owner, year=THIS_YEAR)
    households = [c.key for c in table.columns if c.key.startswith("h_") and c.key not in ("h_all",)]
    if name == "population":
        households = [
            f"h_{s}" for s in ("non_poor", "not_exited", "exited", "pre_exit", "relapsed", "exited_no_policy")
        ]
    first = table.columns[0].key
    for row in table.rows:
        assert row.values[first] == sum(row.values[k] for k in households), (row.code, name)


@pytest.mark.parametrize("name", list(REPORTS))
def test_the_workbook_and_the_csv_carry_the_page_figures(name, users_by_role, county, tmp_path):
    table = report_table(name=name, user=users_by_role[Role.COUNTY].owner, year=THIS_YEAR)
    code = users_by_role.county_a.code
    call_command("report", name, "--year", str(THIS_YEAR), "--area", code, "--out", str(tmp_path / "t.xlsx"))
    sheet = load_workbook(tmp_path / "t.xlsx").active
    first = [cell.value for cell in sheet[5]]
    assert first[1] == code
    assert first[2:] == [table.total.values[c.key] for c in table.columns]
    if name != "population":  # population's CSV is the machine format, tested on its own
        call_command("report", name, "--year", str(THIS_YEAR), "--area", code, "--out", str(tmp_path / "t.csv"))
        rows = list(csv.reader((tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()))
        assert rows[0][:3] == ["area_code", "level", "area_name"]
        assert [int(v) for v in rows[1][3:]] == [table.total.values[c.key] for c in table.columns]
