"""``computed_once``: a missing summary is computed by one caller while the others — threads or processes — wait
for it and read what it stored."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache

from jingzhun.core.cache import computed_once


def _slow_count(calls: list[int], value: object = 42) -> object:
    calls.append(1)
    time.sleep(0.2)  # long enough for every other caller to arrive while it runs
    return value


def test_a_value_is_computed_once_and_then_read():
    calls: list[int] = []
    assert computed_once("k:one", lambda: _slow_count(calls), timeout=60) == 42
    assert computed_once("k:one", lambda: _slow_count(calls), timeout=60) == 42
    assert len(calls) == 1


def test_threads_asking_for_a_missing_value_at_once_compute_it_once():
    calls: list[int] = []
    barrier = threading.Barrier(8)
    results: list[object] = []

    def ask() -> None:
        barrier.wait()
        results.append(computed_once("k:threads", lambda: _slow_count(calls), timeout=60))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert (results, len(calls)) == ([42] * 8, 1)


def _ask_in_a_process(marks: str, start: float) -> None:
    def compute() -> int:
        (Path(marks) / f"computed-{multiprocessing.current_process().pid}").touch()
        time.sleep(0.3)
        return 7

    time.sleep(max(0.0, start - time.time()))
    assert computed_once("k:processes", compute, timeout=60) == 7


def test_processes_sharing_the_cache_compute_a_missing_value_once(tmp_path):
    # The server's processes share the cache folder; the forked children inherit these test settings.
    context = multiprocessing.get_context("fork")
    start = time.time() + 0.5
    children = [context.Process(target=_ask_in_a_process, args=(str(tmp_path), start)) for _ in range(3)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=30)
    assert [child.exitcode for child in children] == [0, 0, 0]
    assert len(list(tmp_path.glob("computed-*"))) == 1
    assert cache.get("k:processes") == 7


@pytest.mark.parametrize("value", [0, None, [], ""])
def test_an_empty_value_is_kept_too(value):
    calls: list[int] = []
    computed_once("k:empty", lambda: _slow_count(calls, value), timeout=60)
    assert computed_once("k:empty", lambda: _slow_count(calls, value), timeout=60) == value
    assert len(calls) == 1


def test_a_computation_that_fails_leaves_nothing_and_the_next_caller_computes():
    def broken() -> int:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        computed_once("k:fails", broken, timeout=60)
    assert computed_once("k:fails", lambda: 5, timeout=60) == 5


def test_a_nested_call_for_the_key_being_computed_does_not_wait_on_itself():
    results: list[int] = []

    def outer() -> int:
        return computed_once("k:nested", lambda: 1, timeout=60) + 1

    thread = threading.Thread(target=lambda: results.append(computed_once("k:nested", outer, timeout=60)))
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert results == [2] == [cache.get("k:nested")]  # the outer value, stored last
