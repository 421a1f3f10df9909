"""Seeding helpers, pairings and visits in bulk: set-based, in scope, and idempotent (the demo runs them twice)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.assistance import services
from jingzhun.assistance.models import AssistanceChange, Helper, HelperKind, Pairing, Visit
from jingzhun.core.scope import SYSTEM
from jingzhun.registry.models import Household
from tests.factories import AreaFactory, HouseholdFactory, UserFactory

from .factories import HelperFactory, PairingFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _seed(village, *names: str) -> list[services.HelperSeed]:
    return [services.HelperSeed(name=name, unit="县水利局", area_code=village.code) for name in names]


def test_helpers_seed_bulk_creates_the_roster_once():
    village = AreaFactory()

    first = services.helpers_seed_bulk(helpers=_seed(village, "王一", "李二"), by=SYSTEM)
    again = services.helpers_seed_bulk(helpers=_seed(village, "王一", "李二", "张三"), by=SYSTEM)

    assert (first, again) == (2, 1)
    assert sorted(Helper.objects.values_list("name", flat=True)) == ["张三", "李二", "王一"]
    assert AssistanceChange.objects.filter(entity="helper", action="bulk_create").count() == 2


def test_helpers_seed_bulk_refuses_an_area_outside_the_users_scope():
    village, elsewhere = AreaFactory(), AreaFactory()
    user = UserFactory(role=Role.VILLAGE, area=village)

    with pytest.raises(ValidationError, match="不在您的数据权限范围内"):
        services.helpers_seed_bulk(helpers=_seed(elsewhere, "王一"), by=user)
    assert not Helper.objects.exists()


def test_pairings_seed_bulk_pairs_households_with_their_villages_helpers_in_turn_in_one_statement():
    village = AreaFactory()
    helpers = [HelperFactory(area=village, kind=HelperKind.HELPER) for _ in range(2)]
    households = [HouseholdFactory(village=village) for _ in range(5)]

    with CaptureQueriesContext(connection) as queries:
        made = services.pairings_seed_bulk(households=Household.objects.all(), started_on=TODAY, by=SYSTEM)

    assert made == 5
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")]
    assert len([sql for sql in inserts if "assistance_pairing" in sql]) == 1
    per_helper = {h.pk: Pairing.objects.filter(helper=h).count() for h in helpers}
    assert sorted(per_helper.values()) == [2, 3]
    assert {p.household_id for p in Pairing.objects.all()} == {h.pk for h in households}


def test_pairings_seed_bulk_leaves_paired_households_and_other_villages_alone():
    village, other = AreaFactory(), AreaFactory()
    HelperFactory(area=village, kind=HelperKind.HELPER)
    paired = PairingFactory(household=HouseholdFactory(village=village))
    HouseholdFactory(village=other)  # no helper in its village

    made = services.pairings_seed_bulk(households=Household.objects.all(), started_on=TODAY, by=SYSTEM)
    again = services.pairings_seed_bulk(households=Household.objects.all(), started_on=TODAY, by=SYSTEM)

    assert (made, again) == (0, 0)
    assert list(Pairing.objects.values_list("pk", flat=True)) == [paired.pk]


def test_pairings_seed_bulk_pairs_only_inside_the_users_scope():
    village, elsewhere = AreaFactory(), AreaFactory()
    for area in (village, elsewhere):
        HelperFactory(area=area, kind=HelperKind.HELPER)
        HouseholdFactory(village=area)
    user = UserFactory(role=Role.TOWN, area=village)

    made = services.pairings_seed_bulk(households=Household.objects.all(), started_on=TODAY, by=user)

    assert made == 1
    assert Pairing.objects.get().household.village == village


def test_visits_seed_bulk_visits_a_share_of_paired_households_once():
    village = AreaFactory()
    HelperFactory(area=village, kind=HelperKind.HELPER)
    for _ in range(40):
        HouseholdFactory(village=village)
    services.pairings_seed_bulk(households=Household.objects.all(), started_on=TODAY, by=SYSTEM)
    dates = [TODAY - dt.timedelta(days=d) for d in (20, 10, 0)]

    made = services.visits_seed_bulk(
        households=Household.objects.all(), dates=dates, share=0.5, findings="入户走访", by=SYSTEM
    )
    again = services.visits_seed_bulk(
        households=Household.objects.all(), dates=dates, share=0.5, findings="入户走访", by=SYSTEM
    )

    assert 0 < made < 40
    assert again == 0
    assert Visit.objects.count() == made
    assert set(Visit.objects.values_list("visited_on", flat=True)) <= set(dates)
    assert Visit.objects.values("household").distinct().count() == made


def test_visits_seed_bulk_refuses_a_date_in_the_future():
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.visits_seed_bulk(
            households=Household.objects.all(),
            dates=[TODAY + dt.timedelta(days=1)],
            share=0.5,
            findings="入户走访",
            by=SYSTEM,
        )
