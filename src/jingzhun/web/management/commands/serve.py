"""``jingzhun serve``: the web app under waitress, static files served by WhiteNoise."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def start_worker() -> subprocess.Popen[bytes]:
    """The task worker (django-tasks' database backend) as a child process with our environment."""
    return subprocess.Popen(
        [sys.executable, "-m", "jingzhun.cli", "db_worker", "--interval", "1", "--no-startup-delay"]
    )


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
        from waitress import serve

        # Copies only what changed, so it is cheap on every start. Production settings need it (the
        # manifest storage serves hashed names); otherwise WhiteNoise also finds files in the apps.
        call_command("collectstatic", interactive=False, verbosity=0)
        from django.core.wsgi import get_wsgi_application

        application = get_wsgi_application()  # after collectstatic: WhiteNoise indexes STATIC_ROOT on load

        url_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104 - only a display choice
        self.stdout.write(f"精准 正在运行：http://{url_host}:{port}/　（按 Ctrl+C 停止）")
        self.stdout.write(f"数据目录：{settings.DATA_DIR}")
        if host not in LOCAL_HOSTS:
            self.stdout.write(
                "提示：从其他电脑访问时，请把本机的地址或域名加入环境变量 JINGZHUN_ALLOWED_HOSTS"
                f"（当前：{','.join(settings.ALLOWED_HOSTS)}）。"
            )
        if not settings.PRODUCTION:
            self.stdout.write("提示：当前不是正式设置（JINGZHUN_PRODUCTION=0）。")
        elif settings.SECURE_SSL_REDIRECT:
            self.stdout.write(
                "提示：正式设置只接受 HTTPS。请在 TLS 反向代理之后运行并设置 JINGZHUN_BEHIND_TLS_PROXY=1；"
                "没有证书的内网可设置 JINGZHUN_HTTPS=0（见 docs/账号与安全.md）。"
            )
        self.stdout.flush()
        # Imports started in the browser run in this worker, a process of its own, so that a long import
        # never holds a web thread; it stops with the server.
        if not no_worker:
            from jingzhun.core.uploads import upload_jobs_abandon

            # A worker killed mid-import (machine restart, out of memory) left its job "running"; every import is
            # one transaction, so nothing of it was written: say so instead of showing progress forever.
            upload_jobs_abandon()
        worker = None if no_worker else start_worker()
        try:
            serve(application, host=host, port=port, threads=threads, ident="jingzhun")
        except KeyboardInterrupt:
            self.stdout.write("已停止。")
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
