"""A burst of parallel full-ID-number guesses gets no more answers than the limit. Real threads and connections
on PostgreSQL (SQLite runs writing transactions one at a time anyway)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.accounts.services import IdNumberSearchRefused, id_number_search_record
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"),
]

BURST = 20


def test_parallel_misses_get_ten_answers_and_the_rest_are_refused():
    user = UserFactory(role=Role.VILLAGE)
    barrier = threading.Barrier(BURST)
    outcomes: list[Any] = [None] * BURST

    def guess(index: int) -> None:
        try:
            barrier.wait()
            id_number_search_record(user=user, number=f"37012519900101{index:03d}X", found=False, target="/api/")
            outcomes[index] = "answered"
        except IdNumberSearchRefused as refused:
            outcomes[index] = refused
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("answered") == 10, outcomes
    assert AccessLog.objects.filter(user=user, action=AccessLog.Action.ID_SEARCH_MISS).count() == 10
    assert AccessLog.objects.filter(user=user, action=AccessLog.Action.ID_SEARCH_REFUSED).count() == BURST - 10
