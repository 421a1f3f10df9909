"""Two users acting on the same case at the same moment: one wins, the other is told to reload, and nothing
is lost or written twice. Real threads and connections on PostgreSQL (SQLite serialises writers anyway)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from jingzhun.accounts.models import Role
from jingzhun.monitoring.models import CaseDiscovery, CaseStep, MonitoringCase
from jingzhun.monitoring.services import CaseStale, case_open, case_step

from .conftest import DISCOVERED
from .flow import step_input

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"),
]


def _race(*calls: Callable[[], Any]) -> list[Any]:
    """Run ``calls`` in threads released together; returns each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # the test inspects it
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_users_taking_the_same_step_at_once_one_wins(users_by_role, case, paired_helper):
    village, helper = users_by_role[Role.VILLAGE].owner, paired_helper

    def home_check(user: Any) -> Callable[[], Any]:
        return lambda: case_step(
            case_id=case.pk,
            action="home_check",
            user=user,
            expected_version=case.version,
            step=step_input("home_check", DISCOVERED, note=f"{user.username} 入户"),
            today=DISCOVERED,
        )

    for _ in range(5):  # several rounds: the winner differs, the outcome never does
        outcomes = _race(home_check(village), home_check(helper))
        won = [o for o in outcomes if isinstance(o, MonitoringCase)]
        stale = [o for o in outcomes if isinstance(o, CaseStale)]
        assert (len(won), len(stale)) == (1, 1), outcomes
        case.refresh_from_db()
        assert (case.version, CaseStep.objects.filter(case=case, action="home_check").count()) == (2, 1)
        CaseStep.objects.filter(case=case, action="home_check").delete()
        MonitoringCase.objects.filter(pk=case.pk).update(stage="discovered", version=1)
        case.refresh_from_db()


def test_two_discoveries_of_the_same_household_at_once_make_one_case(users_by_role, household):
    village, town = users_by_role[Role.VILLAGE].owner, users_by_role[Role.TOWN].owner
    outcomes = _race(
        lambda: case_open(household=household, channel="self_report", user=village),
        lambda: case_open(household=household, channel="cadre_screening", user=town),
    )
    assert sorted(o.created for o in outcomes) == [False, True], outcomes
    assert MonitoringCase.objects.filter(household=household).count() == 1
    assert CaseDiscovery.objects.filter(case__household=household).count() == 2
