"""``jingzhun serve``: the web app under waitress, static files served by WhiteNoise, with the task worker.

The task worker (django-tasks' database worker, which runs the imports started in the browser) is a process of
its own, supervised by a thread of the server: a worker that dies is reported and started again (the import it was
running is marked failed), and the worker stops with the server, whether the server is stopped by Ctrl+C, SIGTERM
(``systemctl stop``, ``kill``) or SIGHUP; on Linux a worker whose server was killed outright (SIGKILL, the OOM
killer) is told to stop by the kernel.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}

# Stopping the worker: SIGTERM lets it finish the task it is running (an idle worker exits at once); after
# WORKER_GRACE_SECONDS a second SIGTERM makes django-tasks abandon the task and record it as failed; after
# WORKER_KILL_SECONDS more it is killed.
WORKER_GRACE_SECONDS = 10.0
WORKER_KILL_SECONDS = 5.0
# A worker that dies is started again after RESTART_DELAY seconds, doubled up to RESTART_DELAY_MAX while it keeps
# dying within STABLE_SECONDS of its start (a broken database must not make it spin).
RESTART_DELAY = 1.0
RESTART_DELAY_MAX = 60.0
STABLE_SECONDS = 60.0
POLL_SECONDS = 0.5

# The headers waitress takes from the TLS proxy, and only from it: the scheme (so that Django sees HTTPS) and the
# client's address (so that the audit trail records the client, not the proxy). The proxy passes the Host header
# through unchanged, so X-Forwarded-Host is not trusted.
PROXY_HEADERS = frozenset({"x-forwarded-proto", "x-forwarded-for"})


# The worker process: ``python -m jingzhun.cli db_worker …`` once it has asked to die with the server.
WORKER_ARGS = ["db_worker", "--interval", "1", "--no-startup-delay"]
_WORKER_CODE = """
import runpy, sys
from {module} import worker_prepare
worker_prepare(int(sys.argv[1]))
sys.argv = ["jingzhun", *sys.argv[2:]]
runpy.run_module("jingzhun.cli", run_name="__main__", alter_sys=True)
"""


def worker_command() -> list[str]:
    """The command line of the task worker process, told the server's pid (see :func:`worker_prepare`)."""
    return [sys.executable, "-c", _WORKER_CODE.format(module=__name__), str(os.getpid()), *WORKER_ARGS]


def start_worker() -> subprocess.Popen[bytes]:
    """The task worker as a child process with our environment, in a session of its own: Ctrl+C in the terminal
    reaches the server alone, which then stops the worker in order."""
    return subprocess.Popen(worker_command(), start_new_session=True)  # noqa: S603 - our own interpreter and module


