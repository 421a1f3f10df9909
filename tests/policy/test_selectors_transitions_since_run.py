"""The run-to-now transition table without reading every household: the run's tallies, corrected for the households
changed since the run. It must say exactly what counting the whole registry says, cell by cell, with the same
households behind each cell."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Level
from jingzhun.core.scope import SYSTEM
from jingzhun.policy import selectors
from jingzhun.policy.selectors import transition_cell_for_scope, transition_counts_cached, transitions_for_scope
from jingzhun.policy.services import assessment_run
from jingzhun.policy.transitions import ABSENT
from jingzhun.registry.models import ImportBatch
from jingzhun.registry.services import household_update, member_add, member_update
from jingzhun.registry.vocab import PovertyStatus
from tests.factories import AreaFactory, MemberFactory, UserFactory
from tests.policy import builders

pytestmark = pytest.mark.django_db

STATUSES = [PovertyStatus.NOT_EXITED, PovertyStatus.EXITED, PovertyStatus.NON_POOR, PovertyStatus.RELAPSED]


def _county() -> dict[str, object]:
    """Two towns, a village each, four households of each of four statuses per village (one without members)."""
    towns = [AreaFactory(level=Level.TOWN), AreaFactory(level=Level.TOWN)]
    villages = [AreaFactory(level=Level.VILLAGE, parent=town) for town in towns]
    homes = []
    for village in villages:
        for status in STATUSES:
            for n in range(4):
                home = builders.household(status, village=village)
                for _ in range(n):
                    builders.member(home)
                builders.income(home, "3000")
                homes.append(home)
    return {"towns": towns, "villages": villages, "homes": homes}


def _prefixes(county: dict) -> list[str]:
    return ["", county["towns"][0].prefix, county["villages"][1].prefix]


def _full(run, prefix: str) -> list[dict]:
    return transitions_for_scope(from_run=run, to_run=None, area_prefix=prefix).counts


def _cells(counts: list[dict]) -> list[tuple[str, str]]:
    return [(row["from_status"], row["to_status"]) for row in counts]


def _agrees(run, prefix: str) -> None:
    since = selectors._changes_since_run(run=run, area_prefix=prefix)
    assert since is not None
    full = _full(run, prefix)
    assert since.counts == full, prefix
    for from_status, to_status in _cells(full):
        kept = transition_cell_for_scope(
            from_run=run, to_run=None, from_status=from_status, to_status=to_status, area_prefix=prefix
        )
        rows = transitions_for_scope(from_run=run, to_run=None, area_prefix=prefix).rows
        expected = sorted(no for no, f, t, _p in rows if (f, t) == (from_status, to_status))[:200]
        assert kept == expected, (prefix, from_status, to_status)


def test_without_changes_the_tallies_are_the_table():
    county = _county()
    run = assessment_run(year=2020)
    assert run.registry_marks is not None
    for prefix in _prefixes(county):
        _agrees(run, prefix)


def test_changes_made_since_the_run_are_counted_where_they_stand_now():
    county = _county()
    run = assessment_run(year=2020)
    homes = county["homes"]
    household_update(household=homes[1], changes={"poverty_status": "exited"}, user=SYSTEM, reason="脱贫")
    household_update(household=homes[6], changes={"phone": "13900000000"}, user=SYSTEM, reason="更正")  # stays put
    member = homes[3].members.first()
    member_update(member=member, changes={"status": "deceased"}, user=SYSTEM, reason="死亡")
    newborn = MemberFactory.build(household=homes[2], birth_date=dt.date(2025, 5, 1))
    member_add(
        household=homes[2],
        values={"id_number": newborn.id_number, "name": "王小", "relation": "son"},
        user=SYSTEM,
        reason="出生",
    )
    household_update(household=homes[20], changes={"poverty_status": "relapsed"}, user=SYSTEM, reason="返贫")
    newcomer = builders.household(PovertyStatus.NOT_EXITED, village=county["villages"][0])  # registered since
    builders.member(newcomer)
    for prefix in _prefixes(county):
        _agrees(run, prefix)
    moved = {(row["from_status"], row["to_status"]) for row in _full(run, "")}
    assert ("not_exited", "exited") in moved and (ABSENT, "not_exited") in moved  # the changes are in the table


def test_a_ledger_import_since_the_run_has_the_registry_read_whole():
    _county()
    run = assessment_run(year=2020)
    ImportBatch.objects.create(kind=ImportBatch.Kind.LEDGER, file_name="台账.xlsx")
    assert selectors._changes_since_run(run=run, area_prefix="") is None
    assert transition_counts_cached(from_run=run, to_run=None) == _full(run, "")


def test_more_changes_than_the_limit_have_the_registry_read_whole(monkeypatch):
    county = _county()
    run = assessment_run(year=2020)
    for home in county["homes"][:3]:
        household_update(household=home, changes={"poverty_status": "relapsed"}, user=SYSTEM, reason="返贫")
    monkeypatch.setattr(selectors, "CHANGED_MOST", 2)
    assert selectors._changes_since_run(run=run, area_prefix="") is None
    assert transition_counts_cached(from_run=run, to_run=None) == _full(run, "")


def test_a_run_without_marks_or_of_a_smaller_area_has_the_registry_read_whole():
    county = _county()
    town = county["towns"][0]
    run = assessment_run(year=2020, area_prefix=town.prefix)
    assert selectors._changes_since_run(run=run, area_prefix="") is None  # the county is more than the run saw
    assert selectors._changes_since_run(run=run, area_prefix=town.prefix) is not None
    run.registry_marks = None
    run.save(update_fields=["registry_marks"])
    assert selectors._changes_since_run(run=run, area_prefix=town.prefix) is None
    assert transition_counts_cached(from_run=run, to_run=None) == _full(run, "")


def test_the_run_page_shows_a_change_at_once(client):
    county = _county()
    run = assessment_run(year=2020)
    client.force_login(UserFactory(role=Role.COUNTY, area=county["towns"][0].parent))

    def exited_from_not_exited() -> int:
        table = client.get(f"/assessments/{run.pk}/").context["table"]
        row = next(r for r in table["rows"] if r["from"] == "not_exited")
        return next(c["n"] for c in row["cells"] if c["to"] == "exited")

    assert exited_from_not_exited() == 0
    home = county["homes"][1]
    household_update(household=home, changes={"poverty_status": "exited"}, user=SYSTEM, reason="脱贫")
    assert exited_from_not_exited() == 1
    cell = client.get(f"/assessments/{run.pk}/", {"from": "not_exited", "to": "exited"}).context["cell"]
    assert cell["households"] == [home.household_no]
