"""``jingzhun serve`` as a real process: its task worker stops with it, however it is stopped, and is started
again when it dies."""

from __future__ import annotations

import os
import signal

import pytest

from tests.served import Server, running, wait_until


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["SIGTERM", "SIGINT", "SIGHUP"])
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
