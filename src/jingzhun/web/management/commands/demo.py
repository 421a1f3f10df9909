"""``jingzhun demo``: a sample county generated, imported, assessed and compared, with helpers, visits, work teams
and monitoring cases, an account of every role to log in with, and the web app.

Thin by design: the demo's steps are :mod:`jingzhun.web.demo`. Running it again changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from jingzhun.web.demo import demo_prepare, demo_summary


class Command(BaseCommand):
    help = (
        "Generate a sample county with department lists, import and compare them, add helpers, visits, work teams "
        "and monitoring cases, create a demo account of every role and serve the web app."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, default=20000, help="households to generate (default 20000)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
        parser.add_argument("--no-serve", action="store_true", help="prepare the data and users, do not serve")

    def handle(
        self, *args: Any, households: int, seed: int, host: str, port: int, no_serve: bool, **options: Any
    ) -> None:
        outcome = demo_prepare(households=households, seed=seed, say=self.stdout.write)
        url_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104 - only a display choice
        self.stdout.write("\n".join(demo_summary(outcome, url=f"http://{url_host}:{port}/")))
        if no_serve:
            self.stdout.write("启动网站：jingzhun serve")
            return
        call_command("serve", host=host, port=port)