def _die_with_parent() -> None:
    """Ask Linux to send this process SIGTERM when the thread that started it ends (prctl PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def worker_prepare(server_pid: int) -> None:
    """In the worker process, before anything else: stop with the server, or now if it is already gone."""
    _die_with_parent()
    if os.getppid() != server_pid:  # the server died before the request above was in place
        sys.exit(0)


def _abandon_jobs() -> str:
    """Fail the jobs (imports, assessment runs, exports) a dead worker left "running" (they would show progress
    forever), and delete the export files past their keeping time; what to say about it."""
    from django.db import DatabaseError, connections

    from jingzhun.core.uploads import export_files_purge, upload_jobs_abandon

    try:
        failed = upload_jobs_abandon()
        export_files_purge()
    except DatabaseError as error:
        return f"未能把它未完成的后台任务（导入、评估、导出）标记为失败：{error}"
    finally:
        connections.close_all()  # this thread's connection only
    return f"它未完成的 {failed} 个后台任务（导入、评估、导出）已标记为失败。" if failed else ""


class WorkerSupervisor(threading.Thread):
    """Runs the task worker, starts it again when it dies, and stops it when told to.

    The worker is started from this thread, which lives as long as the server: the kernel's "stop when the
    parent ends" (PR_SET_PDEATHSIG) is tied to the thread that started the process.
    """

    def __init__(self, say: Callable[[str], object]) -> None:
        super().__init__(name="jingzhun-task-worker", daemon=True)
        self._say = say
        self._stopping = threading.Event()
        self.process: subprocess.Popen[bytes] | None = None

    def run(self) -> None:
        delay = RESTART_DELAY
        while not self._stopping.is_set():
            started_at = time.monotonic()
            try:
                self.process = start_worker()
            except OSError as error:
                self._say(f"无法启动后台任务进程（{error}），{delay:g} 秒后重试。")
            else:
                code = self._wait_for_exit(self.process)
                if code is None:
                    break
                if time.monotonic() - started_at >= STABLE_SECONDS:
                    delay = RESTART_DELAY
                self._say(f"后台任务进程意外退出（退出码 {code}），{delay:g} 秒后重新启动。{_abandon_jobs()}")
            if self._stopping.wait(delay):
                break
            delay = min(delay * 2, RESTART_DELAY_MAX)
        self._stop_process()

    def stop(self) -> None:
        """Stop the worker (see WORKER_GRACE_SECONDS) and wait for it."""
        self._stopping.set()
        self.join()

    def _wait_for_exit(self, process: subprocess.Popen[bytes]) -> int | None:
        """The worker's exit code once it exits, or None when the server is stopping first."""
        while not self._stopping.wait(POLL_SECONDS):
            code = process.poll()
            if code is not None:
                return code
        return None

    def _stop_process(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(WORKER_GRACE_SECONDS)
            return
        except subprocess.TimeoutExpired:
            pass
        self._say("后台任务进程仍在运行任务，正在中止该任务（记为失败）。")
        process.terminate()
        try:
            process.wait(WORKER_KILL_SECONDS)
        except subprocess.TimeoutExpired:
            self._say("后台任务进程没有响应，已强制结束。")
            process.kill()
            process.wait()


def trusted_proxy() -> str | None:
    """The TLS proxy's address when JINGZHUN_BEHIND_TLS_PROXY=1 (JINGZHUN_TRUSTED_PROXY, default 127.0.0.1).

    One IP address, never a name or ``*``: the proxy's headers decide whether a request counts as HTTPS and
    whose address the audit trail records, so they are believed from that one address only.
    """
    if settings.TRUSTED_PROXY is None:
        return None
    try:
        return str(ipaddress.ip_address(settings.TRUSTED_PROXY.strip()))
    except ValueError:
        raise CommandError(
            f"JINGZHUN_TRUSTED_PROXY 必须是 TLS 反向代理的一个 IP 地址（如 127.0.0.1），而不是“{settings.TRUSTED_PROXY}”。"
        ) from None


def proxy_options(proxy: str | None) -> dict[str, Any]:
    """waitress's proxy settings: trust ``proxy``'s X-Forwarded-Proto and X-Forwarded-For, and remove these
    headers from every other request (a client cannot claim HTTPS or another address by sending them)."""
    if proxy is None:
        return {"clear_untrusted_proxy_headers": True}
    return {
        "trusted_proxy": proxy,
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": set(PROXY_HEADERS),
        "clear_untrusted_proxy_headers": True,
        # Proxy headers from another address mean someone reaches the server around the proxy: say so.
        "log_untrusted_proxy_headers": True,
    }


def _stop_on_signal(signum: int, frame: FrameType | None) -> None:
    # waitress ends its loop on SystemExit; the command then stops the worker.
    raise SystemExit(128 + signum)


class Command(BaseCommand):
    help = "Serve the web app (waitress; static files through WhiteNoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
        parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the task worker (run `jingzhun db_worker` apart)"
        )

    def handle(self, *args: Any, host: str, port: int, threads: int, no_worker: bool, **options: Any) -> None:
        import waitress

        proxy = trusted_proxy()
        # Copies only what changed, so it is cheap on every start. Production settings need it (the
        # manifest storage serves hashed names); otherwise WhiteNoise also finds files in the apps.
        call_command("collectstatic", interactive=False, verbosity=0)
        from django.core.wsgi import get_wsgi_application

        application = get_wsgi_application()  # after collectstatic: WhiteNoise indexes STATIC_ROOT on load

        self._greet(host, port, proxy)
        previous = self._handle_stop_signals()
        # Imports started in the browser run in the worker, a process of its own, so that a long import
        # never holds a web thread.
        if not no_worker:
            from jingzhun.core.uploads import export_files_purge, upload_jobs_abandon

            # A worker killed mid-import (machine restart, out of memory) left its job "running"; every import is
            # one transaction, so nothing of it was written: say so instead of showing progress forever. Export
            # files past their keeping time go too.
            upload_jobs_abandon()
            export_files_purge()
        supervisor = None if no_worker else WorkerSupervisor(self._say)
        try:
            if supervisor is not None:
                supervisor.start()
            waitress.serve(application, host=host, port=port, threads=threads, ident="jingzhun", **proxy_options(proxy))
        except KeyboardInterrupt:
            pass  # Ctrl+C before waitress's loop started
        finally:
            if supervisor is not None:
                supervisor.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("已停止。")

    def _say(self, message: str) -> None:
        self.stderr.write(message)
        self.stderr.flush()

    def _handle_stop_signals(self) -> dict[int, Any]:
        """SIGTERM and SIGHUP stop the server like Ctrl+C (by default they would end it without stopping the
        worker); a signal the caller ignores (``nohup``) stays ignored. Returns the handlers to restore."""
        if threading.current_thread() is not threading.main_thread():
            return {}
        previous: dict[int, Any] = {}
        for signum in (signal.SIGTERM, signal.SIGHUP):
            handler = signal.getsignal(signum)
            if handler is not signal.SIG_IGN:
                previous[signum] = handler
                signal.signal(signum, _stop_on_signal)
        return previous

    def _greet(self, host: str, port: int, proxy: str | None) -> None:
        url_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104 - only a display choice
        self.stdout.write(f"精准 正在运行：http://{url_host}:{port}/　（按 Ctrl+C 停止）")
        self.stdout.write(f"数据目录：{settings.DATA_DIR}")
        if host not in LOCAL_HOSTS:
            self.stdout.write(
                "提示：从其他电脑访问时，请把本机的地址或域名加入环境变量 JINGZHUN_ALLOWED_HOSTS"
                f"（当前：{','.join(settings.ALLOWED_HOSTS)}）。"
            )
        if proxy is not None:
            self.stdout.write(
                f"TLS 反向代理：只信任来自 {proxy} 的 X-Forwarded-Proto 和 X-Forwarded-For"
                "（其他地址发来的这两个头被丢弃）。"
            )
        if not settings.PRODUCTION:
            self.stdout.write("提示：当前不是正式设置（JINGZHUN_PRODUCTION=0）。")
        elif settings.SECURE_SSL_REDIRECT and proxy is None:
            self.stdout.write(
                "提示：正式设置只接受 HTTPS。请在 TLS 反向代理之后运行并设置 JINGZHUN_BEHIND_TLS_PROXY=1；"
                "没有证书的内网可设置 JINGZHUN_HTTPS=0（见 docs/账号与安全.md）。"
            )
        self.stdout.flush()
