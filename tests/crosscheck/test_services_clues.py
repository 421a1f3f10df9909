"""The comparison run (upsert of clues across runs) and the clue actions: dispatch, answer, fix, open a case."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts.models import Role
from jingzhun.core.scope import SYSTEM
from jingzhun.crosscheck.models import Clue, ClueEvent, Run
from jingzhun.crosscheck.services import (
    ClueRefused,
    ClueStale,
    NoDepartmentLists,
    clue_answer,
    clue_dispatch,
    clue_fix_registry,
    clue_open_case,
    crosscheck_run,
    town_code,
)
from jingzhun.monitoring.models import MonitoringCase
from jingzhun.registry.models import ChangeRecord
from tests.crosscheck.factories_clues import AS_OF, BatchFactory, listed, member_aged
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def test_no_department_list_at_all():
    with pytest.raises(NoDepartmentLists, match="尚未导入任何部门数据"):
        crosscheck_run(user=SYSTEM, as_of=AS_OF)
    assert not Run.objects.exists()


def test_clues_across_runs_new_seen_again_cleared():
    vehicles = BatchFactory(department="vehicles")
    owner, other = member_aged(40), member_aged(40)
    listed(owner, vehicles, kind="小型轿车")
    listed(other, vehicles, kind="小型轿车")
    first = crosscheck_run(user=SYSTEM, as_of=AS_OF)
    clues = Clue.objects.filter(rule="X06")
    assert {c.member_id for c in clues} == {owner.pk, other.pk}
    assert {(c.state, c.first_run_id, c.last_run_id) for c in clues} == {("new", first.pk, first.pk)}
    assert first.summary["rules"]["X06"] == {
        "department": "vehicles",
        "batch": vehicles.pk,
        "skipped": "",
        "raised": 2,
        "new": 2,
        "still_open": 0,
        "settled": 0,
        "cleared": 0,
    }
    assert first.summary["rules"]["X01"]["skipped"] == "教体尚未导入名单，本规则未比对"
    assert ClueEvent.objects.filter(action="raised").count() == 2

    # A newer list without the other member's car: owner's clue is seen again, other's is cleared.
    newer = BatchFactory(department="vehicles")
    listed(owner, newer, kind="小型轿车")
    second = crosscheck_run(user=SYSTEM, as_of=AS_OF)
    kept = Clue.objects.get(member=owner)
    assert (kept.state, kept.first_run_id, kept.last_run_id, kept.batch_id) == ("new", first.pk, second.pk, newer.pk)
    gone = Clue.objects.get(member=other)
    assert gone.state == "cleared" and gone.version == 2
    assert list(gone.events.values_list("action", flat=True)) == ["raised", "cleared"]
    assert second.summary["rules"]["X06"]["still_open"] == 1
    assert second.summary["rules"]["X06"]["cleared"] == 1
    assert second.summary["rules"]["X06"]["new"] == 0
    assert second.batches == {"vehicles": newer.pk}

    # Running again changes nothing but the last run.
    third = crosscheck_run(user=SYSTEM, as_of=AS_OF)
    assert Clue.objects.count() == 2
    assert Clue.objects.get(member=owner).last_run_id == third.pk

    # The car comes back: a new clue (the cleared one stays cleared).
    listed(other, BatchFactory(department="vehicles"), kind="中型客车")
    crosscheck_run(user=SYSTEM, as_of=AS_OF)
    assert Clue.objects.filter(member=other).count() == 2
    assert Clue.objects.filter(member=other, state="new").count() == 1


def test_skipped_rules_and_other_areas_keep_their_clues():
    vehicles = BatchFactory(department="vehicles")
    here, there = member_aged(40), member_aged(40)
    listed(here, vehicles, kind="小型轿车")
    listed(there, vehicles, kind="小型轿车")
    crosscheck_run(user=SYSTEM, as_of=AS_OF)
    # A comparison of one town only, with a newer empty list: the other town's clue is left alone.
    BatchFactory(department="vehicles")
    crosscheck_run(user=SYSTEM, as_of=AS_OF, area_prefix=here.household.village_id[:9])
    assert Clue.objects.get(member=here).state == "cleared"
    assert Clue.objects.get(member=there).state == "new"


def test_an_explained_clue_is_not_raised_again_while_the_values_stay():
    vehicles = BatchFactory(department="vehicles")
    owner = member_aged(40)
    county = _county_user(owner)
    listed(owner, vehicles, kind="小型轿车", text1="鲁A1")
    crosscheck_run(user=SYSTEM, as_of=AS_OF)
    clue = Clue.objects.get()
    clue_answer(clue_id=clue.pk, user=county, answer="explained", note="车辆已过户", expected_version=1)
    run = crosscheck_run(user=SYSTEM, as_of=AS_OF)
    assert Clue.objects.count() == 1
    assert run.summary["rules"]["X06"]["settled"] == 1
    listed(owner, BatchFactory(department="vehicles"), kind="小型轿车", text1="鲁A2")
    crosscheck_run(user=SYSTEM, as_of=AS_OF)
    assert Clue.objects.filter(state="new").count() == 1


def test_a_county_user_runs_in_their_own_area_only(users_by_role):
    with pytest.raises(PermissionDenied):
        crosscheck_run(as_of=AS_OF, user=users_by_role[Role.TOWN].owner)
    BatchFactory(department="payroll")
    county = users_by_role[Role.COUNTY].owner
    with pytest.raises(PermissionDenied):
        crosscheck_run(as_of=AS_OF, user=county, area_prefix=users_by_role.county_b.prefix)
    run = crosscheck_run(as_of=AS_OF, user=county)
    assert run.summary["area_prefix"] == county.scope_prefix
    assert run.user == county


# --- the clue actions ------------------------------------------------------------------------------------------


def _county_user(member):
    from jingzhun.areas.models import Level
    from tests.factories import UserFactory, sample_area

    return UserFactory(username="county-clerk", role=Role.COUNTY, area=sample_area(Level.COUNTY))


def _town_user(member, name="town-clerk"):
    from tests.factories import UserFactory

    return UserFactory(username=name, role=Role.TOWN, area=member.household.village.parent)


def _vehicle_clue():
    owner = member_aged(40)
    listed(owner, BatchFactory(department="vehicles"), kind="小型轿车")
    crosscheck_run(user=SYSTEM, as_of=AS_OF)
    return owner, Clue.objects.get(member=owner)


def test_dispatch_to_the_town_then_the_town_answers():
    owner, clue = _vehicle_clue()
    county, town = _county_user(owner), _town_user(owner)
    with pytest.raises(PermissionDenied):
        clue_dispatch(clue_id=clue.pk, user=town, expected_version=1)
    with pytest.raises(PermissionDenied, match="乡镇用户暂不能反馈"):
        clue_answer(clue_id=clue.pk, user=town, answer="explained", note="x", expected_version=1)
    clue = clue_dispatch(clue_id=clue.pk, user=county, expected_version=1)
    assert clue.state == "dispatched" and clue.version == 2
    assert clue.dispatched_to == town_code(owner.household.village_id) == owner.household.village.parent_id
    with pytest.raises(ClueStale):
        clue_answer(clue_id=clue.pk, user=town, answer="explained", note="车已卖", expected_version=1)
    with pytest.raises(ClueRefused, match="说明"):
        clue_answer(clue_id=clue.pk, user=town, answer="explained", note="  ", expected_version=2)
    with pytest.raises(ClueRefused, match="核实结果"):
        clue_answer(clue_id=clue.pk, user=town, answer="maybe", note="x", expected_version=2)
    clue = clue_answer(clue_id=clue.pk, user=town, answer="explained", note="车辆为亲属借用", expected_version=2)
    assert (clue.state, clue.answer, clue.answered_by) == ("explained", "车辆为亲属借用", town)
    assert list(clue.events.values_list("action", flat=True)) == ["raised", "dispatched", "answered"]
    with pytest.raises(ClueRefused, match="不能再反馈"):
        clue_answer(clue_id=clue.pk, user=county, answer="wrong", note="x", expected_version=3)
    with pytest.raises(ClueRefused, match="只有待分派"):
        clue_dispatch(clue_id=clue.pk, user=county, expected_version=3)


def test_users_of_another_area_are_refused(users_by_role):
    owner, clue = _vehicle_clue()
    for role in (Role.COUNTY, Role.TOWN):
        with pytest.raises(PermissionDenied, match="不在您的管辖区域"):
            clue_answer(
                clue_id=clue.pk, user=users_by_role[role].outsider, answer="wrong", note="x", expected_version=1
            )
    for role in (Role.VILLAGE, Role.HELPER, Role.INSPECTOR):
        with pytest.raises(PermissionDenied):
            clue_answer(clue_id=clue.pk, user=users_by_role[role].owner, answer="wrong", note="x", expected_version=1)
    other_town = _town_user(member_aged(40), name="other-town")
    clue_dispatch(clue_id=clue.pk, user=_county_user(owner), expected_version=1)
    with pytest.raises(PermissionDenied):
        clue_answer(clue_id=clue.pk, user=other_town, answer="wrong", note="x", expected_version=2)


def _answer_fixed(clue, user):
    return clue_answer(clue_id=clue.pk, user=user, answer="fixed", note="已核实属实", expected_version=clue.version)


def test_fix_a_death_in_the_registry():
    person = member_aged(70)
    listed(person, BatchFactory(department="deaths"), date1=AS_OF)
    crosscheck_run(user=SYSTEM, as_of=AS_OF)
    county, clue = _county_user(person), Clue.objects.get(member=person)
    with pytest.raises(ClueRefused, match="属实已整改"):
        clue_fix_registry(clue_id=clue.pk, user=county)
    _answer_fixed(clue, county)
    done = clue_fix_registry(clue_id=clue.pk, user=county)
    assert done == {"member": {"status": ["active", "deceased"]}, "household": {}}
    person.refresh_from_db()
    assert person.status == "deceased"
    record = ChangeRecord.objects.get(entity="member", field="status")
    assert record.entity_key == f"{person.household.household_no}/{person.id_number}"
    assert (record.old_value, record.new_value, record.changed_by) == ("active", "deceased", county)
    assert clue.events.filter(action="registry_fixed").exists()
    with pytest.raises(ClueRefused, match="已按此线索更新过"):
        clue_fix_registry(clue_id=clue.pk, user=county)


@pytest.mark.parametrize(
    ("department", "member_fields", "columns", "field", "expected"),
    [
        ("medical_insurance", {"medical_insurance": "none"}, {"kind": "居民医保"}, "medical_insurance", "resident"),
        ("disability", {"health": "healthy"}, {"grade": "二级", "flag1": True}, "health", "disabled"),
        (
            "human_resources",
            {"work_status": "in_county"},
            {"flag1": True, "flag2": False},
            "work_status",
            "not_working",
        ),
        (
            "education",
            {"school_status": "dropped_out"},
            {"status": "在读", "text2": "初中二年级"},
            "school_status",
            "junior",
        ),
    ],
)
def test_fix_member_fields(department, member_fields, columns, field, expected):
    person = member_aged(12 if department == "education" else 40, **member_fields)
    listed(person, BatchFactory(department=department), **columns)
    crosscheck_run(user=SYSTEM, as_of=AS_OF)
    county = _county_user(person)
    clue = Clue.objects.filter(member=person).exclude(variant__in=("missing", "pension")).get()
    _answer_fixed(clue, county)
    clue_fix_registry(clue_id=clue.pk, user=county)
    person.refresh_from_db()
    assert getattr(person, field) == expected


def test_fix_household_attribute_and_housing_grade():
    home = HouseholdFactory(attribute="dibao_tekun", housing_grade="A")
    head = member_aged(60, household=home)
    listed(head, BatchFactory(department="civil_affairs"), kind="特困")
    listed(head, BatchFactory(department="housing"), grade="D")
    crosscheck_run(user=SYSTEM, as_of=AS_OF)
    county = _county_user(head)
    for clue in Clue.objects.filter(household=home):
        _answer_fixed(clue, county)
        clue_fix_registry(clue_id=clue.pk, user=county)
    home.refresh_from_db()
    assert (home.attribute, home.housing_grade) == ("tekun", "D")
    assert set(ChangeRecord.objects.filter(entity="household").values_list("field", "old_value", "new_value")) == {
        ("attribute", "dibao_tekun", "tekun"),
        ("housing_grade", "A", "D"),
    }


def test_fix_is_refused_where_it_makes_no_sense():
    owner, clue = _vehicle_clue()
    county = _county_user(owner)
    _answer_fixed(clue, county)
    with pytest.raises(ClueRefused, match="识别条件"):
        clue_fix_registry(clue_id=clue.pk, user=county)
    assert not ChangeRecord.objects.exists()


def test_open_a_monitoring_case_from_a_confirmed_clue():
    owner, clue = _vehicle_clue()
    county = _county_user(owner)
    with pytest.raises(ClueRefused, match="核实属实"):
        clue_open_case(clue_id=clue.pk, user=county)
    _answer_fixed(clue, county)
    with pytest.raises(PermissionDenied):
        clue_open_case(clue_id=clue.pk, user=_town_user(owner))
    opened = clue_open_case(clue_id=clue.pk, user=county)
    case = MonitoringCase.objects.get()
    assert opened.case == case and case.channel == "department_warning"
    assert case.discoveries.get().source_ref == f"clue:{clue.pk}"
    assert clue.events.filter(action="case_opened").exists()
    with pytest.raises(ClueRefused, match="已按此线索纳入"):
        clue_open_case(clue_id=clue.pk, user=county)


def test_open_case_passes_on_the_refusal_for_a_household_under_assistance():
    owner = member_aged(40, household=HouseholdFactory(poverty_status="not_exited"))
    listed(owner, BatchFactory(department="vehicles"), kind="小型轿车")
    crosscheck_run(user=SYSTEM, as_of=AS_OF)
    clue = Clue.objects.get()
    county = _county_user(owner)
    _answer_fixed(clue, county)
    with pytest.raises(ClueRefused, match="不作为防返贫监测对象"):
        clue_open_case(clue_id=clue.pk, user=county)
    assert not MonitoringCase.objects.exists()
