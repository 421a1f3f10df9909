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
