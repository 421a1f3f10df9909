"""Benchmark: every standard table (统计报表) of a county of ``--households`` households, cold and warm.

    python bench/reports.py --households 1000000

The county is bench/assess.py's cached one (``jingzhun generate --seed 1``, imported once). On a copy, set up
untimed: the households and members dated as registered in 2019 (so that a past year is read back from history
for every one of them) and one household in a hundred changed to 返贫 now (a status change after that year's end
to undo); an assessment of the income year (the ``assurances`` table), ``jingzhun monitor open`` on it (cases for
``monitoring`` and ``help``) and bench/benefits_gaps.py's 5,000,000 payments of that year (``benefits``). Then,
in one fresh process per year — the current year (read live), the year before (read back from history), the
income year — each table is built twice through ``reports.standard.report_table`` as the page builds it: cold
(the queries) and warm (from the cache), and written as the workbook the download and ``jingzhun report`` write.
Last, in one more fresh process, the leadership dashboard (领导看板) as a county user and a town user open it
(``GET /reports/dashboard/`` through Django's test client, template included): the first view (every table and
count cold), then warm views; and once more after a status change, which must show at once (a new registry
version: the population figures are recounted, the rest stay warm).
Figures go to ``bench/out/reports/reports-N.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assess import county_prepare, jingzhun, say, timed, work_copy  # noqa: E402

OUT = ROOT / "bench" / "out" / "reports"


def lane(year: int) -> dict[str, Any]:
    """In this process: every table of ``year`` cold, warm and as a workbook, with the peak RSS."""
    import resource
    import tempfile

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()
    from jingzhun.core.scope import SYSTEM
    from jingzhun.reports.standard import REPORTS, report_table
    from jingzhun.reports.xlsx import table_xlsx

    figures: dict[str, Any] = {}
    folder = Path(tempfile.mkdtemp())
    for name in REPORTS:
        started = time.perf_counter()
        table = report_table(name=name, user=SYSTEM, year=year)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        report_table(name=name, user=SYSTEM, year=year)
        warm = time.perf_counter() - started
        started = time.perf_counter()
        table_xlsx(table, folder / f"{name}.xlsx")
        workbook = time.perf_counter() - started
        figures[name] = {"cold_s": round(cold, 3), "warm_ms": round(warm * 1000, 2), "xlsx_s": round(workbook, 3)}
        print(name, figures[name], file=sys.stderr)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def dashboard_lane() -> dict[str, Any]:
    """In this process: the county's and its first town's dashboard pages, cold, warm and after a change."""
    import resource
    import statistics

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()
    from django.test import Client

    from jingzhun.accounts.models import Role, User
    from jingzhun.areas.models import Area, Level
    from jingzhun.registry.models import Household
    from jingzhun.registry.services import household_update

    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    town = Area.objects.filter(level=Level.TOWN, parent=county).order_by("code").first()
    assert county is not None and town is not None
    user, _ = User.objects.get_or_create(username="bench_county", defaults={"role": Role.COUNTY, "area": county})
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    figures: dict[str, Any] = {}

    def view(query: dict[str, str]) -> float:
        started = time.perf_counter()
        response = client.get("/reports/dashboard/", query)
        assert response.status_code == 200, response.status_code
        return time.perf_counter() - started

    for name, query in (("county", {}), ("town", {"area": town.code})):
        cold = view(query)
        warm = [view(query) for _ in range(5)]
        figures[name] = {"cold_s": round(cold, 3), "warm_ms": round(statistics.median(warm) * 1000, 1)}
        print(name, figures[name], file=sys.stderr)
    household = Household.objects.filter(village__code__startswith=town.prefix).order_by("id").first()
    assert household is not None
    new = "exited" if household.poverty_status != "exited" else "relapsed"
    household_update(household=household, changes={"poverty_status": new}, user=user, reason="bench")
    figures["county_after_change_s"] = round(view({}), 3)
    figures["county_warm_again_ms"] = round(statistics.median(view({}) for _ in range(5)) * 1000, 1)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--child", type=int, default=0, help="(internal) run the lane of this year")
    parser.add_argument("--dashboard", action="store_true", help="(internal) run the dashboard lane")
    parser.add_argument("--only-dashboard", action="store_true", help="skip the tables (work copy kept as set up)")
    args = parser.parse_args()
    if args.dashboard:
        print(json.dumps(dashboard_lane()))
        return
    if args.child:
        print(json.dumps(lane(args.child)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    meta = county_prepare(args.households, seed=1, events_per_1000=10, fresh=False)
    say(f"county {args.households:,}: prepared ({'cached' if meta.get('cached') else 'new'})")
    work = work_copy(args.households, "reports")
    env = {"JINGZHUN_DATA_DIR": str(work)}
    timed(jingzhun("migrate", "--verbosity", "0"), env)
    import sqlite3

    from bench.benefits_gaps import payments_add_sqlite

    database = work / "jingzhun.sqlite3"
    with sqlite3.connect(database) as con:
        income_year = con.execute("SELECT max(year) FROM registry_income").fetchone()[0]
        registered = "2019-06-01 00:00:00"
        con.execute(f"UPDATE registry_household SET created_at = '{registered}'")
        con.execute(f"UPDATE registry_member SET created_at = '{registered}'")
        con.execute(f"UPDATE registry_statuschange SET changed_at = '{registered}'")
        now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        con.execute(
            "INSERT INTO registry_statuschange (household_id, from_status, to_status, changed_at, reason) "
            f"SELECT id, poverty_status, 'relapsed', '{now}', 'bench' FROM registry_household WHERE id % 100 = 0"
        )
        con.execute("UPDATE registry_household SET poverty_status = 'relapsed' WHERE id % 100 = 0")
    timed(jingzhun("assess", "--year", str(income_year)), env)
    timed(jingzhun("monitor", "open", "--year", str(income_year)), env)
    payments_add_sqlite(database, 5 * args.households)
    this_year = int(time.strftime("%Y"))
    result: dict[str, Any] = {"households": args.households, "counts": meta.get("counts"), "income_year": income_year}
    for year in () if args.only_dashboard else (this_year, this_year - 1, income_year):
        run = timed([sys.executable, str(Path(__file__).resolve()), "--child", str(year)], env)
        result[str(year)] = {**json.loads(run["stdout"].strip().splitlines()[-1]), "process_s": run["seconds"]}
        say(f"{year}: {result[str(year)]}")
    run = timed([sys.executable, str(Path(__file__).resolve()), "--dashboard"], env)
    result["dashboard"] = {**json.loads(run["stdout"].strip().splitlines()[-1]), "process_s": run["seconds"]}
    say(f"dashboard: {result['dashboard']}")
    (OUT / f"reports-{args.households}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
