"""Benchmark: open monitoring cases in bulk for a whole county's flagged households, then list its overdue cases.

    uv run python bench/monitoring.py --households 1000000
    uv run python bench/monitoring.py --households 100000

The county is the one ``bench/assess.py`` generates and imports (cached under ``bench/out/assess/``; built
here when missing). On a fresh copy of it, each lane in its own process (peak RSS is its own):

- assess: ``jingzhun assess --year 2020`` (the run the cases come from);
- open: ``cases_open_from_run(year=2020)`` — what ``jingzhun monitor open --year 2020`` runs — timed in-process
  with every SQL statement counted (Django's ``CaptureQueriesContext``);
- open again: the same, to show that re-running opens nothing and costs little;
- overdue: as the county office on a day when every case is past its deadline (the worst case): the overdue
  count, the first page of the overdue list as the web page reads it (keyset, 50 rows), the dashboard's
  counts, and the full CSV export of the monitoring ledger — each timed with its query count;
- orm loop: ``case_open`` called once per household, as a per-record workflow would, on a sample, scaled.

Figures go to ``bench/out/monitoring/monitoring-N.json`` and are summarised on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assess import child_result, county_prepare, jingzhun, say, timed, work_copy  # noqa: E402

OUT = ROOT / "bench" / "out" / "monitoring"
YEAR = 2020


def child(kind: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", kind, *args]


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()


def _measured(call: Any) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        value = call()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "queries": len(queries), "value": value}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def lane_open() -> dict[str, Any]:
    _setup()
    from dataclasses import asdict

    from jingzhun.core.scope import SYSTEM
    from jingzhun.monitoring.services import cases_open_from_run

    result = _measured(lambda: asdict(cases_open_from_run(year=YEAR, user=SYSTEM)))
    result["value"]["decision_due"] = str(result["value"]["decision_due"])
    return {**result, "peak_rss_mb": _peak_mb()}


def lane_overdue(export_path: str) -> dict[str, Any]:
    _setup()
    from jingzhun.areas.models import Area, Level
    from jingzhun.core.paging import keyset_page
    from jingzhun.monitoring.ledger_export import monitoring_ledger_export
    from jingzhun.monitoring.models import MonitoringCase
    from jingzhun.monitoring.selectors import (
        case_search_for_user,
        monitoring_summary_for_user,
        overdue_cases_for_scope,
    )

    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    assert county is not None
    latest = MonitoringCase.objects.order_by("-decision_due").values_list("decision_due", flat=True).first()
    today = (latest or dt.date.today()) + dt.timedelta(days=31)  # noqa: DTZ011 — a fixed day after every deadline

    class Office:  # what the selectors read from a county user
        scope_prefix = county.prefix
        role = "county"
        may_see_id_numbers = False
        is_authenticated = True
        is_active = True

    figures: dict[str, Any] = {"county": county.code, "today": str(today)}
    figures["overdue_count"] = _measured(
        lambda: overdue_cases_for_scope(area_prefix=county.prefix, today=today).count()
    )
    figures["overdue_first_page"] = _measured(
        lambda: len(
            keyset_page(case_search_for_user(user=Office(), overdue="any", today=today), key="id", size=50).rows
        )
    )
    figures["dashboard_counts"] = _measured(lambda: monitoring_summary_for_user(user=Office(), today=today))
    figures["export_csv"] = _measured(
        lambda: monitoring_ledger_export(path=Path(export_path), area_prefix=county.prefix).rows
    )
    return {**figures, "peak_rss_mb": _peak_mb()}


def lane_orm(sample: int) -> dict[str, Any]:
    """The per-record way: one ``case_open`` per flagged household, as a loop over the ORM would do it."""
    _setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jingzhun.monitoring.services import MONITORABLE, case_open
    from jingzhun.policy.models import HouseholdResult
    from jingzhun.policy.selectors import run_latest

    run = run_latest(year=YEAR)
    assert run is not None
    flagged = (
        HouseholdResult.objects.filter(run=run, monitoring_flag=True, household__poverty_status__in=MONITORABLE)
        .select_related("household")
        .order_by("household_id")[:sample]
    )
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        for result in flagged:
            case_open(
                household=result.household,
                channel="department_warning",
                user=None,
                category=result.suggested_category,
                source_run=run,
            )
        seconds = time.perf_counter() - started
    return {"households": len(flagged), "seconds": seconds, "queries": len(queries), "peak_rss_mb": _peak_mb()}


CHILDREN = {"open": lane_open, "overdue": lane_overdue, "orm": lane_orm}


def county_run(households: int, *, orm_sample: int) -> dict[str, Any]:
    work = work_copy(households, "monitoring")
    env = {"JINGZHUN_DATA_DIR": str(work)}
    figures: dict[str, Any] = {"households": households}
    timed(jingzhun("migrate", "--verbosity", "0"), env)
    say(f"county {households:,}: jingzhun assess --year {YEAR} …")
    run = timed(jingzhun("assess", "--year", str(YEAR)), env)
    figures["assess"] = {"seconds": run["seconds"], "peak_rss_mb": run["peak_rss_mb"]}
    say(f"county {households:,}: opening cases in bulk …")
    figures["open"] = child_result(timed(child("open"), env))
    say(f"  {figures['open']['value']['opened']:,} cases in {figures['open']['seconds']:.1f} s")
    figures["open_again"] = child_result(timed(child("open"), env))
    say(f"county {households:,}: overdue lists and export …")
    figures["overdue"] = child_result(timed(child("overdue", str(work / "monitoring.csv")), env))
    if orm_sample:
        orm_work = work_copy(households, "monitoring-orm")
        orm_env = {"JINGZHUN_DATA_DIR": str(orm_work)}
        timed(jingzhun("migrate", "--verbosity", "0"), orm_env)
        timed(jingzhun("assess", "--year", str(YEAR)), orm_env)
        say(f"county {households:,}: per-household case_open loop on {orm_sample:,} households …")
        orm = child_result(timed(child("orm", str(orm_sample)), orm_env))
        flagged = figures["open"]["value"]["flagged"]
        orm["scaled_seconds"] = orm["seconds"] * flagged / max(orm["households"], 1)
        orm["scaled_queries"] = orm["queries"] * flagged // max(orm["households"], 1)
        figures["orm_loop"] = orm
    return figures


def summary(figures: dict[str, Any]) -> str:
    opened = figures["open"]
    lines = [
        f"county of {figures['households']:,} households",
        f"  assess:            {figures['assess']['seconds']:.1f} s",
        f"  open in bulk:      {opened['value']['opened']:,} cases (of {opened['value']['flagged']:,} flagged) in "
        f"{opened['seconds']:.2f} s, {opened['queries']} queries, {opened['peak_rss_mb']:.0f} MB",
        f"  open again:        {figures['open_again']['value']['opened']} opened, "
        f"{figures['open_again']['value']['joined']} joined in {figures['open_again']['seconds']:.2f} s, "
        f"{figures['open_again']['queries']} queries",
    ]
    overdue = figures["overdue"]
    for name in ("overdue_count", "overdue_first_page", "dashboard_counts", "export_csv"):
        lines.append(f"  {name:<18} {overdue[name]['seconds']:.2f} s, {overdue[name]['queries']} queries")
    if "orm_loop" in figures:
        orm = figures["orm_loop"]
        lines.append(
            f"  orm loop:          {orm['households']:,} households in {orm['seconds']:.1f} s, {orm['queries']} "
            f"queries; scaled to all flagged: {orm['scaled_seconds']:.0f} s, {orm['scaled_queries']:,} queries"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--events-per-1000", type=int, default=10)
    parser.add_argument("--orm-sample", type=int, default=2000)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        kind_args = [int(a) if a.isdigit() else a for a in rest]
        print(json.dumps(CHILDREN[args.child](*kind_args), default=str, ensure_ascii=False))
        return
    county_prepare(args.households, seed=args.seed, events_per_1000=args.events_per_1000, fresh=args.fresh)
    figures = county_run(args.households, orm_sample=args.orm_sample)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"monitoring-{args.households}.json").write_text(
        json.dumps(figures, indent=2, default=str, ensure_ascii=False)
    )
    print(summary(figures))


if __name__ == "__main__":
    main()
