"""``jingzhun serve`` runs with production settings unless told otherwise."""

from __future__ import annotations

from jingzhun.cli import serve_environment


def test_serve_defaults_to_production_settings():
    assert serve_environment([], {})["JINGZHUN_PRODUCTION"] == "1"


def test_loopback_server_speaks_plain_http():
    assert serve_environment(["--port", "8000"], {})["JINGZHUN_HTTPS"] == "0"


def test_server_on_the_network_requires_https():
    assert "JINGZHUN_HTTPS" not in serve_environment(["--host", "0.0.0.0"], {})  # noqa: S104


def test_loopback_behind_a_tls_proxy_keeps_https():
    assert "JINGZHUN_HTTPS" not in serve_environment(["--host=127.0.0.1"], {"JINGZHUN_BEHIND_TLS_PROXY": "1"})


def test_explicit_settings_win():
    environment = serve_environment([], {"JINGZHUN_PRODUCTION": "0", "JINGZHUN_HTTPS": "1"})
    assert environment == {}
