"""``jingzhun serve`` runs with production settings unless told otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

from jingzhun.cli import serve_environment


def test_serve_defaults_to_production_settings():
    assert serve_environment([], {})["JINGZHUN_PRODUCTION"] == "1"


def test_loopback_server_speaks_plain_http():
    assert serve_environment(["--port", "8000"], {})["JINGZHUN_HTTPS"] == "0"


def test_server_on_the_network_requires_https():
    assert "JINGZHUN_HTTPS" not in serve_environment(["--host", "0.0.0.0"], {})  # noqa: S104


def test_loopback_behind_a_tls_proxy_keeps_https():
    assert "JINGZHUN_HTTPS" not in serve_environment(["--host=127.0.0.1"], {"JINGZHUN_BEHIND_TLS_PROXY": "1"})


def test_the_server_keeps_a_small_database_cache_per_thread():
    assert serve_environment([], {})["JINGZHUN_SQLITE_CACHE_MB"] == "16"


def test_explicit_settings_win():
    environment = serve_environment(
        [], {"JINGZHUN_PRODUCTION": "0", "JINGZHUN_HTTPS": "1", "JINGZHUN_SQLITE_CACHE_MB": "32"}
    )
    assert environment == {}


def _trusted_proxy(tmp_path, **environment: str) -> str:
    """settings.TRUSTED_PROXY in a fresh process (settings are read once, at start)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("JINGZHUN_")}
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.TRUSTED_PROXY)"],
        env=inherited
        | {"JINGZHUN_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "jingzhun.settings"}
        | environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_no_proxy_is_trusted_unless_behind_one(tmp_path):
    assert _trusted_proxy(tmp_path, JINGZHUN_TRUSTED_PROXY="10.0.0.5") == "None"


def test_the_proxy_is_this_computer_by_default(tmp_path):
    assert _trusted_proxy(tmp_path, JINGZHUN_BEHIND_TLS_PROXY="1") == "127.0.0.1"


def test_the_proxy_address_can_be_set(tmp_path):
    assert _trusted_proxy(tmp_path, JINGZHUN_BEHIND_TLS_PROXY="1", JINGZHUN_TRUSTED_PROXY="10.0.0.5") == "10.0.0.5"


def _sqlite_settings(tmp_path, **environment: str) -> str:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("JINGZHUN_") and k != "DATABASE_URL"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; d = settings.DATABASES['default']; "
            "print(d['CONN_MAX_AGE'], d['OPTIONS']['init_command'].split('cache_size=')[1].split(';')[0])",
        ],
        env=inherited
        | {"JINGZHUN_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "jingzhun.settings"}
        | environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_sqlite_connections_are_kept_a_minute_with_the_cache_asked_for(tmp_path):
    assert _sqlite_settings(tmp_path) == "60 -65536"
    assert _sqlite_settings(tmp_path, JINGZHUN_SQLITE_CACHE_MB="16") == "60 -16384"
