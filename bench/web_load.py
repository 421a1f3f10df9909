"""Benchmark: the web app under load — 20 officials, one county or several sizes in one run, SQLite or PostgreSQL.

    uv run --group bench python bench/web_load.py                         # 100,000 households, dashboard + search
    uv run --group bench python bench/web_load.py --households 1000000
    uv run --group bench python bench/web_load.py --households 100000 1000000 --nav --saturate
    uv run --group bench python bench/web_load.py --households 100000 1000000 --nav --saturate --database postgres

For each ``--households`` size it takes the county ``bench/assess.py`` prepares (``jingzhun generate --seed 1``,
imported once and cached) and sets up a copy for the web once (kept under ``bench/out/web/county-N/``):
``jingzhun assess --year 2020`` (the dashboard's run), ``jingzhun monitor open`` on it (the monitoring cases) and
one benefit payment per household (bench/benefits_gaps.py's). With ``--database postgres`` that copy is loaded
into PostgreSQL (``bench/pg_copy.py``: the project's own schema, every row copied) and served from there.
Then it creates the bench accounts with a session each, starts ``jingzhun serve`` (waitress, production
settings) on loopback, opens every measured page once (as after an import, the first view computes what later
views reuse), and drives it with Locust headless for ``--seconds``:

- default: ``Official`` users, the dashboard and a household search with a pause of 0.5–1.5 s (issue 4);
- ``--nav``: ``Browsing`` users going round every page of the navigation bar and the pages behind the
  dashboard's figures (bench/locustfile.py); ``--saturate``: without pauses (issue 26's saturating load).

The server's memory (resident set of the server and its task worker) is sampled every half second. Figures:
requests, failures, p50/p95/p99/max per page and size, and the ratio of the p95 at the largest size to the
smallest, in ``bench/out/web/web-load-<sizes>-<database>.json`` and printed as a table.
Target (issue 26): p95 under 200 ms at 1,000,000 households with pauses; saturated, p95 at 1 M at most twice
the p95 at 100 k.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "web"
sys.path.insert(0, str(ROOT))


def jingzhun(*args: str, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "jingzhun.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.exit(f"jingzhun {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    sys.exit(f"the server did not open port {port}")


def county_for_web(households: int) -> Path:
    """The county's data directory set up for the web (assessed, cases opened, payments), made once and kept."""
    from bench.assess import county_prepare
    from bench.benefits_gaps import payments_add_sqlite

    county_prepare(households, seed=1, events_per_1000=10, fresh=False)
    ready = OUT / f"county-{households}"
    marker = ready / "ready.json"
    if marker.exists():
        return ready
    shutil.rmtree(ready, ignore_errors=True)
    shutil.copytree(ROOT / "bench" / "out" / "assess" / f"county-{households}" / "imported", ready)
    env = {**os.environ, "JINGZHUN_DATA_DIR": str(ready)}
    env.pop("DATABASE_URL", None)
    started = time.perf_counter()
    jingzhun("migrate", "--verbosity", "0", env=env)  # the copy is as imported by an older version
    jingzhun("assess", "--year", "2020", env=env)
    jingzhun("monitor", "open", "--year", "2020", env=env)
    payments = payments_add_sqlite(ready / "jingzhun.sqlite3", households)
    with sqlite3.connect(ready / "jingzhun.sqlite3") as con:
        counts = {
            table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("registry_household", "registry_member", "monitoring_monitoringcase", "benefits_payment")
        }
    marker.write_text(json.dumps({"counts": counts, "payments": payments, "seconds": time.perf_counter() - started}))
    return ready


