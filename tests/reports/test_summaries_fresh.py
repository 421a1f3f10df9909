"""A summary is never stale: while officials' threads keep reading the dashboard (every figure of it comes from
a cached summary), an import, a status change and an assessment are each seen by every read that starts after
the change is committed — by all threads at once, with the cache shared and each summary computed once.

Real threads on their own connections, owning their transactions (``transaction=True``); the figures read after
a change are compared with the figures computed afresh once the readers have stopped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, connections

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Area
from jingzhun.policy.services import assessment_run
from jingzhun.registry.models import Household
from jingzhun.registry.services import household_update, ledger_import
from jingzhun.reports.dashboard import dashboard_for
from tests.factories import UserFactory
from tests.registry.ledger_files import family, write_csv

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # SQLite's in-memory test database locks whole tables between connections ("database table is locked")
    # instead of letting readers read beside a writer as the server's WAL file does.
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent readers and a writer: PostgreSQL"),
]

READERS = 4


def _figures(user: Any) -> dict[str, Any]:
    board = dashboard_for(user=user)
    figures: dict[str, Any] = {(s.key, f.label): f.value for s in board.sections for f in s.figures}
    figures["years"] = board.years
    return figures


def _readers_during(change: Callable[[], None], read: Callable[[], dict[str, Any]]) -> list[dict[str, Any]]:
    """Run ``change`` while READERS threads keep calling ``read``; returns what was read after it committed."""
    committed, stop = threading.Event(), threading.Event()
    after: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            while not stop.is_set():
                started_after = committed.is_set()
                figures = read()
                if started_after:
                    after.append(figures)
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reader) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)  # the readers have filled the cache with the figures before the change
    change()
    committed.set()
    deadline = time.monotonic() + 20
    while len(after) < 3 * READERS and time.monotonic() < deadline and not errors:
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(after) >= READERS
    return after


@pytest.fixture
def county_user(tmp_path):
    rows = (
        family("H001")
        + family("H002", 贫困户状态="未脱贫", 脱贫年度="")
        + family("H003", 贫困户状态="未脱贫", 脱贫年度="")
    )
    ledger_import(path=write_csv(tmp_path / "base.csv", rows))
    return UserFactory(role=Role.COUNTY, area=Area.objects.get(code="370125000000"))


def _check(user: Any, change: Callable[[], None]) -> None:
    before = _figures(user)
    read_after = _readers_during(change, lambda: _figures(user))
    cache.clear()
    fresh = _figures(user)
    assert fresh != before  # the change shows in the figures at all
    assert all(figures == fresh for figures in read_after)


def test_an_import_is_seen_by_every_read_after_it(county_user, tmp_path):
    new = write_csv(tmp_path / "new.csv", family("H004", 贫困户状态="未脱贫", 脱贫年度=""))
    _check(county_user, lambda: ledger_import(path=new))


def test_a_status_change_is_seen_by_every_read_after_it(county_user):
    household = Household.objects.get(household_no="H002")
    _check(
        county_user,
        lambda: household_update(
            household=household, changes={"poverty_status": "exited"}, user=county_user, reason="脱贫"
        ),
    )


def test_an_assessment_is_seen_by_every_read_after_it(county_user):
    _check(county_user, lambda: assessment_run(year=2020, user=county_user))
