"""Benchmark: spending progress (支出进度) over 10,000 projects and 1,000,000 payments (issue 17, funds).

    uv run python bench/spending_progress.py                                   # SQLite
    uv run python bench/spending_progress.py --postgres postgres://postgres@127.0.0.1:5432/jz_bench_funds
    uv run python bench/spending_progress.py --projects 2000 --payments 100000  # smaller

A county of 18 towns and 414 villages is written straight into a fresh database (``migrate`` first; PostgreSQL:
the database is dropped and created), then, in chunks of ``executemany`` (not through the services, which take
one payment at a time and lock its allocation):

- 10,000 projects (80 % village, 15 % town, 5 % county level) approved 2022–2025;
- 140 funds: 7 sources × 4 budget years × 5 documents, about 60 % issued early (before 1 January);
- two allocations per project from funds of its year (20,000);
- 1,000,000 payments spread over the allocations, dated in the budget year (a few the year after), never past
  their allocation.

PostgreSQL is ANALYZEd after loading (autovacuum is off on these machines). Then each measurement runs in a
child process of its own (its peak RSS is its own), cold — the first call in a fresh process, so the database
connection, the ORM's caches and, on SQLite, the page cache are empty; the operating system's file cache is
not — and warm (the best of three calls after it):

- the selectors the progress page uses: county total, by source, by town, slowest projects; the per-project
  table of every project; the month-end view; the early-disbursement table; the ledger rows; one project's
  summary;
- the pages through Django's test client as the county office: ``projects:funds_index``, ``projects:funds_early``,
  the fund ledger (.xlsx);
- ``EXPLAIN`` of the sums the by-town and month-end selectors run, to see which index they use.

Figures go to ``bench/out/funds/spending-N[-postgres].json`` and are summarised on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assess import jingzhun, say, timed  # noqa: E402

OUT = ROOT / "bench" / "out" / "funds"
COUNTY = "370125000000"
TOWNS = 18
VILLAGES_PER_TOWN = 23
YEARS = (2022, 2023, 2024, 2025)
SOURCES = ("central", "province", "city", "county", "integrated", "east_west", "social")
DOCS_PER_SOURCE_YEAR = 5
CHUNK = 20_000
YEAR = 2025  # the year the page and the selectors are measured for
SELECTORS = (
    "progress_total",
    "progress_by_source",
    "progress_by_town",
    "slowest_projects",
    "progress_by_project",
    "paid_by_month",
    "early_by_source",
    "ledger_rows",
    "project_fund_summary",
)
PAGES = ("funds_index", "funds_early", "fund_ledger_export")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", kind, *args]


def child_result(run: dict[str, Any]) -> dict[str, Any]:
    result = json.loads(run["stdout"].strip().splitlines()[-1])
    result.update(wall_seconds=run["seconds"], peak_rss_mb=run["peak_rss_mb"])
    return result


# --- seed ---------------------------------------------------------------------------------------------------------


def _chunks(rows: list[tuple[Any, ...]], size: int = CHUNK) -> Any:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def lane_seed(projects: int, payments: int, seed: int) -> dict[str, Any]:
    """The county, its projects, funds, allocations and payments, inserted in chunks of ``executemany``."""
    _setup()
    from django.db import connection, transaction
    from django.utils import timezone

    started = time.perf_counter()
    rng = random.Random(seed)
    now = timezone.now()
    areas = [
        ("370000000000", "山东省", "province", None),
        ("370100000000", "济南市", "city", "370000000000"),
        (COUNTY, "样本县", "county", "370100000000"),
    ]
    villages: list[str] = []
    towns: list[str] = []
    for t in range(1, TOWNS + 1):
        town = f"370125{t:03d}000"
        towns.append(town)
        areas.append((town, f"第{t}镇", "town", COUNTY))
        for v in range(1, VILLAGES_PER_TOWN + 1):
            code = f"{town[:9]}{v:03d}"
            villages.append(code)
            areas.append((code, f"第{t}镇{v}村", "village", town))
    project_rows = []
    for n in range(1, projects + 1):
        shape = rng.random()
        level, area = (
            ("village", rng.choice(villages))
            if shape < 0.8
            else ("town", rng.choice(towns))
            if shape < 0.95
            else ("county", COUNTY)
        )
        year = rng.choice(YEARS)
        project_rows.append(
            (
                n,
                f"XM{year}{n:06d}",
                f"第{n}号产业项目",
                "industry",
                level,
                area,
                year,
                Decimal(rng.randrange(200, 5000) * 1000),
                "started",
                dt.date(year, 3, 1),
                now,
                now,
            )
        )
    fund_rows = []
    funds_by_year: dict[int, list[int]] = {y: [] for y in YEARS}
    fund_id = 0
    for year in YEARS:
        for source in SOURCES:
            for d in range(1, DOCS_PER_SOURCE_YEAR + 1):
                fund_id += 1
                early = rng.random() < 0.6
                issued = (
                    dt.date(year - 1, rng.choice((11, 12)), 20) if early else dt.date(year, rng.randrange(1, 10), 15)
                )
                fund_rows.append(
                    (
                        fund_id,
                        source,
                        year,
                        f"{source}〔{year}〕{d}号",
                        f"{year}年{source}衔接资金",
                        Decimal(10**9),
                        issued,
                        COUNTY,
                        "",
                        now,
                    )
                )
                funds_by_year[year].append(fund_id)
    allocation_rows = []
    for pk, _code, _name, _kind, _level, _area, year, *_rest in project_rows:
        for _ in range(2):
            allocation_rows.append(
                (
                    len(allocation_rows) + 1,
                    rng.choice(funds_by_year[year]),
                    pk,
                    Decimal(rng.randrange(500, 3000) * 1000),
                    dt.date(year, 3, 10),
                    "",
                    now,
                )
            )
    # Payments: each allocation gets its share of the total; each payment at most 1/100 of the allocation, so the
    # allocation is never exceeded (at most ~100 payments each on average at the default sizes).
    fund_year = {row[0]: row[2] for row in fund_rows}
    per_allocation = max(1, payments // len(allocation_rows))
    extra = payments - per_allocation * len(allocation_rows)

    def payment_rows() -> Any:
        """Generated as they are inserted (a million tuples at once would cost some 400 MB)."""
        serial = 0
        for index, (pk, fund, project, amount, _on, _note, _now) in enumerate(allocation_rows):
            count = per_allocation + (1 if index < extra else 0)
            year = fund_year[fund]
            cap = int(amount) // max(count, 100)
            for _ in range(count):
                serial += 1
                day = dt.date(year, 3, 10) + dt.timedelta(days=rng.randrange(0, 400))
                yield (pk, project, fund, Decimal(rng.randrange(1, max(2, cap))), day, f"PZ{serial:09d}", "", "", now)

    generated = time.perf_counter() - started
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO areas_area (code, name, level, parent_id, updated_at) VALUES (%s, %s, %s, %s, %s)",
            [(*a, now) for a in areas],
        )
        for chunk in _chunks(project_rows):
            cursor.executemany(
                "INSERT INTO projects_project (id, code, name, kind, level, area_id, year, planned_investment, stage, "
                "approved_on, created_at, updated_at, responsible_unit, operator, description, version) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', '', '', 1)",
                chunk,
            )
        cursor.executemany(
            "INSERT INTO projects_fund (id, source, year, document_no, title, amount, issued_on, area_id, note, "
            "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            fund_rows,
        )
        for chunk in _chunks(allocation_rows):
            cursor.executemany(
                "INSERT INTO projects_allocation (id, fund_id, project_id, amount, allocated_on, note, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                chunk,
            )
        inserted = 0
        for chunk in _chunks_of(payment_rows()):
            inserted += len(chunk)
            cursor.executemany(
                "INSERT INTO projects_payment (allocation_id, project_id, fund_id, amount, paid_on, voucher_no, payee, "
                "purpose, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                chunk,
            )
        if connection.vendor == "postgresql":  # explicit ids: move the sequences past them
            for table in ("projects_project", "projects_fund", "projects_allocation"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    return {
        "projects": len(project_rows),
        "funds": len(fund_rows),
        "allocations": len(allocation_rows),
        "payments": inserted,
        "generate_seconds": generated,
        "peak_rss_mb": _peak_mb(),
        "seconds": time.perf_counter() - started,
    }


def _chunks_of(rows: Any, size: int = CHUNK) -> Any:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- measurements -------------------------------------------------------------------------------------------------


def _county_user() -> Any:
    from jingzhun.accounts.models import Role, User

    user, _ = User.objects.get_or_create(username="bench_county", defaults={"role": Role.COUNTY, "area_id": COUNTY})
    return user


def _call(name: str, user: Any) -> Any:
    from jingzhun.projects import fund_selectors as sel
    from jingzhun.projects.models import Project

    if name == "progress_total":
        return str(sel.progress_total(user=user, year=YEAR).percent)
    if name == "progress_by_source":
        return len(sel.progress_by_source(user=user, year=YEAR))
    if name == "progress_by_town":
        return len(sel.progress_by_town(user=user, year=YEAR))
    if name == "slowest_projects":
        return len(sel.progress_by_project(user=user, year=YEAR, slowest=True, limit=20))
    if name == "progress_by_project":
        return len(sel.progress_by_project(user=user, year=YEAR))
    if name == "paid_by_month":
        return [str(p) for p in sel.paid_by_month(user=user, year=YEAR)[-1].percents]
    if name == "early_by_source":
        return len(sel.early_by_source(user=user))
    if name == "ledger_rows":
        return len(sel.ledger_rows(user=user, year=YEAR))
    if name == "project_fund_summary":
        project = Project.objects.filter(year=YEAR).order_by("id").first()
        return str(sel.project_fund_summary(project=project)["progress"])
    raise ValueError(name)


def _measured(call: Any) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        value = call()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "queries": len(queries), "value": value}


def _cold_warm(call: Any) -> dict[str, Any]:
    cold = _measured(call)
    warm = min((_measured(call) for _ in range(3)), key=lambda m: m["seconds"])
    return {"cold": cold["seconds"], "warm": warm["seconds"], "queries": warm["queries"], "value": warm["value"]}


def lane_selector(name: str) -> dict[str, Any]:
    _setup()
    user = _county_user()
    return {**_cold_warm(lambda: _call(name, user)), "peak_rss_mb": _peak_mb()}


def lane_page(name: str) -> dict[str, Any]:
    _setup()
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(_county_user())
    url = reverse(f"projects:{name}")

    def get() -> int:
        response = client.get(url, {"year": YEAR})
        assert response.status_code == 200, (url, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return len(body)

    return {**_cold_warm(get), "peak_rss_mb": _peak_mb()}


def lane_explain() -> dict[str, Any]:
    """The plans of the queries the progress page's selectors run (captured as executed, then EXPLAINed)."""
    _setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = _county_user()
    plans: dict[str, list[str]] = {}
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    for name in ("progress_by_town", "paid_by_month"):
        with CaptureQueriesContext(connection) as queries:
            _call(name, user)
        with connection.cursor() as cursor:
            for n, query in enumerate(q["sql"] for q in queries.captured_queries if "SUM(" in q["sql"].upper()):
                cursor.execute(prefix + query)
                plans[f"{name}_{n}"] = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
    return {"plans": plans}


