"""``jingzhun serve`` as a real process: its task worker stops with it, however it is stopped, and is started
again when it dies."""

from __future__ import annotations

import os
import signal
import sqlite3
from contextlib import closing

import pytest

from tests.served import Server, jingzhun, running, wait_until

RUNNING_JOB = """
from jingzhun.accounts.models import User
from jingzhun.core.models import UploadJob
user = User.objects.create(username="clerk", role="county")
UploadJob.objects.create(kind="ledger", user=user, area_prefix="370125", file_name="a.csv", path="/x", status="running")
"""


# SIGINT: see the Ctrl+C test below.
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_stopping_the_server_stops_its_worker(served_data_dir, servers, signum):
    server = Server(served_data_dir)
    servers.append(server)
    worker = server.worker()

    server.signal(signum)

    assert server.wait() == 0, server.output()
    assert not running(worker)
    assert "已停止" in server.output()


def test_ctrl_c_in_a_terminal_stops_server_and_worker(served_data_dir, servers):
    server = Server(served_data_dir)
    servers.append(server)
    worker = server.worker()

    os.killpg(server.process.pid, signal.SIGINT)  # the terminal signals its foreground process group

    assert server.wait() == 0, server.output()
    assert not running(worker)


def test_a_server_killed_outright_takes_its_worker_along(served_data_dir, servers):
    server = Server(served_data_dir)
    servers.append(server)
    worker = server.worker()

    server.signal(signal.SIGKILL)  # no chance to clean up: the kernel tells the worker (PR_SET_PDEATHSIG)

    server.wait()
    wait_until(lambda: not running(worker), 30, "the worker to stop")


def test_a_worker_that_dies_is_reported_and_started_again(served_data_dir, servers):
    server = Server(served_data_dir)
    servers.append(server)
    first = server.worker()

    os.kill(first, signal.SIGKILL)

    wait_until(lambda: "后台任务进程意外退出（退出码 -9）" in server.output(), 30, "the report")
    second = server.worker()
    assert second != first
    assert running(second)
    server.signal(signal.SIGTERM)
    assert server.wait() == 0
    assert not running(second)


def test_the_import_a_dead_worker_was_running_is_failed(served_data_dir, servers):
    server = Server(served_data_dir)
    servers.append(server)
    worker = server.worker()
    # As if the worker had been running an import when it died (killed by the kernel for its memory, say).
    jingzhun(served_data_dir, "shell", "-c", RUNNING_JOB)

    os.kill(worker, signal.SIGKILL)

    wait_until(lambda: "它未完成的 1 个后台任务（导入、评估、导出）已标记为失败" in server.output(), 30, "the report")
    with closing(sqlite3.connect(served_data_dir / "jingzhun.sqlite3")) as database:
        assert database.execute("select status from core_uploadjob").fetchall() == [("failed",)]
