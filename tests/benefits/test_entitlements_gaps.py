"""应享未享 and 不应享而享 from a stored run (docs/RULES.md §12), the command's CSV (docs/LEDGER.md §5), scope."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Level
from jingzhun.benefits.entitlement_services import entitlements_compute
from jingzhun.benefits.gap_selectors import (
    counts_by_department,
    counts_by_village,
    entitlement_run_latest,
    gaps_for_user,
    household_unentitled_payments,
    unentitled_for_user,
)
from jingzhun.benefits.models import Entitlement, EntitlementRun
from jingzhun.benefits.selectors import catalogue_in_force
from jingzhun.core.scope import SYSTEM
from jingzhun.registry.vocab import HousingGrade, PovertyStatus, Relocation
from tests.factories import AreaFactory, PaymentFactory

from .entitlement_helpers import YEAR, household, income, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(users_by_role):
    """Two households of village A: a covered one (two members, house D) and a non-poor 一般户 below the 低保
    standard; one of village B (another town), covered, with one member."""
    u = users_by_role
    other_town = AreaFactory(level=Level.TOWN, parent=u.county_a)
    u.other_village_a = AreaFactory(level=Level.VILLAGE, parent=other_town)
    poor = household(u.village_a, housing_grade=HousingGrade.D, household_no="370125000001")
    head = member(poor, born=dt.date(1970, 1, 1))
    child = member(poor, born=dt.date(2010, 1, 1))
    low = household(u.village_a, status=PovertyStatus.NON_POOR, household_no="370125000002")
    member(low)
    income(low, wage="5000")
    other = household(u.other_village_a, household_no="370125000003")
    far = member(other, born=dt.date(1990, 1, 1))
    return {"poor": poor, "head": head, "child": child, "low": low, "other": other, "far": far}


def _pay(benefit, *, home, person=None, amount="60", paid_on=dt.date(YEAR, 5, 1)):
    return PaymentFactory(
        benefit=benefit,
        household=home,
        member=person,
        member_key=person.id_number if person else "",
        amount=Decimal(amount),
        paid_on=paid_on,
    )


def _gaps(run, user=SYSTEM):
    return set(gaps_for_user(user=user, run=run).values_list("benefit", "household__household_no", "member_id"))


def test_payment_of_the_year_closes_the_gap(county):
    _pay("B07", home=county["poor"], person=county["head"])
    _pay("B08", home=county["poor"], amount="15000")
    run = entitlements_compute(user=SYSTEM, year=YEAR)
    gaps = _gaps(run)
    assert ("B07", "370125000001", county["head"].pk) not in gaps
    assert ("B07", "370125000001", county["child"].pk) in gaps
    assert ("B08", "370125000001", None) not in gaps
    assert ("B06", "370125000002", None) in gaps


def test_payment_of_another_year_does_not_count(county):
    _pay("B07", home=county["poor"], person=county["head"], paid_on=dt.date(YEAR - 1, 12, 31))
    run = entitlements_compute(user=SYSTEM, year=YEAR)
    assert ("B07", "370125000001", county["head"].pk) in _gaps(run)


def test_once_benefit_paid_in_an_earlier_year_is_received(users_by_role):
    home = household(users_by_role.village_a, relocation=Relocation.LIVING)
    member(home)
    _pay("B18", home=home, amount="2500", paid_on=dt.date(2018, 7, 1))
    run = entitlements_compute(user=SYSTEM, year=YEAR)
    assert Entitlement.objects.filter(run=run, benefit="B18").exists()
    assert not gaps_for_user(user=SYSTEM, run=run).filter(benefit="B18").exists()


def test_once_benefit_paid_in_a_later_year_is_still_a_gap(users_by_role):
    home = household(users_by_role.village_a, relocation=Relocation.LIVING)
    member(home)
    _pay("B18", home=home, amount="2500", paid_on=dt.date(YEAR + 1, 1, 5))
    run = entitlements_compute(user=SYSTEM, year=YEAR)
    assert gaps_for_user(user=SYSTEM, run=run).filter(benefit="B18").exists()


def test_payment_without_entitlement_is_unentitled(county):
    wrong = _pay("B06", home=county["poor"], amount="500")  # no income row of the year: not judged for 低保
    right = _pay("B07", home=county["poor"], person=county["head"])
    earlier = _pay("B01", home=county["poor"], person=county["child"], amount="3000", paid_on=dt.date(YEAR - 1, 9, 1))
    run = entitlements_compute(user=SYSTEM, year=YEAR)
    unentitled = set(unentitled_for_user(user=SYSTEM, run=run))
    assert wrong in unentitled
    assert right not in unentitled
    assert earlier not in unentitled  # not of the year
    assert household_unentitled_payments(household=county["poor"], year=YEAR) == [wrong]


def test_member_benefit_paid_to_an_uncovered_household_is_unentitled(county):
    stranger = member(household(county["poor"].village, status=PovertyStatus.NON_POOR))
    paid = _pay("B07", home=stranger.household, person=stranger)
    run = entitlements_compute(user=SYSTEM, year=YEAR)
    assert paid in set(unentitled_for_user(user=SYSTEM, run=run))


def test_run_records_catalogue_and_skipped_benefits(county):
    run = entitlements_compute(user=SYSTEM, year=2025)
    assert run.catalogue == "default"
    assert run.catalogue_version == catalogue_in_force().version
    assert set(run.skipped) == {"B02", "B06", "B14"}
    assert not Entitlement.objects.filter(run=run, benefit__in=["B02", "B06", "B14"]).exists()
    assert run.entitlements == Entitlement.objects.filter(run=run).count()


def test_old_runs_are_kept_and_the_latest_is_used(county, users_by_role):
    first = entitlements_compute(user=SYSTEM, year=YEAR)
    second = entitlements_compute(user=SYSTEM, year=YEAR)
    assert EntitlementRun.objects.filter(pk=first.pk).exists()
    assert entitlement_run_latest(user=users_by_role[Role.COUNTY].owner, year=YEAR) == second


def test_a_new_run_deletes_the_rows_of_the_runs_it_supersedes(county, users_by_role):
    town_run = entitlements_compute(user=SYSTEM, year=YEAR, area_prefix=users_by_role.town_a.prefix)
    first = entitlements_compute(user=SYSTEM, year=YEAR)
    second = entitlements_compute(user=SYSTEM, year=YEAR)
    assert not Entitlement.objects.filter(run__in=[town_run, first]).exists()
    assert Entitlement.objects.filter(run=second).count() == second.entitlements > 0
    assert EntitlementRun.objects.get(pk=first.pk).entitlements == second.entitlements  # the record stays


def test_a_town_run_keeps_the_county_runs_rows(county, users_by_role):
    county_run = entitlements_compute(user=SYSTEM, year=YEAR)
    entitlements_compute(user=SYSTEM, year=YEAR, area_prefix=users_by_role.town_a.prefix)
    entitlements_compute(user=SYSTEM, year=YEAR - 1)
    assert Entitlement.objects.filter(run=county_run).count() == county_run.entitlements


def test_town_run_covers_its_town_only(county, users_by_role):
    town = users_by_role.town_a
    run = entitlements_compute(user=SYSTEM, year=YEAR, area_prefix=town.prefix)
    assert {h for _b, h, _m in _gaps(run)} == {"370125000001", "370125000002"}
    assert entitlement_run_latest(user=users_by_role[Role.COUNTY].owner, year=YEAR) is None
    assert entitlement_run_latest(user=users_by_role[Role.TOWN].owner, year=YEAR) == run


def test_gaps_in_the_users_scope_only(county, users_by_role):
    run = entitlements_compute(user=SYSTEM, year=YEAR)
    households = {h for _b, h, _m in _gaps(run, users_by_role[Role.VILLAGE].owner)}
    assert households == {"370125000001", "370125000002"}
    assert _gaps(run, users_by_role[Role.VILLAGE].outsider) == set()


def test_department_clerk_sees_its_departments_benefits(county, department_clerk):
    run = entitlements_compute(user=SYSTEM, year=YEAR)
    clerk = department_clerk("civil_affairs")
    assert {b for b, _h, _m in _gaps(run, clerk)} == {"B06"}
    assert [
        d["department"]
        for d in counts_by_department(gaps_for_user(user=clerk, run=run), catalogue=catalogue_in_force())
    ] == ["civil_affairs"]


def test_counts_by_village(county, users_by_role):
    run = entitlements_compute(user=SYSTEM, year=YEAR)
    counts = {c["village"]: c["n"] for c in counts_by_village(gaps_for_user(user=SYSTEM, run=run))}
    assert (
        counts[users_by_role.village_a.code]
        == Entitlement.objects.filter(run=run, household__village=users_by_role.village_a).count()
    )


def test_compute_needs_the_capability(county, users_by_role):
    with pytest.raises(PermissionDenied):
        entitlements_compute(user=users_by_role[Role.TOWN].owner, year=YEAR)


def test_compute_within_the_users_scope(county, users_by_role):
    county_user = users_by_role[Role.COUNTY].owner
    with pytest.raises(PermissionDenied):
        entitlements_compute(user=county_user, year=YEAR, area_prefix="44")
    run = entitlements_compute(user=county_user, year=YEAR)
    assert run.area_prefix == county_user.scope_prefix
    assert run.by == county_user


# --- the command (docs/LEDGER.md §5) --------------------------------------------------------------------------


def _command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("benefits", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_gaps_csv_exactly(county):
    _pay("B07", home=county["poor"], person=county["head"])
    out, _err = _command("gaps", "--year", str(YEAR))
    head, child, far = county["head"].id_number, county["child"].id_number, county["far"].id_number
    first, second = sorted([head, child])
    expected = [
        "benefit,household_no,id_number,amount",
        f"B02,370125000001,{first},280.00",
        f"B02,370125000001,{second},280.00",
        f"B02,370125000003,{far},280.00",
        f"B03,370125000001,{head},100.00",
        f"B03,370125000003,{far},100.00",
        "B06,370125000002,,160.00",
        f"B07,370125000001,{child},60.00",
        f"B07,370125000003,{far},60.00",
        "B08,370125000001,,15000.00",
    ]
    assert out.splitlines() == expected


def test_gaps_csv_to_a_file_and_area(county, tmp_path, users_by_role):
    target = tmp_path / "gaps.csv"
    _command("gaps", "--year", str(YEAR), "--area", users_by_role.other_village_a.code, "--out", str(target))
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "benefit,household_no,id_number,amount"
    assert {line.split(",")[1] for line in lines[1:]} == {"370125000003"}


def test_unentitled_csv(county):
    _pay("B06", home=county["poor"], amount="500.5")
    out, _err = _command("gaps", "--year", str(YEAR), "--unentitled")
    assert out.splitlines() == ["benefit,household_no,id_number,amount", "B06,370125000001,,500.50"]


def test_skipped_benefits_are_named_on_stderr(county):
    _out, err = _command("gaps", "--year", "2025")
    assert "未计算 B02 城乡居民医保个人缴费资助：目录中没有 2025 年的金额" in err


@pytest.mark.parametrize("args", [["--area", "999999999999"], ["--catalogue", "nosuch"], ["--out", "gaps.xlsx"]])
def test_unusable_arguments_exit_2(county, args):
    with pytest.raises(CommandError) as caught:
        _command("gaps", "--year", str(YEAR), *args)
    assert caught.value.returncode == 2


def test_a_year_without_any_benefit_exits_2(county, tmp_path, settings):
    (tmp_path / "only.toml").write_text(
        '[catalogue]\nname = "only2020"\n[departments]\nx = "某局"\n'
        '[[benefit]]\ncode = "X1"\nname = "某补贴"\ndepartment = "x"\nunit = "member"\ncovered = true\n'
        "amount = { fixed = { 2020 = 10 } }\n",
        encoding="utf-8",
    )
    settings.BENEFIT_CATALOGUE_DIRS = [str(tmp_path)]
    out, _err = _command("gaps", "--year", "2020", "--catalogue", "only2020")
    assert out.splitlines()[1].startswith("X1,370125000001,")
    with pytest.raises(CommandError) as caught:
        _command("gaps", "--year", "2021", "--catalogue", "only2020")
    assert caught.value.returncode == 2
    assert "没有 2021 年可计算的政策" in str(caught.value)


def test_catalogue_list_and_check(tmp_path):
    out, _err = _command("catalogue")
    assert "default（" in out and "B06 农村低保" in out
    bad = tmp_path / "bad.toml"
    bad.write_text('[catalogue]\nname = "bad"\n', encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        _command("catalogue", "check", str(bad))
    assert caught.value.returncode == 2
