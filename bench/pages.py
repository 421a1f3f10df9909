"""Benchmark: the pages issue 26 names, one request at a time, in a county of ``--households`` households.

    python bench/pages.py --households 1000000
    python bench/pages.py --households 100000 --county /path/to/imported --work /tmp/jz/pages-100k --only run,case
    python bench/pages.py --households 100000 --database-url postgres://postgres@127.0.0.1/jz_pages  # empty database

The county is bench/assess.py's cached one (``--county`` names another imported data directory, which is only
read), on the embedded database. On a copy of it (``--work``), set up untimed and once (a later run with the same
``--work`` reuses it and migrates it again, so a new migration runs on the prepared copy): ``jingzhun assess --year
2020``, ``jingzhun monitor open --year 2020`` (cases, and the instant-help tiers their categories give), and
helpers from the county's bureaus paired with every registered-poor or monitored household and visits to most of
them this year (the demo's set-based seeding); with ``--database-url``, the county's ledger imported into that
(empty) PostgreSQL database first. When the version run keeps registry marks on its runs and the
copy's newest run has none, a run is made again as this version makes it.

Then, in one fresh process whose URLs and views are loaded (as a server's after its first request), each page is
viewed through Django's test client as a county user, and most also as a town user: the first view (nothing
kept yet) and the median of five warm views, template included; the next page of each keyset list; the run page
once more after a household's status changes (a new registry version) and the coverage after a visit is
recorded. ``--only run,members`` times only the pages whose label has one of these words. Figures go to
``bench/out/pages/pages-N.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assess import OUT as COUNTIES  # noqa: E402
from bench.assess import county_prepare, jingzhun, say, timed  # noqa: E402

OUT = ROOT / "bench" / "out" / "pages"
YEAR = 2020
WARM = 5
PREPARED = ".pages-prepared"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()


def seed_assistance() -> dict[str, int]:
    """Helpers per village, pairings for every household an office pairs, visits to most of them this year: the
    demo's set-based seeding (``web.demo``), on the whole county."""
    _setup()
    from jingzhun.areas.models import Area, Level
    from jingzhun.web.demo import _helpers_at_scale

    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    assert county is not None
    helpers, pairings, visits = _helpers_at_scale(county, seed=1, today=dt.date.today())  # noqa: DTZ011
    return {"helpers": helpers, "pairings": pairings, "visits": visits}


_NEXT = re.compile(r'href="\?([^"]*after=[^"]*)"')


