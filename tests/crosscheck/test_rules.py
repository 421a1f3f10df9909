"""The clue rules of docs/RULES.md §8, each on both sides of its boundary (the rules part alone: matches are made
directly, the matching engine is not run)."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.crosscheck.rules import clues_find, clues_found_drop, clues_found_rows
from jingzhun.policy.packs import pack_get
from tests.crosscheck.factories_clues import AS_OF, BatchFactory, born_aged, listed, member_aged, unmatched
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db


def find(*batches, as_of: dt.date = AS_OF, area_prefix: str = "") -> list[dict]:
    try:
        clues_find(
            as_of=as_of,
            rules=pack_get().crosscheck_rules(),
            batches={batch.department: batch for batch in batches},
            area_prefix=area_prefix,
        )
        return clues_found_rows()
    finally:
        clues_found_drop()


def keys(rows: list[dict], rule: str | None = None) -> set[tuple[str, str, int | None]]:
    """(rule, variant, member id or household id) of the clues found."""
    return {
        (r["rule"], r["variant"], r["member_id"] if r["member_id"] is not None else r["household_id"])
        for r in rows
        if rule is None or r["rule"] == rule
    }


# --- X01 education ---------------------------------------------------------------------------------------------


def test_x01_in_school_without_a_roll_between_6_and_15():
    batch = BatchFactory(department="education")
    members = {age: member_aged(age, school_status="primary") for age in (5, 6, 15, 16)}
    tomorrow = MemberFactory(birth_date=born_aged(6, days_before_birthday=1), school_status="primary")
    rows = find(batch)
    assert keys(rows, "X01") == {("X01", "missing_roll", members[6].pk), ("X01", "missing_roll", members[15].pk)}
    assert tomorrow.pk not in {r["member_id"] for r in rows}  # 5 until tomorrow
    clue = next(r for r in rows if r["member_id"] == members[6].pk)
    assert clue["detail"] == f"{members[6].name}（6 岁）台账在校生状况为小学，教体学籍名单中无在读或休学记录"
    assert clue["registry_value"] == "小学"
    assert clue["id_number"] == members[6].id_number
    assert clue["fingerprint"] == f"X01:missing_roll:{members[6].pk}"
    assert clue["row_id"] is None and clue["batch_id"] == batch.pk


@pytest.mark.parametrize(("status", "raised"), [("在读", False), ("休学", False), ("毕业", True), ("辍学", True)])
def test_x01_a_roll_in_school_or_suspended_is_enough(status, raised):
    batch = BatchFactory(department="education")
    child = member_aged(10, school_status="junior")
    listed(child, batch, status=status)
    assert (("X01", "missing_roll", child.pk) in keys(find(batch))) is raised


@pytest.mark.parametrize(
    ("school_status", "status", "age", "raised"),
    [
        ("dropped_out", "在读", 12, True),
        ("not_in_school", "在读", 6, True),
        ("dropped_out", "休学", 12, False),
        ("dropped_out", "在读", 16, False),
        ("dropped_out", "在读", 5, False),
        ("home_schooled", "在读", 12, False),
    ],
)
def test_x01_out_of_school_but_attending(school_status, status, age, raised):
    batch = BatchFactory(department="education")
    child = member_aged(age, school_status=school_status)
    row = listed(child, batch, status=status, text1="第一中学", text2="初二")
    rows = find(batch)
    assert (("X01", "attending", child.pk) in keys(rows)) is raised
    if raised:
        clue = next(r for r in rows if r["variant"] == "attending")
        assert clue["row_id"] == row.pk
        assert clue["department_value"] == "学籍状态在读（第一中学初二）"


# --- X02 medical insurance -------------------------------------------------------------------------------------


def test_x02_each_direction():
    batch = BatchFactory(department="medical_insurance")
    absent = member_aged(40, medical_insurance="resident")
    insured = member_aged(40, medical_insurance="resident")
    listed(insured, batch, kind="居民医保")
    uninsured = member_aged(40, medical_insurance="none")
    listed(uninsured, batch, kind="职工医保")
    rows = find(batch)
    assert keys(rows, "X02") == {("X02", "missing", absent.pk), ("X02", "uninsured", uninsured.pk)}
    clue = next(r for r in rows if r["variant"] == "uninsured")
    assert (clue["registry_value"], clue["department_value"]) == ("未参保", "职工医保")


# --- X03 disabled persons' federation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("health", "grade", "care", "expected"),
    [
        ("healthy", "三级", True, {"not_disabled"}),
        ("", "三级", None, {"not_disabled"}),
        ("disabled", "三级", False, set()),
        ("disabled", "一级", False, {"care_subsidy"}),
        ("disabled", "二级", False, {"care_subsidy"}),
        ("disabled", "二级", True, set()),
        ("disabled", "二级", None, set()),
        ("chronic", "一级", False, {"not_disabled", "care_subsidy"}),
    ],
)
def test_x03(health, grade, care, expected):
    batch = BatchFactory(department="disability")
    person = member_aged(50, health=health, disability_grade="1" if health == "disabled" else "")
    listed(person, batch, grade=grade, kind="肢体", flag1=care)
    assert {variant for _, variant, _ in keys(find(batch), "X03")} == expected


# --- X04 civil affairs (household clues) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "kind", "ends", "expected"),
    [
        ("dibao", "低保", None, set()),
        ("dibao", "低保", AS_OF + dt.timedelta(days=1), set()),
        ("dibao", "低保", AS_OF, {"dibao_missing"}),
        ("dibao", "低保", AS_OF - dt.timedelta(days=30), {"dibao_missing"}),
        ("dibao", None, None, {"dibao_missing"}),
        ("general", "低保", None, {"dibao_extra"}),
        ("general", "低保", AS_OF - dt.timedelta(days=1), set()),
        ("tekun", "特困", None, set()),
        ("tekun", "低保", None, {"tekun_missing", "dibao_extra"}),
        ("dibao_tekun", "低保", None, {"tekun_missing"}),
        ("dibao", "特困", None, {"dibao_missing", "tekun_extra"}),
        ("general", None, None, set()),
    ],
)
def test_x04(attribute, kind, ends, expected):
    batch = BatchFactory(department="civil_affairs")
    home = HouseholdFactory(attribute=attribute)
    head = member_aged(60, household=home)
    member_aged(30, household=home, relation="son")
    if kind:
        listed(head, batch, kind=kind, date1=dt.date(2020, 1, 1), date2=ends)
    rows = find(batch)
    assert {variant for _, variant, _ in keys(rows, "X04")} == expected
    for clue in rows:
        assert clue["member_id"] is None and clue["id_number"] == ""
        assert clue["fingerprint"] == f"X04:{clue['variant']}:h{home.pk}"


def test_x04_a_row_of_an_inactive_member_does_not_count():
    batch = BatchFactory(department="civil_affairs")
    home = HouseholdFactory(attribute="dibao")
    member_aged(60, household=home)
    gone = member_aged(80, household=home, relation="father", status="deceased")
    listed(gone, batch, kind="低保")
    assert keys(find(batch)) == {("X04", "dibao_missing", home.pk)}


# --- X05 deaths --------------------------------------------------------------------------------------------------


def test_x05_a_listed_death_of_an_active_member():
    batch = BatchFactory(department="deaths")
    alive = member_aged(70)
    listed(alive, batch, date1=AS_OF - dt.timedelta(days=3))
    recorded = member_aged(70, status="deceased")
    listed(recorded, batch, date1=AS_OF - dt.timedelta(days=3))
    later = member_aged(70)
    listed(later, batch, date1=AS_OF + dt.timedelta(days=1))
    rows = find(batch)
    assert keys(rows) == {("X05", "", alive.pk)}
    assert rows[0]["department_value"] == f"死亡日期 {AS_OF - dt.timedelta(days=3):%Y-%m-%d}"
    assert rows[0]["fingerprint"] == f"X05::{alive.pk}"


# --- X06–X09: listed at all --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raised"),
    [
        ("小型轿车", True),
        ("重型货车", True),
        ("轻型货车", True),
        ("摩托车", False),
        ("低速货车", False),
        ("拖拉机", False),
    ],
)
def test_x06_vehicle_types(kind, raised):
    batch = BatchFactory(department="vehicles")
    owner = member_aged(40)
    listed(owner, batch, kind=kind, text1="鲁A00001")
    assert (("X06", "", owner.pk) in keys(find(batch))) is raised


def test_x06_two_cars_are_one_clue_traced_to_the_first_row():
    batch = BatchFactory(department="vehicles")
    owner = member_aged(40)
    first = listed(owner, batch, kind="小型轿车", text1="鲁A00001")
    listed(owner, batch, kind="中型客车", text1="鲁A00002")
    rows = find(batch)
    assert len(rows) == 1
    assert rows[0]["row_id"] == first.pk
    assert rows[0]["department_value"] == "小型轿车 鲁A00001"


@pytest.mark.parametrize(
    ("department", "kind", "raised"),
    [
        ("businesses", "法定代表人", True),
        ("businesses", "股东", True),
        ("real_estate", "住宅", True),
        ("real_estate", "商住", True),
        ("real_estate", "工业", False),
        ("real_estate", "农用地", False),
        ("payroll", "", True),
    ],
)
def test_x07_x08_x09(department, kind, raised):
    rule = {"businesses": "X07", "real_estate": "X08", "payroll": "X09"}[department]
    batch = BatchFactory(department=department)
    person = member_aged(45)
    listed(person, batch, kind=kind, text1="某单位")
    assert ((rule, "", person.pk) in keys(find(batch))) is raised


# --- X10 housing (household clues) --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registry", "department", "expected"),
    [
        ("A", "C", {"unsafe"}),
        ("B", "D", {"unsafe"}),
        ("A", "B", set()),
        ("C", "D", set()),
        ("C", "A", {"safe"}),
        ("D", "B", {"safe"}),
        ("", "D", set()),
    ],
)
def test_x10(registry, department, expected):
    batch = BatchFactory(department="housing")
    home = HouseholdFactory(housing_grade=registry)
    listed(member_aged(50, household=home), batch, grade=department, date1=dt.date(2025, 5, 1))
    assert {variant for _, variant, _ in keys(find(batch), "X10")} == expected


def test_x10_the_latest_appraisal_of_any_member_counts():
    batch = BatchFactory(department="housing")
    home = HouseholdFactory(housing_grade="A")
    head = member_aged(50, household=home)
    wife = member_aged(48, household=home, relation="spouse")
    listed(head, batch, grade="D", date1=dt.date(2023, 1, 1))
    listed(wife, batch, grade="B", date1=dt.date(2025, 1, 1))
    assert find(batch) == []
    listed(head, batch, grade="C", date1=dt.date(2025, 6, 1))
    assert keys(find(batch)) == {("X10", "unsafe", home.pk)}


# --- X11 human resources -----------------------------------------------------------------------------------------


def test_x11_pension_between_16_and_59_without_a_row():
    batch = BatchFactory(department="human_resources")
    members = {age: member_aged(age) for age in (15, 16, 59, 60)}
    assert keys(find(batch), "X11") == {("X11", "pension", members[16].pk), ("X11", "pension", members[59].pk)}


@pytest.mark.parametrize(
    ("pension", "work", "employed", "expected"),
    [
        (True, "in_county", True, set()),
        (False, "in_county", True, {"pension"}),
        (None, "in_county", True, set()),
        (True, "out_of_province", False, {"employed"}),
        (True, "public_welfare", False, {"employed"}),
        (True, "not_working", True, {"unemployed"}),
        (True, "not_working", False, set()),
        (True, "", False, set()),
        (False, "not_working", True, {"pension", "unemployed"}),
    ],
)
def test_x11_listed(pension, work, employed, expected):
    batch = BatchFactory(department="human_resources")
    person = member_aged(35, work_status=work)
    listed(person, batch, flag1=pension, flag2=employed, text1="某公司")
    assert {variant for _, variant, _ in keys(find(batch), "X11")} == expected


def test_x11_pension_yes_on_another_row_wins():
    batch = BatchFactory(department="human_resources")
    person = member_aged(35, work_status="in_county")
    listed(person, batch, flag1=False, flag2=True)
    listed(person, batch, flag1=True, flag2=True)
    assert find(batch) == []


# --- X12 internal --------------------------------------------------------------------------------------------------


def test_x12_the_same_id_number_active_in_two_households():
    one = member_aged(30)
    twin = MemberFactory(id_number=one.id_number, birth_date=one.birth_date, sex=one.sex)
    moved = MemberFactory(id_number=member_aged(31).id_number, status="moved_out")
    rows = find()
    assert keys(rows) == {("X12", "", one.pk), ("X12", "", twin.pk)}
    clue = next(r for r in rows if r["member_id"] == one.pk)
    assert twin.household.household_no in clue["department_value"]
    assert clue["department"] == "internal" and clue["batch_id"] is None
    assert moved.pk not in {r["member_id"] for r in rows}


# --- what never raises anything --------------------------------------------------------------------------------------


def test_inactive_members_raise_nothing():
    batches = [BatchFactory(department=d) for d in ("deaths", "vehicles", "payroll", "education", "human_resources")]
    for status in ("deceased", "moved_out"):
        person = member_aged(12, status=status, school_status="junior")
        for batch in batches:
            listed(person, batch, kind="小型轿车", date1=AS_OF, status="在读", flag1=False, flag2=True)
    assert find(*batches) == []


def test_unmatched_and_unaccepted_rows_raise_nothing():
    vehicles = BatchFactory(department="vehicles")
    person = member_aged(40)
    unmatched(vehicles, kind="小型轿车", name=person.name)
    for state in ("review", "rejected"):
        listed(member_aged(41), vehicles, state=state, kind="小型轿车")
    assert find(vehicles) == []


def test_a_department_without_a_batch_skips_its_rule():
    rules = pack_get().crosscheck_rules()
    try:
        outcome = clues_find(as_of=AS_OF, rules=rules, batches={})
    finally:
        clues_found_drop()
    assert set(outcome.skipped) == {f"X{n:02d}" for n in range(1, 12)}
    assert "教体" in outcome.skipped["X01"]
    assert outcome.found == {"X12": 0}


def test_the_area_prefix_limits_the_households():
    batch = BatchFactory(department="vehicles")
    inside, outside = member_aged(40), member_aged(40)
    for person in (inside, outside):
        listed(person, batch, kind="小型轿车")
    prefix = inside.household.village_id[:9]
    assert keys(find(batch, area_prefix=prefix)) == {("X06", "", inside.pk)}


def test_a_town_list_speaks_for_its_town_only():
    inside, _outside = member_aged(40), member_aged(40)
    batch = BatchFactory(department="medical_insurance", area_prefix=inside.household.village_id[:9])
    assert keys(find(batch)) == {("X02", "missing", inside.pk)}