CHILDREN = {"seed": lane_seed, "selector": lane_selector, "page": lane_page, "explain": lane_explain}


# --- the run --------------------------------------------------------------------------------------------------------


def run(projects: int, payments: int, seed: int, postgres: str) -> dict[str, Any]:
    suffix = "-postgres" if postgres else ""
    work = OUT / f"work-{payments}{suffix}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {"JINGZHUN_DATA_DIR": str(work)}
    if postgres:
        env["DATABASE_URL"] = postgres
        name = postgres.rsplit("/", 1)[1]
        admin = postgres.rsplit("/", 1)[0] + "/postgres"
        for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
            subprocess.run(["psql", admin, "-qc", sql], check=True)
    figures: dict[str, Any] = {"database": "postgresql" if postgres else "sqlite", "year": YEAR}
    timed(jingzhun("migrate", "--verbosity", "0"), env)
    say(f"seeding {projects:,} projects and {payments:,} payments …")
    figures["seed"] = child_result(timed(child("seed", str(projects), str(payments), str(seed)), env))
    say(f"  {figures['seed']['seconds']:.1f} s")
    if postgres:
        started = time.perf_counter()
        subprocess.run(["psql", postgres, "-qc", "ANALYZE"], check=True)
        figures["analyze_seconds"] = time.perf_counter() - started
    else:
        figures["database_mb"] = (work / "jingzhun.sqlite3").stat().st_size / 1024**2
    figures["explain"] = child_result(timed(child("explain"), env))["plans"]
    for name in SELECTORS:
        say(f"selector {name} …")
        figures[name] = child_result(timed(child("selector", name), env))
    for name in PAGES:
        say(f"page {name} …")
        figures[f"page_{name}"] = child_result(timed(child("page", name), env))
    return figures


