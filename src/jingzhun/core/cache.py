"""Figures kept in the shared cache and computed once: :func:`computed_once`.

The cache (``settings.CACHES``, a directory under the data directory) is shared by every thread and every process
of the server, so a summary is computed for all of them. Callers put the version of the data a figure is counted
from into its key (``registry_version()``, ``cases_version()`` …): a change makes a new key, so a stale figure
is never read, and nothing has to be deleted when the data changes.

When a key is missing, the first caller computes it and every other caller — another thread, another process —
waits for that result instead of computing the same summary again (after an import, twenty officials opening
the dashboard at once ran twenty copies of a query that reads every member). The wait is an exclusive
``flock`` on a lock file of the key, held only while the value is computed and stored; a waiter that gets the
lock finds the value and returns it. A lock is only ever an optimisation: when it cannot be taken (a file
system without locks) the value is computed anyway, and a lock file culled while in use costs at most one
computation more.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

T = TypeVar("T")

_MISSING = object()
_held = threading.local()  # the keys this thread is computing: a nested call for one of them does not wait on itself
LOCK_MAX_AGE = 24 * 3600  # lock files older than this are removed now and then (they are empty)


def computed_once(key: str, compute: Callable[[], T], *, timeout: int) -> T:
    """The value cached under ``key``; when it is missing, ``compute()`` is run by one caller only, stored for
    ``timeout`` seconds, and returned to every caller that waited for it."""
    value = cache.get(key, _MISSING)
    if value is not _MISSING:
        return value  # type: ignore[no-any-return]
    with _key_lock(key):
        value = cache.get(key, _MISSING)  # computed by the caller we waited for
        if value is _MISSING:
            value = compute()
            cache.set(key, value, timeout=timeout)
    return value  # type: ignore[no-any-return]


def _lock_dir() -> Path:
    return Path(settings.DATA_DIR) / "cache" / "locks"


@contextlib.contextmanager
def _key_lock(key: str) -> Iterator[None]:
    held: set[str] = getattr(_held, "keys", None) or set()
    _held.keys = held
    if key in held:  # computing this key already, further up this thread's stack
        yield
        return
    name = hashlib.sha256(key.encode()).hexdigest()[:32] + ".lock"
    try:
        folder = _lock_dir()
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(folder / name, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        descriptor = -1
    held.add(key)
    try:
        if descriptor >= 0:
            with contextlib.suppress(OSError):
                fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        held.discard(key)
        if descriptor >= 0:
            os.close(descriptor)  # releases the lock
            _locks_cull_now_and_then(folder)


_last_cull = [0.0]


def _locks_cull_now_and_then(folder: Path) -> None:
    """Remove lock files not used for a day, at most once an hour per process."""
    now = time.time()
    if now - _last_cull[0] < 3600:
        return
    _last_cull[0] = now
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            with contextlib.suppress(OSError):
                if now - entry.stat().st_mtime > LOCK_MAX_AGE:
                    os.unlink(entry.path)
