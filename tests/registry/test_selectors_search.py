"""Searching households and members by ID number reads the number as the imports do (RULES.md §10)."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from django.utils import timezone

from jingzhun.core import idnumber
from jingzhun.registry.selectors import household_search_for_user, members_search_for_user
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def server_clock_a_day_behind_beijing():
    """The process's local time zone 24 hours behind Beijing (UTC−16), as on a server whose clock is not set to
    Beijing time (Django sets the process time zone from TIME_ZONE only where the system allows it)."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "JZT+16"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def test_a_15_digit_number_is_judged_by_the_beijing_date_like_the_imports(server_clock_a_day_behind_beijing):
    beijing = timezone.localdate()
    assert dt.date.today() == beijing - dt.timedelta(days=1)  # noqa: DTZ011 - the server's clock is the point
    # Born 120 years and a day before today in Beijing: within the age limit by the server's clock, over it by
    # Beijing's, so the imports refuse the number today and the search must not convert it either.
    born = _years_before(beijing - dt.timedelta(days=1), idnumber.MAX_AGE_YEARS)
    member = MemberFactory(birth_date=born)
    old = member.id_number[:6] + member.id_number[8:17]
    user = UserFactory(area=member.household.village)
    with pytest.raises(idnumber.InvalidIdNumber, match="早于 120 年前"):
        idnumber.parse(old, today=beijing)

    assert list(members_search_for_user(user=user, q=old)) == []
    assert list(household_search_for_user(user=user, text=old)) == []


def test_a_15_digit_number_finds_the_member_stored_with_18():
    member = MemberFactory(birth_date=dt.date(1965, 3, 4))
    user = UserFactory(area=member.household.village)

    old = member.id_number[:6] + member.id_number[8:17]

    assert list(members_search_for_user(user=user, q=old)) == [member]
    assert list(household_search_for_user(user=user, text=old)) == [member.household]


def test_full_width_digits_in_the_search_still_find_the_number():
    member = MemberFactory()
    user = UserFactory(area=member.household.village)

    wide = "".join(chr(ord(c) + 0xFEE0) for c in member.id_number)

    assert list(members_search_for_user(user=user, q=wide)) == [member]
    assert list(household_search_for_user(user=user, text=wide)) == [member.household]


def test_a_circled_digit_in_the_search_is_no_digit():
    member = MemberFactory(birth_date=dt.date(1981, 1, 1))
    user = UserFactory(area=member.household.village)

    circled = member.id_number[:9] + "\u2460" + member.id_number[10:]  # ① for the 1 of 1981

    assert list(members_search_for_user(user=user, q=circled)) == []
    assert list(household_search_for_user(user=user, text=circled)) == []


def test_a_name_typed_in_full_width_forms_is_found_in_both_searches():
    member = MemberFactory(name="王A")  # as the imports store it, NFKC-normalised
    user = UserFactory(area=member.household.village)

    assert list(members_search_for_user(user=user, q="王Ａ")) == [member]
    assert list(household_search_for_user(user=user, text="王Ａ")) == [member.household]


# --- names: from the surname or from the given name -------------------------------------------------------------


@pytest.fixture
def names():
    from tests.factories import MemberFactory

    return {name: MemberFactory(name=name).household for name in ("王建国", "王芳", "李建国", "欧阳娜娜", "张国")}


def _numbers_found(text: str) -> set[str]:
    from jingzhun.core.scope import SYSTEM
    from jingzhun.registry.selectors import household_search_for_user

    return set(household_search_for_user(user=SYSTEM, text=text).values_list("household_no", flat=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("王", {"王建国", "王芳"}),  # a surname
        ("王建国", {"王建国"}),  # a full name
        ("王建", {"王建国"}),  # its beginning
        ("建国", {"王建国", "李建国"}),  # a given name
        ("欧阳", {"欧阳娜娜"}),  # a compound surname is a beginning too
        ("国", {"张国"}),  # the given name 国, but not the last character of 王建国
    ],
)
def test_a_name_is_found_from_its_surname_or_its_given_name(names, text, expected):
    assert _numbers_found(text) == {names[name].household_no for name in expected}


def test_a_common_name_walks_the_households_and_finds_the_same(names, monkeypatch):
    from jingzhun.registry import selectors

    rare = _numbers_found("王")
    monkeypatch.setattr(selectors, "COMMON_NAME", 1)  # every name is common: the households are walked in order
    assert _numbers_found("王") == rare
    assert _numbers_found("建国") == {names["王建国"].household_no, names["李建国"].household_no}