def lane() -> dict[str, Any]:
    """In this process: every page, first view and warm views, as the county and a town."""
    import resource

    _setup()
    from django.core.cache import cache
    from django.test import Client
    from django.urls import get_resolver

    from jingzhun.accounts.models import Role, User
    from jingzhun.areas.models import Area, Level
    from jingzhun.assistance.models import Pairing
    from jingzhun.assistance.services import visit_record
    from jingzhun.core.scope import SYSTEM
    from jingzhun.policy.models import AssessmentRun
    from jingzhun.registry.models import Household
    from jingzhun.registry.services import household_update

    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    town = Area.objects.filter(level=Level.TOWN, parent=county).order_by("code").first()
    assert county is not None and town is not None
    run = AssessmentRun.objects.filter(finished_at__isnull=False).order_by("-id").first()
    assert run is not None
    users = {
        "county": User.objects.get_or_create(
            username="bench_pages_county", defaults={"role": Role.COUNTY, "area": county}
        )[0],
        "town": User.objects.get_or_create(username="bench_pages_town", defaults={"role": Role.TOWN, "area": town})[0],
    }
    clients = {}
    for name, user in users.items():
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        clients[name] = client
    # The process as a server's is after its first request (the URLs, the views and Ibis loaded): a first view
    # below is one whose figures are not kept yet, not the first of the process.
    get_resolver().url_patterns  # noqa: B018
    import jingzhun.policy.transitions  # noqa: F401

    cache.clear()

    def view(who: str, url: str) -> tuple[float, Any]:
        started = time.perf_counter()
        response = clients[who].get(url)
        seconds = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        return seconds, response

    def next_url(path: str, response: Any) -> str | None:
        if response.get("Content-Type", "").startswith("application/json"):
            following = response.json().get("next")
            return following.removeprefix("http://localhost") if following else None
        found = _NEXT.search(response.content.decode())
        return f"{path}?{found.group(1).replace('&amp;', '&')}" if found else None

    figures: list[dict[str, Any]] = []

    only = [word for word in os.environ.get("JZ_BENCH_ONLY", "").split(",") if word]

    def measure(label: str, who: str, url: str) -> Any:
        if only and not any(word in label for word in only):
            return clients[who].get(url)  # not timed, but its links are followed (next pages)
        first, response = view(who, url)
        warm = [view(who, url)[0] for _ in range(WARM)]
        row = {
            "page": label,
            "as": who,
            "url": url,
            "first_ms": round(first * 1000, 1),
            "warm_ms": round(statistics.median(warm) * 1000, 1),
        }
        figures.append(row)
        say(f"  {label} ({who}): first {row['first_ms']:.0f} ms, warm {row['warm_ms']:.0f} ms")
        return response

    run_page = f"/assessments/{run.pk}/"
    measure("run page", "county", run_page)
    measure("run page", "town", run_page)
    measure("run page, one transition cell", "county", f"{run_page}?from=not_exited&to=not_exited")
    measure("visit coverage", "county", "/assistance/coverage/")
    measure("visit coverage", "town", "/assistance/coverage/")
    for who in ("county", "town"):
        response = measure("case list", who, "/monitoring/")
        following = next_url("/monitoring/", response)
        if following:
            measure("case list, next page", who, following)
    measure("case list, overdue filter", "county", "/monitoring/?overdue=any")
    response = measure("instant-help list", "county", "/monitoring/instant-help/")
    following = next_url("/monitoring/instant-help/", response)
    if following:
        measure("instant-help list, next page", "county", following)
    response = measure("members ?q=王", "county", "/api/members/?q=%E7%8E%8B")
    following = next_url("/api/members/", response)
    if following:
        measure("members ?q=王, next page", "county", following)
    measure("members ?q=王", "town", "/api/members/?q=%E7%8E%8B")

    # After a change, the first view counts again what the change touched; the warm views are kept again.
    household = Household.objects.filter(village__code__startswith=town.prefix).order_by("id").first()
    assert household is not None
    new = "exited" if household.poverty_status != "exited" else "relapsed"
    household_update(household=household, changes={"poverty_status": new}, user=users["county"], reason="bench")
    measure("run page after a status change", "county", run_page)
    pairing = Pairing.objects.filter(ended_on__isnull=True).select_related("household", "helper").order_by("id").first()
    if pairing is not None:
        visit_record(
            by=SYSTEM,
            household=pairing.household,
            helper=pairing.helper,
            visited_on=dt.date.today(),  # noqa: DTZ011
            findings="入户走访（基准测试）",
        )
        measure("visit coverage after a visit", "county", "/assistance/coverage/")
    return {"run": run.pk, "pages": figures, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def prepare(source: Path, work: Path, *, database_url: str = "", ledger: Path | None = None) -> dict[str, Any]:
    """The working copy, set up once (assessment, cases, helpers, pairings, visits); later runs migrate it only.
    With ``database_url`` (an empty PostgreSQL database) the county's ledger is imported into it instead."""
    env = {"JINGZHUN_DATA_DIR": str(work), "DATABASE_URL": database_url}
    if not (work / PREPARED).exists():
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        shutil.copy(source / "secret_key", work / "secret_key")
        if database_url:
            assert ledger is not None
            timed(jingzhun("migrate", "--verbosity", "0"), env)
            say(f"{database_url}: importing {ledger} …")
            villages = ledger.with_name(ledger.stem + ".villages.csv")
            timed(jingzhun("import", "villages", str(villages)), env, ok=(0, 1))
            timed(jingzhun("import", "ledger", str(ledger), "--no-progress"), env, ok=(0, 1))
        else:
            shutil.copy(source / "jingzhun.sqlite3", work / "jingzhun.sqlite3")
            timed(jingzhun("migrate", "--verbosity", "0"), env)
        say(f"{work}: jingzhun assess --year {YEAR} …")
        timed(jingzhun("assess", "--year", str(YEAR)), env)
        say(f"{work}: jingzhun monitor open --year {YEAR} …")
        timed(jingzhun("monitor", "open", "--year", str(YEAR)), env)
        say(f"{work}: helpers, pairings, visits …")
        seeded = json.loads(timed(child("seed"), env)["stdout"].strip().splitlines()[-1])
        if database_url:  # the statistics autovacuum would gather after such a load (the plans are chosen by them)
            timed(child("analyze"), env)
        (work / PREPARED).write_text(json.dumps(seeded))
    started = time.perf_counter()
    timed(jingzhun("migrate", "--verbosity", "0"), env)
    figures = {
        "seeded": json.loads((work / PREPARED).read_text()),
        "migrate_s": round(time.perf_counter() - started, 1),
        "database": "postgresql" if database_url else "sqlite",
    }
    if json.loads(timed(child("unmarked"), env)["stdout"].strip().splitlines()[-1]):
        # The copy's run was made by a version that kept no registry marks: a run as this version makes it.
        say(f"{work}: jingzhun assess --year {YEAR} (this version's run) …")
        figures["assess_s"] = round(timed(jingzhun("assess", "--year", str(YEAR)), env)["seconds"], 1)
    return figures


def analyze() -> bool:
    _setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True


def run_unmarked() -> bool:
    """Whether this version keeps registry marks on runs and the newest run has none."""
    _setup()
    from jingzhun.policy.models import AssessmentRun

    if not any(field.name == "registry_marks" for field in AssessmentRun._meta.fields):
        return False
    newest = AssessmentRun.objects.order_by("-id").values_list("registry_marks", flat=True)[:1]
    return bool(newest) and newest[0] is None


def child(kind: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", kind]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--county", type=Path, help="an imported data directory to copy (default: bench/assess.py's)")
    parser.add_argument("--work", type=Path, help="the working copy (default: bench/out/pages/county-N)")
    parser.add_argument("--only", default="", help="time only the pages whose label has one of these words (a,b)")
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database to load the county into")
    parser.add_argument("--ledger", type=Path, help="with --database-url: the county's ledger CSV (default: assess's)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        children = {"seed": seed_assistance, "lane": lane, "unmarked": run_unmarked, "analyze": analyze}
        print(json.dumps(children[args.child](), ensure_ascii=False))
        return
    os.environ.pop("DATABASE_URL", None)  # the copy's embedded database, unless --database-url
    source = args.county
    if source is None:
        county_prepare(args.households, seed=1, events_per_1000=10, fresh=False)
        source = COUNTIES / f"county-{args.households}" / "imported"
    work = args.work or OUT / f"county-{args.households}{'-pg' if args.database_url else ''}"
    ledger = args.ledger or COUNTIES / f"county-{args.households}" / "ledger.csv"
    setup = prepare(source, work, database_url=args.database_url, ledger=ledger)
    env = {"JINGZHUN_DATA_DIR": str(work), "JZ_BENCH_ONLY": args.only, "DATABASE_URL": args.database_url}
    result = {
        "households": args.households,
        **setup,
        **json.loads(timed(child("lane"), env)["stdout"].strip().splitlines()[-1]),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    name = f"pages-{args.households}{'-pg' if args.database_url else ''}.json"
    (OUT / name).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\ncounty of {args.households:,} households ({setup['database']}), run #{result['run']}\n")
    print("| page | as | first view ms | warm ms (median of 5) |\n|---|---|---:|---:|")
    for row in result["pages"]:
        print(f"| {row['page']} | {row['as']} | {row['first_ms']:.0f} | {row['warm_ms']:.0f} |")


if __name__ == "__main__":
    main()
