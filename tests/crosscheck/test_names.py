"""Name keys: traditional → simplified, homophones, distinct names keyed once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingzhun.crosscheck.matching import name_keys_fill
from jingzhun.crosscheck.models import NameKey
from jingzhun.crosscheck.names import name_keys, name_keys_many, name_level
from tests.factories import MemberFactory


def test_keys():
    assert name_keys("張偉") == ("张伟", "zhang wei")
    assert name_keys("张 玮") == ("张玮", "zhang wei")
    assert name_keys("ＡＢ") == ("AB", "a b")
    assert name_keys("西安")[1] != name_keys("先")[1]


def test_levels():
    assert name_level("张伟", "张伟") == 3
    assert name_level("張偉", "张伟") == 2
    assert name_level("章玮", "张伟") == 1
    assert name_level("李娜", "张伟") == 0


@pytest.mark.django_db
def test_member_names_are_keyed_once():
    MemberFactory(name="劉德華")
    MemberFactory(name="劉德華")
    MemberFactory(name="王芳")
    assert name_keys_fill() == 2
    assert NameKey.objects.get(name="劉德華").simplified == "刘德华"
    assert name_keys_fill() == 0


_NAME_CHARS = "张張伟偉玮李娜劉刘德華华王芳西安先臺台灣湾發发髮后後里裡 　\n\tＡＢab·"


@given(st.lists(st.text(alphabet=_NAME_CHARS, max_size=6), max_size=12))
def test_keying_many_names_at_once_equals_keying_each(names):
    assert list(name_keys_many(names)) == [(name, *name_keys(name)) for name in names]


@pytest.mark.django_db
def test_a_new_process_does_not_read_the_member_names_again_while_the_registry_is_unchanged():
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    MemberFactory(name="王芳")
    name_keys_fill()
    cache.clear()  # what a new process starts with
    with CaptureQueriesContext(connection) as queries:
        assert name_keys_fill() == 0
    assert not any("DISTINCT name" in query["sql"] for query in queries.captured_queries)
    MemberFactory(name="李娜")  # a new member: the registry is another version
    assert name_keys_fill() == 1


@pytest.mark.django_db(transaction=True)
def test_a_fill_that_is_rolled_back_is_not_remembered():
    from django.db import transaction

    MemberFactory(name="王芳")
    with transaction.atomic():
        assert name_keys_fill() == 1
        transaction.set_rollback(True)
    assert name_keys_fill() == 1
