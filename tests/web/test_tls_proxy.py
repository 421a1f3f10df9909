"""HTTPS through a real TLS-terminating proxy: Debian's nginx in front of ``jingzhun serve``, all on loopback.

The server runs as docs/账号与安全.md tells an office to run it: production settings, ``JINGZHUN_BEHIND_TLS_PROXY=1``
(with ``JINGZHUN_TRUSTED_PROXY``, the proxy being "another machine", 127.0.0.2), nginx (configured with the directives of that document) terminating TLS with a certificate made here. Without
nginx the tests skip, except in CI (.ci/run installs it) where a missing nginx is a failure.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP
from tests.factories import TEST_PASSWORD
from tests.served import Server, free_port, wait_until

from . import production_data

pytestmark = pytest.mark.browser

# The directives an office's nginx needs (docs/账号与安全.md shows the same), around what an unprivileged test
# process needs: no daemon, one process, every file in a temporary folder. nginx connects to waitress from PROXY,
# as a proxy on another machine would, so that the client's address (127.0.0.1) and the proxy's differ.
NGINX_CONF = """
daemon off;
master_process off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {folder}/cert.pem;
        ssl_certificate_key {folder}/key.pem;
        client_max_body_size 512m;
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_bind {proxy};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
    }}
}}
"""
PROXY = "127.0.0.2"
# Another address than the proxy's: a client that reaches waitress around the proxy.
ELSEWHERE = "127.0.0.1"


def _tool(name: str, package: str) -> str:
    found = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}",) if Path(p).exists()), None)
    if found is None:
        message = f"{name} is missing (apt-get install {package})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@dataclass
class Chain:
    server: Server
    https: str  # nginx's address
    data_dir: Path


@pytest.fixture(scope="module")
def chain(_migrated_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    nginx, openssl = _tool("nginx", "nginx"), _tool("openssl", "openssl")
    folder = tmp_path_factory.mktemp("tls-proxy")
    certificate = [
        *("-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"),
        *("-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")),
        *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
    ]
    subprocess.run(  # noqa: S603 - a fixed command line
        [openssl, "req", *certificate],
        check=True,
        capture_output=True,
        timeout=60,
    )
    data_dir = folder / "data"
    shutil.copytree(_migrated_data_dir, data_dir)
    production_data.write(data_dir, "county-user")
    server = Server(data_dir, JINGZHUN_BEHIND_TLS_PROXY="1", JINGZHUN_TRUSTED_PROXY=PROXY)
    port = free_port()
    config = folder / "nginx.conf"
    config.write_text(NGINX_CONF.format(folder=folder, port=port, upstream=server.port, proxy=PROXY))
    proxy = subprocess.Popen(  # noqa: S603 - Debian's nginx with our configuration
        [nginx, "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _answers(port) or proxy.poll() is not None, 30, "nginx")
        assert proxy.poll() is None, (folder / "error.log").read_text()
        yield Chain(server=server, https=f"https://127.0.0.1:{port}", data_dir=data_dir)
    finally:
        proxy.terminate()
        proxy.wait(30)
        server.stop()


def _answers(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _direct(chain: Chain, source: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    """A plain-HTTP GET of the login page straight to waitress, from ``source``."""
    connection = http.client.HTTPConnection("127.0.0.1", chain.server.port, timeout=30, source_address=(source, 0))
    connection.request("GET", "/accounts/login/", headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.fixture
def logged_in(browser, chain):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", ignore_https_errors=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(f"{chain.https}/")
    page.get_by_label("用户名").fill("county")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{chain.https}/")
    yield page
    context.close()


def test_login_page_answers_over_https_without_a_redirect_loop(browser, chain):
    context = browser.new_context(ignore_https_errors=True)
    response = context.new_page().goto(f"{chain.https}/accounts/login/")
    assert response is not None
    assert (response.status, response.url) == (200, f"{chain.https}/accounts/login/")
    context.close()


def test_a_user_logs_in_and_works_over_https(logged_in, chain):
    expect(logged_in.get_by_role("heading", level=1)).to_contain_text("济阳区")
    response = logged_in.goto(f"{chain.https}/households/")
    assert response is not None
    assert response.status == 200


def test_session_and_csrf_cookies_are_secure(logged_in):
    cookies = {cookie["name"]: cookie for cookie in logged_in.context.cookies()}
    assert cookies["sessionid"]["secure"] is True
    assert cookies["csrftoken"]["secure"] is True


def test_https_answers_carry_hsts(logged_in, chain):
    response = logged_in.goto(f"{chain.https}/")
    assert response is not None
    assert "max-age=31536000" in response.headers["strict-transport-security"]


def test_a_client_around_the_proxy_cannot_claim_https(chain):
    response = _direct(chain, ELSEWHERE, {"X-Forwarded-Proto": "https"})
    assert response.status == 301
    assert response.headers["Location"] == f"https://127.0.0.1:{chain.server.port}/accounts/login/"


def test_the_proxys_address_is_believed(chain):
    # The same request from the proxy's address: the difference above is the address, nothing else.
    assert _direct(chain, PROXY, {"X-Forwarded-Proto": "https"}).status == 200


def test_the_audit_trail_records_the_client_not_the_proxy(logged_in, chain):
    database = sqlite3.connect(f"file:{chain.data_dir / 'jingzhun.sqlite3'}?mode=ro", uri=True)
    with closing(database):
        logins = database.execute("select ip_address from accounts_auditevent where action = 'login'").fetchall()
    assert logins
    assert {address for (address,) in logins} == {"127.0.0.1"}
