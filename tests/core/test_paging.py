"""The one keyset pager (core.paging): ascending and newest-first pages, and keys that cannot be keys."""

from __future__ import annotations

import pytest

from jingzhun.accounts.models import AuditEvent
from jingzhun.core.paging import keyset_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    return [AuditEvent.objects.create(action=AuditEvent.Action.LOGOUT, target=f"u{n:03d}").pk for n in range(7)]


def test_a_log_pages_newest_first(log):
    first = keyset_page(AuditEvent.objects.all(), key="pk", size=3, descending=True)
    assert [e.pk for e in first] == log[::-1][:3]
    second = keyset_page(AuditEvent.objects.all(), key="pk", after=str(first.next_after), size=3, descending=True)
    assert [e.pk for e in second] == log[::-1][3:6]


def test_previous_goes_back_to_the_page_before_in_a_newest_first_log(log):
    second = keyset_page(AuditEvent.objects.all(), key="pk", after=str(log[4]), size=3, descending=True)
    back = keyset_page(AuditEvent.objects.all(), key="pk", before=str(second.previous_before), size=3, descending=True)
    assert [e.pk for e in back] == log[::-1][:3]
    assert back.is_first


def test_the_last_page_offers_no_next(log):
    last = keyset_page(AuditEvent.objects.all(), key="pk", after=str(log[1]), size=3, descending=True)
    assert [e.pk for e in last] == [log[0]] and last.next_after is None


@pytest.mark.parametrize("key", ["99999999999999999999", "abc", "-1", "１２", "1e3", "\x00"])
def test_a_key_that_cannot_be_a_number_of_the_column_is_the_first_page(log, key):
    page = keyset_page(AuditEvent.objects.all(), key="pk", after=key, size=3, descending=True)
    assert [e.pk for e in page] == log[::-1][:3]


def test_a_text_key_with_a_nul_is_the_first_page(log):
    page = keyset_page(AuditEvent.objects.all(), key="target", before="u005\x00", size=3)
    assert [e.target for e in page] == ["u000", "u001", "u002"]
