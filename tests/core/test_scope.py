"""The one area-scope guard (core.scope)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from jingzhun.core.scope import SYSTEM, covers, in_scope, scope_prefix, scoped

SRC = Path(__file__).resolve().parents[2] / "src" / "jingzhun"


class _User:
    def __init__(self, prefix: str | None) -> None:
        self.scope_prefix = prefix


def test_an_anonymous_user_has_no_scope():
    assert scope_prefix(AnonymousUser()) is None


def test_nobody_has_no_scope():
    assert scope_prefix(None) is None
    assert not in_scope(None, "370125100001")


def test_an_account_without_an_area_sees_nothing():
    assert not in_scope(_User(None), "370125100001")
    assert not in_scope(_User(""), "370125100001")


def test_a_town_user_sees_its_villages_only():
    town = _User("370125100")
    assert in_scope(town, "370125100001")
    assert not in_scope(town, "370125101001")


def test_no_area_code_is_never_in_scope():
    assert not in_scope(_User("370125"), "")
    assert not in_scope(SYSTEM, None)


def test_the_system_acts_on_every_area():
    assert scope_prefix(SYSTEM) == ""
    assert in_scope(SYSTEM, "110101001001")
    assert covers(SYSTEM, "")


def test_a_user_covers_only_areas_inside_its_own():
    county = _User("370125")
    assert covers(county, "370125100")
    assert not covers(county, "")
    assert not covers(county, "3701")


@pytest.mark.django_db
def test_scoped_is_empty_without_a_scope():
    from jingzhun.registry.models import Household
    from tests.factories import HouseholdFactory

    HouseholdFactory()
    assert not scoped(Household.objects.all(), AnonymousUser(), "village__code").exists()
    assert scoped(Household.objects.all(), SYSTEM, "village__code").count() == 1


def test_nothing_but_the_guard_reads_the_scope_prefix():
    # "One area-scope guard": views, services and selectors ask core.scope, never the attribute.
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name != "scope.py" and re.search(r"[\.\"']scope_prefix\b(?!\()", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# --- roles limited to some households (a helper: its paired households; issue 24, item 7) ---------------------


class _Limited:
    role = "limited_for_test"
    scope_prefix = "370125"
    pk = 1


@pytest.fixture
def limits(monkeypatch):
    from jingzhun.core import scope

    monkeypatch.setattr(scope, "_LIMITS", dict(scope._LIMITS))
    return scope


@pytest.mark.django_db
def test_a_role_declared_limited_sees_no_household_until_its_limit_is_registered(limits):
    from jingzhun.registry.models import Household
    from tests.factories import HouseholdFactory

    home = HouseholdFactory()
    limits.households_limit(_Limited.role)
    assert not scoped(Household.objects.all(), _Limited(), "village__code", household="pk").exists()
    assert not limits.household_in_scope(_Limited(), home)
    limits.households_limit(_Limited.role, lambda user: Household.objects.filter(pk=home.pk).values("pk"))
    limits.households_limit(_Limited.role)  # a later declaration does not undo the registration
    assert list(scoped(Household.objects.all(), _Limited(), "village__code", household="pk")) == [home]
    assert limits.household_in_scope(_Limited(), home)


@pytest.mark.django_db
def test_a_read_that_does_not_name_the_household_shows_a_limited_role_nothing(limits):
    from jingzhun.registry.models import Household
    from tests.factories import HouseholdFactory

    HouseholdFactory()
    limits.households_limit(_Limited.role, lambda user: Household.objects.values("pk"))
    assert not scoped(Household.objects.all(), _Limited(), "village__code").exists()


def test_the_helper_role_is_limited_to_its_pairings_once_the_apps_are_ready():
    from jingzhun.accounts.models import Role
    from jingzhun.assistance.selectors import households_paired_with
    from jingzhun.core import scope

    assert scope._LIMITS[Role.HELPER] is households_paired_with


@pytest.mark.django_db
def test_a_helper_acts_on_its_paired_household_and_on_no_household_that_shares_its_pairings_id():
    # The registered limit is a queryset of pairings (their household ids): a household whose own id happens to
    # equal the pairing's id is not thereby the helper's.
    from jingzhun.accounts.models import Role
    from jingzhun.core.scope import household_in_scope
    from tests.assistance.factories import HelperFactory, PairingFactory
    from tests.factories import AreaFactory, HouseholdFactory, UserFactory

    village = AreaFactory()
    helper = UserFactory(role=Role.HELPER, area=village)
    paired = HouseholdFactory(village=village)
    pairing = PairingFactory(pk=990_001, helper=HelperFactory(area=village, user=helper), household=paired)
    lookalike = HouseholdFactory(pk=pairing.pk, village=village)
    assert household_in_scope(helper, paired)
    assert not household_in_scope(helper, lookalike)


def test_a_limited_user_has_a_cache_scope_of_its_own(limits):
    limits.households_limit(_Limited.role)
    assert limits.scope_key(_Limited()) != limits.scope_key(_User("370125"))