def summary(figures: dict[str, Any]) -> str:
    seed = figures["seed"]
    lines = [
        f"{figures['database']}: {seed['projects']:,} projects, {seed['funds']} funds, {seed['allocations']:,} "
        f"allocations, {seed['payments']:,} payments (inserted in {seed['seconds']:.1f} s)",
        f"  {'measurement':<28}{'cold s':>9}{'warm s':>9}{'queries':>9}{'peak MB':>9}",
    ]
    for name in (*SELECTORS, *(f"page_{p}" for p in PAGES)):
        item = figures[name]
        lines.append(
            f"  {name:<28}{item['cold']:>9.3f}{item['warm']:>9.3f}{item['queries']:>9}{item['peak_rss_mb']:>9.0f}"
        )
    for name, plan in figures["explain"].items():
        lines.append(f"  plan {name}: " + " | ".join(plan)[:300])
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL (the database is dropped and created)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        values = [int(a) if a.isdigit() else a for a in rest]
        print(json.dumps(CHILDREN[args.child](*values), default=str, ensure_ascii=False))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    figures = run(args.projects, args.payments, args.seed, args.postgres)
    suffix = "-postgres" if args.postgres else ""
    (OUT / f"spending-{args.payments}{suffix}.json").write_text(
        json.dumps(figures, indent=2, default=str, ensure_ascii=False)
    )
    print(summary(figures))


if __name__ == "__main__":
    main()