class MemorySampler(threading.Thread):
    """Peak resident memory of a process and its children (the task worker), sampled every half second."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_server_mb, self.peak_total_mb, self.last_total_mb = pid, 0.0, 0.0, 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        import psutil

        server = psutil.Process(self.pid)
        while not self.stopped.wait(0.5):
            try:
                own = server.memory_info().rss / 1024**2
                children = sum(c.memory_info().rss for c in server.children(recursive=True)) / 1024**2
            except psutil.Error:
                continue
            self.peak_server_mb = max(self.peak_server_mb, own)
            self.last_total_mb = own + children
            self.peak_total_mb = max(self.peak_total_mb, self.last_total_mb)


def measured_pages(port: int, session: str) -> list[str]:
    """The pages a ``Browsing`` user goes round (as bench/locustfile.py finds them), for the warm-up view."""
    from bench.web_pages import pages_from

    def get(path: str) -> str:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Cookie": f"sessionid={session}"})
        with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 - our own loopback server
            return response.read().decode()

    return [*pages_from(get("/"), get("/assessments/")), "/households/?q=王"]


def county_load(households: int, args: argparse.Namespace) -> dict[str, Any]:
    county = county_for_web(households)
    data = OUT / "data"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(county, data)
    env = {
        **os.environ,
        "JINGZHUN_DATA_DIR": str(data),
        "JINGZHUN_PRODUCTION": "1",
        # Plain HTTP on loopback: the office's TLS proxy is not part of this measurement.
        "JINGZHUN_HTTPS": "0",
        "DJANGO_SETTINGS_MODULE": "jingzhun.settings",
    }
    env.pop("DATABASE_URL", None)
    jingzhun("migrate", "--verbosity", "0", env=env)  # set up by an older version of the code, maybe
    copied: dict[str, Any] = {}
    if args.database == "postgres":
        from bench.pg_copy import sqlite_to_postgres

        url = f"{args.postgres.rstrip('/')}/jz_web_{households}"
        say(f"county {households:,}: copying into PostgreSQL …")
        copied = sqlite_to_postgres(data / "jingzhun.sqlite3", url)
        env["DATABASE_URL"] = url
    password = "Bench-" + secrets.token_urlsafe(12)
    # The accounts, and a logged-in session for each: the measurement is about the pages, not about the
    # deliberately slow password hashing of twenty simultaneous logins.
    sessions = jingzhun(
        "shell",
        "-c",
        "from django.test import Client\n"
        "from jingzhun.accounts.services import user_ensure\n"
        "from jingzhun.accounts.models import Role\n"
        "from jingzhun.areas.models import Area\n"
        "county = Area.objects.filter(level='county').order_by('code').first()\n"
        f"for n in range({args.users}):\n"
        f"    user = user_ensure(username=f'bench-user-{{n}}', role=Role.COUNTY, area=county, "
        f"display_name='压测', password={password!r}, must_change_password=False)\n"
        "    client = Client()\n"
        "    client.force_login(user)\n"
        "    print('SESSION', client.cookies['sessionid'].value)\n"
        "print('COUNTY', county.code[:6])\n",
        env=env,
    )
    session_keys = [line.split()[1] for line in sessions.splitlines() if line.startswith("SESSION ")]
    county_code = next(line.split()[1] for line in sessions.splitlines() if line.startswith("COUNTY "))
    server = subprocess.Popen(
        [sys.executable, "-m", "jingzhun.cli", "serve", "--port", str(args.port), "--threads", str(args.threads)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = MemorySampler(server.pid)
    warm: dict[str, float] = {}
    try:
        wait_for_port(args.port)
        sampler.start()
        pages = measured_pages(args.port, session_keys[0]) if args.nav else ["/"]
        for page in pages:  # the first view of each page, as after an import
            started = time.perf_counter()
            request = urllib.request.Request(
                f"http://127.0.0.1:{args.port}{urllib.parse.quote(page, safe='/?=&')}",
                headers={"Cookie": f"sessionid={session_keys[0]}"},
            )
            with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 - our own loopback server
                response.read()
            warm[page] = round(time.perf_counter() - started, 3)
        say(f"county {households:,}: first views {warm}")
        prefix = OUT / "locust"
        locust_env = {
            **env,
            "JZ_BENCH_PASSWORD": password,
            "JZ_BENCH_USERS": str(args.users),
            "JZ_BENCH_SESSIONS": ",".join(session_keys),
            "JZ_BENCH_COUNTY": county_code,
            "JZ_BENCH_SATURATE": "1" if args.saturate else "0",
        }
        subprocess.run(
            [
                sys.executable, "-m", "locust", "-f", "bench/locustfile.py", "--headless",
                "-u", str(args.users), "-r", str(args.users), "-t", f"{args.seconds}s",
                "--host", f"http://127.0.0.1:{args.port}", "--csv", str(prefix), "--only-summary",
                "Browsing" if args.nav else "Official",
            ],
            env=locust_env,
            cwd=ROOT,
            check=False,
        )  # fmt: skip
    finally:
        sampler.stopped.set()
        server.terminate()
        server.wait(timeout=30)
    rows: list[dict[str, Any]] = []
    with (OUT / "locust_stats.csv").open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            if row["Name"].startswith("start:"):
                continue
            rows.append(
                {
                    "page": row["Name"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50_ms": float(row["50%"] or 0),
                    "p95_ms": float(row["95%"] or 0),
                    "p99_ms": float(row["99%"] or 0),
                    "max_ms": float(row["Max Response Time"] or 0),
                    "rps": float(row["Requests/s"] or 0),
                }
            )
    return {
        "households": households,
        "first_views_s": warm,
        "server_peak_rss_mb": round(sampler.peak_server_mb),
        "server_and_worker_peak_rss_mb": round(sampler.peak_total_mb),
        "server_and_worker_rss_at_end_mb": round(sampler.last_total_mb),
        "postgres_copy": copied,
        "pages": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, nargs="+", default=[100_000])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    parser.add_argument("--nav", action="store_true", help="every page of the navigation bar (Browsing users)")
    parser.add_argument("--saturate", action="store_true", help="no pause between pages")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--postgres", default="postgres://postgres@127.0.0.1:5432", help="server for --database postgres"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = [county_load(n, args) for n in args.households]
    result = {
        "users": args.users,
        "seconds": args.seconds,
        "threads": args.threads,
        "nav": args.nav,
        "saturate": args.saturate,
        "database": args.database,
        "sizes": sizes,
    }
    name = "-".join(str(n) for n in args.households)
    (
        OUT / f"web-load-{name}-{args.database}{'-nav' if args.nav else ''}{'-saturated' if args.saturate else ''}.json"
    ).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    for size in sizes:
        print(
            f"\n{size['households']:,} households ({args.database}): server peak RSS {size['server_peak_rss_mb']} MB, "
            f"with the task worker {size['server_and_worker_peak_rss_mb']} MB"
        )
        print(
            "| page | requests | failures | p50 ms | p95 ms | p99 ms | max ms | req/s |\n|---|---:|---:|---:|---:|---:|---:|---:|"
        )
        for row in size["pages"]:
            print(
                f"| {row['page']} | {row['requests']} | {row['failures']} | {row['p50_ms']:.0f} | {row['p95_ms']:.0f} "
                f"| {row['p99_ms']:.0f} | {row['max_ms']:.0f} | {row['rps']:.1f} |"
            )
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        p95 = {row["page"]: row["p95_ms"] for row in small["pages"]}
        print(
            f"\n| page | p95 at {small['households']:,} | p95 at {large['households']:,} | ratio |\n|---|---:|---:|---:|"
        )
        for row in large["pages"]:
            base = p95.get(row["page"])
            ratio = f"{row['p95_ms'] / base:.1f}" if base else "–"
            print(f"| {row['page']} | {base or 0:.0f} | {row['p95_ms']:.0f} | {ratio} |")


if __name__ == "__main__":
    main()
