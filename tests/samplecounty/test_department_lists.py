"""Department lists with ground truth for the crosscheck benchmark: determinism, LEDGER §2 layouts, labelled
faults, and a truth that follows from the files written."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path

import opencc
import pytest
from django.core.management import CommandError, call_command
from pypinyin import Style, lazy_pinyin

from jingzhun.core.idnumber import CheckCharacterError, InvalidIdNumber, parse
from jingzhun.crosscheck.departments import columns_for
from jingzhun.samplecounty import generate
from jingzhun.samplecounty.department_lists import (
    DEPARTMENTS,
    FAULT_KINDS,
    MISSING,
    OUTSIDER,
    department_lists,
    read_members,
    reference_clues,
)

AS_OF = dt.date(2020, 12, 31)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("county") / "county.csv"
    generate(households=2000, seed=3, out=path)
    return path


@pytest.fixture(scope="module")
def lists(ledger, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lists")
    department_lists(ledger, out, 3, fault_rate=0.3)
    return out


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def _links(out: Path) -> list[dict[str, str]]:
    with (out / "truth" / "links.csv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_the_same_seed_gives_identical_files(ledger, lists, tmp_path):
    department_lists(ledger, tmp_path, 3, fault_rate=0.3)
    for path in sorted(lists.rglob("*.csv")):
        assert (tmp_path / path.relative_to(lists)).read_bytes() == path.read_bytes(), path.name


def test_another_seed_gives_other_lists(ledger, lists, tmp_path):
    department_lists(ledger, tmp_path, 4, fault_rate=0.3, departments=["vehicles"])
    assert (tmp_path / "vehicles.csv").read_bytes() != (lists / "vehicles.csv").read_bytes()


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_layout_is_that_of_ledger_section_2_and_every_cell_parses(lists, department):
    header, *rows = _read(lists / f"{department}.csv")
    columns = columns_for(department)
    assert header == [c.header for c in columns]
    assert rows
    for row in rows:
        for column, cell in zip(columns[2:], row[2:], strict=True):
            column.parse(cell)  # raises CellError on a value the import would refuse


def test_every_fault_kind_is_present_and_labelled_truthfully(ledger, lists):
    people = {p.id_number: p for p in read_members(ledger)}
    to_traditional = opencc.OpenCC("s2t").convert
    kinds: Counter[str] = Counter()
    for department in DEPARTMENTS:
        _, *rows = _read(lists / f"{department}.csv")
        for link in _links(lists):
            if link["department"] != department:
                continue
            if not link["row_no"]:
                kinds[link["fault"]] += 1
                continue
            name, number = rows[int(link["row_no"]) - 2][:2]
            kind = link["fault"]
            kinds[kind] += 1
            if kind == OUTSIDER:
                assert not link["true_id_number"]
                assert parse(number, today=AS_OF).number == number and number not in people
                continue
            truth = people[link["true_id_number"]]
            parts = set(kind.split("+")) if kind else set()
            expected_name = truth.name
            if "traditional" in parts:
                expected_name = to_traditional(truth.name)
                assert expected_name != truth.name
            if "homophone" in parts:
                assert len(name) == len(truth.name) and name[0] == truth.name[0]
                changed = [i for i in range(len(name)) if name[i] != truth.name[i]]
                assert len(changed) == 1
                assert lazy_pinyin(name, style=Style.NORMAL) == lazy_pinyin(truth.name, style=Style.NORMAL)
            else:
                assert name == expected_name
            _check_number(parts, number, truth.id_number, people)
    assert set(kinds) >= {*FAULT_KINDS, OUTSIDER, MISSING, ""}


def _check_number(parts: set[str], number: str, true: str, people: dict) -> None:
    if "blank_id" in parts:
        assert number == ""
        return
    wrong = parts & {"id_digit", "id_digit_valid", "id_swap"}
    if not wrong:
        assert number == true
        return
    assert number != true and number not in people
    differs = [i for i in range(17) if number[i] != true[i]]
    if "id_swap" in wrong:
        assert len(differs) == 2 and differs[1] == differs[0] + 1
        assert number[differs[0]] == true[differs[1]] and number[differs[1]] == true[differs[0]]
        return
    assert len(differs) == 1
    if "id_digit" in wrong:
        assert number[17] == true[17]
        with pytest.raises(InvalidIdNumber):
            parse(number, today=AS_OF)
    else:
        assert parse(number, today=AS_OF).number == number


def test_a_mistyped_digit_leaves_a_wrong_check_character_unless_it_lands_in_the_date(lists):
    errors = []
    for department in DEPARTMENTS:
        _, *rows = _read(lists / f"{department}.csv")
        for link in _links(lists):
            if link["department"] == department and link["fault"] == "id_digit":
                try:
                    parse(rows[int(link["row_no"]) - 2][1], today=AS_OF)
                except InvalidIdNumber as exc:
                    errors.append(isinstance(exc, CheckCharacterError))
    assert errors and sum(errors) / len(errors) > 0.7


def test_links_cover_every_row_once_and_missing_people_are_not_listed(lists):
    links = _links(lists)
    for department in DEPARTMENTS:
        _, *rows = _read(lists / f"{department}.csv")
        mine = [link for link in links if link["department"] == department]
        numbered = sorted(int(link["row_no"]) for link in mine if link["row_no"])
        assert numbered == list(range(2, len(rows) + 2))
        listed = {link["true_id_number"] for link in mine if link["row_no"]}
        for link in mine:
            if not link["row_no"]:
                assert link["fault"] == MISSING and link["true_id_number"] not in listed


def test_truth_clues_follow_from_the_written_lists(ledger, lists):
    """Read the lists back, link each row by its truth, apply the reference rules: the same clues."""
    people = read_members(ledger)
    index = {p.id_number: i for i, p in enumerate(people)}
    listed: dict[str, dict[int, list[tuple[str, ...]]]] = {}
    links = _links(lists)
    for department in DEPARTMENTS:
        _, *rows = _read(lists / f"{department}.csv")
        by_member: dict[int, list[tuple[str, ...]]] = defaultdict(list)
        for link in links:
            if link["department"] == department and link["true_id_number"] and link["row_no"]:
                by_member[index[link["true_id_number"]]].append(tuple(rows[int(link["row_no"]) - 2][2:]))
        listed[department] = by_member
    with (lists / "truth" / "clues.csv").open(encoding="utf-8", newline="") as stream:
        written = [tuple(row) for row in list(csv.reader(stream))[1:]]
    assert reference_clues(people, listed, AS_OF) == written
    rules = {clue[0] for clue in written}
    assert rules == {f"X{n:02d}" for n in range(1, 12)}  # every rule but X12 (the ledger has no shared IDs)
    active = {p.id_number for p in people if p.active}
    assert all(clue[4] in active for clue in written if clue[4])


def test_rows_per_list_gives_exact_sizes_with_the_outsider_share(ledger, tmp_path):
    summary = department_lists(ledger, tmp_path, 3, rows_per_list=1000, departments=["payroll", "housing"])
    assert summary.rows == {"payroll": 1000, "housing": 1000}
    for department in ("payroll", "housing"):
        _, *rows = _read(tmp_path / f"{department}.csv")
        assert len(rows) == 1000
        assert summary.faults[department][OUTSIDER] == 50


def test_generate_command_writes_the_lists_beside_the_ledger(tmp_path):
    call_command(
        "generate",
        households=200,
        seed=2,
        out=tmp_path / "county.csv",
        departments=tmp_path / "lists",
        department_keys="vehicles,deaths",
        verbosity=0,
    )
    assert sorted(p.name for p in (tmp_path / "lists").glob("*.csv")) == ["deaths.csv", "vehicles.csv"]
    assert (tmp_path / "lists" / "truth" / "clues.csv").exists()


def test_generate_command_refuses_departments_from_a_dirty_ledger(tmp_path):
    with pytest.raises(CommandError, match="--dirty"):
        call_command(
            "generate", households=10, out=tmp_path / "c.csv", dirty=True, departments=tmp_path / "l", verbosity=0
        )
