"""Benchmark: the dashboard and household search of a 100,000-household county under 20 concurrent users.

    uv run --group bench python bench/web_load.py            # 20 users, 60 s
    uv run --group bench python bench/web_load.py --users 20 --seconds 120
    uv run --group bench python bench/web_load.py --households 1000000

It copies the county of ``--households`` households (100,000 by default) that ``bench/assess.py`` prepares
(and prepares it first when it is missing), assesses 2020 so the dashboard has a run, creates the bench accounts, starts ``jingzhun serve``
(waitress, production settings, the embedded database) on loopback, and drives it with Locust headless.
Figures: p50/p95/max latency, requests and errors per page, written to ``bench/out/web/web-load.json``.
Target (issue 4): p95 under 200 ms for both pages, no errors.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "web"


def jingzhun(*args: str, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "jingzhun.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.exit(f"jingzhun {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    sys.exit(f"the server did not open port {port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    parser.add_argument("--households", type=int, default=100_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench.assess import county_prepare

    county_prepare(args.households, seed=1, events_per_1000=10, fresh=False)
    county = ROOT / "bench" / "out" / "assess" / f"county-{args.households}" / "imported"

    data = OUT / "data"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(county, data)
    password = "Bench-" + secrets.token_urlsafe(12)
    env = {
        **os.environ,
        "JINGZHUN_DATA_DIR": str(data),
        "JINGZHUN_PRODUCTION": "1",
        # Plain HTTP on loopback: the office's TLS proxy is not part of this measurement.
        "JINGZHUN_HTTPS": "0",
        "DJANGO_SETTINGS_MODULE": "jingzhun.settings",
    }
    env.pop("DATABASE_URL", None)
    print(jingzhun("migrate", "--verbosity", "0", env=env), end="")  # the copy is as imported by an older version
    print(jingzhun("assess", "--year", "2020", env=env).splitlines()[-1])
    # The accounts, and a logged-in session for each: the measurement is about the two pages, not about the
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
    try:
        wait_for_port(args.port)
        # One dashboard view first, as after any import: the first view computes what later views reuse.
        warm = urllib.request.Request(
            f"http://127.0.0.1:{args.port}/", headers={"Cookie": f"sessionid={session_keys[0]}"}
        )
        with urllib.request.urlopen(warm, timeout=120) as response:  # noqa: S310 - our own loopback server
            response.read()
        prefix = OUT / "locust"
        locust_env = {
            **env,
            "JZ_BENCH_PASSWORD": password,
            "JZ_BENCH_USERS": str(args.users),
            "JZ_BENCH_SESSIONS": ",".join(session_keys),
            "JZ_BENCH_COUNTY": county_code,
        }
        subprocess.run(
            [
                sys.executable, "-m", "locust", "-f", "bench/locustfile.py", "--headless",
                "-u", str(args.users), "-r", str(args.users), "-t", f"{args.seconds}s",
                "--host", f"http://127.0.0.1:{args.port}", "--csv", str(prefix), "--only-summary",
            ],
            env=locust_env,
            cwd=ROOT,
            check=False,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows: list[dict[str, Any]] = []
    with (OUT / "locust_stats.csv").open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            rows.append(
                {
                    "page": row["Name"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50_ms": float(row["50%"] or 0),
                    "p95_ms": float(row["95%"] or 0),
                    "max_ms": float(row["Max Response Time"] or 0),
                    "rps": float(row["Requests/s"] or 0),
                }
            )
    result = {
        "households": args.households,
        "users": args.users,
        "seconds": args.seconds,
        "threads": args.threads,
        "pages": rows,
    }
    (OUT / f"web-load-{args.households}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print("\n| page | requests | failures | p50 ms | p95 ms | max ms | req/s |\n|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['page']} | {row['requests']} | {row['failures']} | {row['p50_ms']:.0f} | {row['p95_ms']:.0f} "
            f"| {row['max_ms']:.0f} | {row['rps']:.1f} |"
        )


if __name__ == "__main__":
    main()
