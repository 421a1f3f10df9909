"""``jingzhun serve`` as a real process for the tests, loaded as a pytest plugin.

The server runs as an office runs it: production settings (the manifest static storage, HTTPS settings, the
production password hasher), waitress, its task worker, on SQLite in a data directory of its own (never the
test database: the server is another process).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# Migrating a new database takes half a minute on a busy machine; the first collectstatic compresses the files.
START_TIMEOUT = 180.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_environment(data_dir: Path, **settings: str) -> dict[str, str]:
    """This process's environment without its Jingzhun settings and database, with ``data_dir`` and ``settings``."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("JINGZHUN_") and key not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return inherited | {"JINGZHUN_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"} | settings


def jingzhun(data_dir: Path, *args: str, timeout: float = START_TIMEOUT, **settings: str) -> str:
    """Run ``jingzhun ARGS`` in ``data_dir`` to the end; its standard output."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "jingzhun", *args],
        env=serve_environment(data_dir, **settings),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def children(pid: int) -> list[int]:
    """The live (not yet exited) child processes of ``pid``, read from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        state, parent = fields[0], int(fields[1])
        if parent == pid and state != "Z":
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` is a process that has not exited (a zombie has)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_until(condition, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}")


class Server:
    """A ``jingzhun serve`` process; its output goes to ``log`` (read it with :meth:`output`)."""

    def __init__(self, data_dir: Path, *args: str, port: int | None = None, **settings: str) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.parent / f"serve-{self.port}.log"
        self.workers: set[int] = set()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
                [
                    sys.executable,
                    "-c",
                    # Ctrl+C's SIGINT raises KeyboardInterrupt even when pytest was started with SIGINT ignored
                    # (in the background of a script), as it does in a terminal; SIGHUP is the default too when
                    # pytest runs under nohup (serve leaves an ignored SIGHUP ignored, as nohup asks).
                    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler);"
                    "signal.signal(signal.SIGHUP, signal.SIG_DFL);"
                    "from jingzhun.cli import main; import sys; main(['jingzhun', *sys.argv[1:]])",
                    "serve",
                    "--port",
                    str(self.port),
                    *args,
                ],
                env=serve_environment(data_dir, **settings),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, as in a terminal
            )
        wait_until(self._listening, START_TIMEOUT, f"jingzhun serve on port {self.port}:\n{self.output()}")

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"jingzhun serve exited with {self.process.returncode}:\n{self.output()}")
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def worker(self, timeout: float = 60.0) -> int:
        """The pid of the task worker the server runs (waiting for it to start)."""
        [pid] = wait_until(lambda: children(self.process.pid), timeout, "the task worker")
        self.workers.add(pid)
        return pid

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float = 60.0) -> int:
        return self.process.wait(timeout)

    def stop(self) -> None:
        """Stop the server if it still runs (SIGTERM, then SIGKILL), and any worker it left behind."""
        if self.process.poll() is None:
            self.workers.update(children(self.process.pid))
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in self.workers:
            if running(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def _migrated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("served-template") / "data"
    jingzhun(data_dir, "migrate", "-v0")
    jingzhun(data_dir, "collectstatic", "--noinput", "-v0", JINGZHUN_PRODUCTION="1")
    return data_dir


@pytest.fixture
def served_data_dir(_migrated_data_dir: Path, tmp_path: Path) -> Path:
    """A data directory of its own for a server, with a migrated database and the static files (copied from one
    made once: migrating takes a while)."""
    data_dir = tmp_path / "served" / "data"
    shutil.copytree(_migrated_data_dir, data_dir)
    return data_dir


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    """Servers a test starts are put here, and stopped after it whatever happened."""
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()
