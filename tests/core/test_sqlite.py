"""SQLite connection settings changed for one bulk job and restored after it."""

from __future__ import annotations

import pytest
from django.db import connection

from jingzhun.core.sqlite import sqlite_pragmas

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own settings"),
]


def _pragma(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return int(cursor.fetchone()[0])


def test_the_pragmas_hold_inside_the_block():
    with sqlite_pragmas({"temp.cache_size": -3072, "threads": 3}):
        assert (_pragma("temp.cache_size"), _pragma("threads")) == (-3072, 3)


def test_the_previous_values_come_back_after_a_failure():
    before = (_pragma("temp.cache_size"), _pragma("threads"))

    with pytest.raises(RuntimeError), sqlite_pragmas({"temp.cache_size": -3072, "threads": 3}):
        raise RuntimeError("磁盘已满")

    assert (_pragma("temp.cache_size"), _pragma("threads")) == before
    assert before != (-3072, 3)
