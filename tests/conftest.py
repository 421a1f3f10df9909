"""Shared fixtures. Every test gets a fresh, isolated data directory so nothing touches a real one."""

from __future__ import annotations

import pytest
from django.test import override_settings


@pytest.fixture(autouse=True, scope="session")
def _session_static_root(tmp_path_factory):
    # Session-wide servers (live_server) load WhiteNoise before any per-test fixture runs; WhiteNoise warns
    # (an error here) when STATIC_ROOT, computed from the real data directory at import, does not exist.
    static_root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=static_root):
        yield


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher takes about a second per password on purpose; tests log in often.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_static_root(_isolated_data_dir, settings):
    # Django's test client loads the middleware, WhiteNoise included, for each test.
    settings.STATIC_ROOT = settings.DATA_DIR / "static"
    settings.STATIC_ROOT.mkdir()
