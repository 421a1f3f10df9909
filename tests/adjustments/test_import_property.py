"""Whatever a file says, the import never half-writes a household: each household of the file ends either exactly as
it was, or with every one of its decisions applied (a case per row)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingzhun.adjustments.models import AdjustmentCase
from jingzhun.adjustments.services import decisions_import
from jingzhun.core.scope import SYSTEM
from jingzhun.registry.models import Household, Member
from tests.factories import HouseholdFactory, MemberFactory

from .decision_files import decision, new_id, write

pytestmark = pytest.mark.django_db
STATUSES = ["not_exited", "exited", "exited_no_policy", "relapsed", "pre_exit", "non_poor"]
KINDS = ["脱贫", "返贫", "新识别", "转为不再享受政策", "转为享受政策", "错评清退", "增加成员", "减少成员"]
_files = itertools.count()


def _state(household: Household) -> tuple[object, ...]:
    household.refresh_from_db()
    members = sorted(Member.objects.filter(household=household).values_list("id_number", "status"))
    return household.poverty_status, household.year_exited, tuple(members)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    statuses=st.lists(st.sampled_from(STATUSES), min_size=1, max_size=3),
    plan=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(KINDS), st.booleans()),
        min_size=1,
        max_size=6,
    ),
)
def test_a_household_is_applied_whole_or_not_at_all(tmp_path, users_by_role, statuses, plan):
    n = next(_files)
    homes = [HouseholdFactory(village=users_by_role.village_a, poverty_status=s) for s in statuses]
    members = {home.pk: MemberFactory(household=home, relation="spouse") for home in homes}
    rows = []
    for index, (which, kind, sound) in enumerate(plan):
        home = homes[which % len(homes)]
        cells: dict[str, str] = {"决定文号": f"文{n}-{index}", "覆盖理由": "核实"}
        if kind == "增加成员":
            cells |= {"证件号码": new_id(sequence=(n * 7 + index) % 1000), "姓名": "新生儿", "与户主关系": "之子"}
        elif kind == "减少成员":
            cells |= {"证件号码": members[home.pk].id_number if sound else new_id(sequence=999), "成员状态": "死亡"}
        rows.append((home, decision(home, kind, **cells)))
    before = {home.pk: _state(home) for home in homes}
    cases_before = {home.pk: AdjustmentCase.objects.filter(household=home).count() for home in homes}
    decisions_import(path=write(tmp_path / f"决定{n}.csv", [row for _, row in rows]), user=SYSTEM)
    for home in homes:
        written = AdjustmentCase.objects.filter(household=home).count() - cases_before[home.pk]
        own = sum(1 for h, _ in rows if h.pk == home.pk)
        assert written in (0, own)
        if written == 0:
            assert _state(home) == before[home.pk]
