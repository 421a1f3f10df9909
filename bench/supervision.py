"""Benchmark: the supervision late lists, statistics and rectification ledger over 200,000 findings (issue 19).

    uv run python bench/supervision.py                       # 200,000 findings
    uv run python bench/supervision.py --findings 50000

The areas (and households, for the findings that name one) are those of the small county ``bench/assess.py``
generates and imports (``--households``, default 20,000: 18 towns and 419 villages; cached under
``bench/out/assess/``). On a fresh copy of it, each lane in its own process (peak RSS is its own):

- seed: the findings generated with a fixed seed and written with bulk inserts (``executemany`` in one
  transaction; not the services, which take one finding at a time): spread over every village, a realistic
  mix of sources, categories and states — not yet assigned, assigned late, one part or both (一案双转),
  rectified in time or late, still open, verified — as of AS_OF, so that a large share is late;
- late list: the county's whole escalation list as of AS_OF streamed from ``selectors.late_parts`` into a CSV
  (what ``jingzhun findings overdue --as-of`` writes), with its query count;
- late counts: ``selectors.late_counts`` (the two levels' counts, as the late page shows them);
- statistics: ``selectors.statistics`` by each grouping, and the total, each one query;
- pages: the statistics page (each tab), the escalation list (first page of each level, a page deep in the
  county list by its key, the previous page) through Django's test client as the county office;
- export: the rectification ledger of every finding, with its statistics sheet (``findings_ledger_export``).

Figures go to ``bench/out/supervision/supervision-N.json`` and are summarised on stdout.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assess import child_result, county_prepare, jingzhun, say, timed, work_copy  # noqa: E402

OUT = ROOT / "bench" / "out" / "supervision"
AS_OF = dt.date(2026, 6, 30)
FIRST_FOUND = dt.date(2025, 7, 1)
SOURCES = ["superior", "inspection_tour", "audit", "unannounced", "monthly", "data_comparison", "petition"]
SOURCE_WEIGHTS = [8, 6, 5, 12, 45, 14, 10]
CATEGORIES = ["policy", "special_groups", "housing_water", "data_quality", "funds_projects", "conduct"]
CATEGORY_WEIGHTS = [30, 12, 18, 25, 10, 5]
DEPARTMENTS = ["education", "medical_insurance", "disability", "civil_affairs", "housing", "human_resources"]


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


def _county() -> Any:
    from jingzhun.areas.models import Area, Level

    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    assert county is not None
    return county


# --- seed: the findings, generated and bulk-inserted ---------------------------------------------------------


def _on(day: dt.date | None) -> str | None:
    """A date as stored, or None for one that has not happened by AS_OF."""
    return day.isoformat() if day is not None and day <= AS_OF else None


def lane_seed(database: str, findings: int, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    rng = random.Random(seed)
    con = sqlite3.connect(database)
    villages = con.execute("SELECT code, parent_id FROM areas_area WHERE level = 'village' ORDER BY code").fetchall()
    households: dict[str, list[int]] = {}
    for pk, village in con.execute("SELECT id, village_id FROM registry_household"):
        households.setdefault(village, []).append(pk)
    span = (AS_OF - FIRST_FOUND).days
    finding_rows, part_rows = [], []
    for n in range(1, findings + 1):
        found = FIRST_FOUND + dt.timedelta(days=rng.randrange(span))
        village, town = villages[rng.randrange(len(villages))]
        shape = rng.random()  # town only 40 %, department only 20 %, both 40 %
        town_code = town if shape < 0.4 or shape >= 0.6 else ""
        department = rng.choice(DEPARTMENTS) if shape >= 0.4 else ""
        assign_due = found + dt.timedelta(days=7)
        assigned = None if rng.random() < 0.08 else found + dt.timedelta(days=rng.choice([1, 2, 3, 5, 6, 7, 7, 9, 12]))
        assigned = assigned if assigned is not None and assigned <= AS_OF else None
        parts = []
        if assigned is not None:
            due = assigned + dt.timedelta(days=21)
            for kind, who in (("town", town_code), ("department", department)):
                if who:
                    # Three in four parts done, most within the 21 days (one in five after its due date).
                    took = rng.randrange(3, 22) if rng.random() < 0.8 else rng.randrange(22, 50)
                    done = assigned + dt.timedelta(days=took) if rng.random() < 0.75 else None
                    parts.append((kind, who, assigned.isoformat(), due.isoformat(), _on(done), done))
        dones = [p[5] for p in parts]
        verified = None
        if parts and all(d is not None and d <= AS_OF for d in dones) and rng.random() < 0.85:
            verified = max(d for d in dones if d) + dt.timedelta(days=rng.randrange(1, 10))
        village_households = households.get(village)
        household = rng.choice(village_households) if village_households and rng.random() < 0.3 else None
        finding_rows.append(
            (
                f"DC{found.year}-{n:07d}",
                rng.choices(SOURCES, SOURCE_WEIGHTS)[0],
                found.isoformat(),
                village,
                household,
                rng.choices(CATEGORIES, CATEGORY_WEIGHTS)[0],
                f"第 {n} 号督导问题：低保政策落实不到位，佐证材料不全",
                town_code,
                department,
                assign_due.isoformat(),
                assigned.isoformat() if assigned else None,
                _on(verified),
            )
        )
        part_rows.extend((n, kind, who, started_on, due, done) for kind, who, started_on, due, done, _d in parts)
    generated = time.perf_counter() - started
    with con:
        first = con.execute("SELECT coalesce(max(id), 0) FROM supervision_finding").fetchone()[0]
        con.executemany(
            "INSERT INTO supervision_finding (id, number, source, found_on, area_code, household_id, category, "
            "description, town_code, department, assign_due, assigned_on, verified_on, version, created_at, "
            "updated_at) VALUES (?+?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, datetime('now'), datetime('now'))",
            ((first, n, *row) for n, row in enumerate(finding_rows, start=1)),
        )
        con.executemany(
            "INSERT INTO supervision_findingpart (finding_id, kind, assignee, started_on, due, done_on, "
            "rectification, rounds) VALUES (?+?, ?, ?, ?, ?, ?, '', 1)",
            ((first, *row) for row in part_rows),
        )
    con.close()
    return {
        "findings": len(finding_rows),
        "parts": len(part_rows),
        "generate_seconds": generated,
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": _peak_mb(),
    }


# --- the measured lanes ------------------------------------------------------------------------------------------


def _findings() -> Any:
    from jingzhun.core.scope import SYSTEM
    from jingzhun.supervision.selectors import findings_for_user

    return findings_for_user(user=SYSTEM).filter(area_code__startswith=_county().prefix)


def lane_late_list(out: str) -> dict[str, Any]:
    _setup()
    from jingzhun.supervision.selectors import late_parts

    findings = _findings()

    def write() -> dict[str, int]:
        rows = {"assign": 0, "town": 0, "department": 0}
        with open(out, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["finding_no", "part", "due", "days_late", "escalated_to"])
            for part in late_parts(findings=findings, as_of=AS_OF):
                writer.writerow([part.finding_no, part.part, part.due.isoformat(), part.days_late, part.escalated_to])
                rows[part.part] += 1
        return rows

    return {"late_list": _measured(write), "peak_rss_mb": _peak_mb()}


def lane_late_counts() -> dict[str, Any]:
    _setup()
    from jingzhun.supervision.selectors import late_counts

    findings = _findings()
    return {"late_counts": _measured(lambda: late_counts(findings=findings, as_of=AS_OF)), "peak_rss_mb": _peak_mb()}


def lane_statistics() -> dict[str, Any]:
    _setup()
    from jingzhun.supervision.selectors import GROUPINGS, statistics, statistics_total

    findings = _findings()
    figures: dict[str, Any] = {}
    for by in GROUPINGS:
        result = _measured(lambda by=by: statistics(findings=findings, by=by, as_of=AS_OF))
        result["value"] = {"groups": len(result["value"]), "found": sum(row["found"] for row in result["value"])}
        figures[f"statistics_{by}"] = result
    figures["statistics_total"] = _measured(lambda: statistics_total(findings=findings, as_of=AS_OF))
    return {**figures, "peak_rss_mb": _peak_mb()}


def _client() -> Any:
    """A test client logged in as the county office, with the report routes reachable under /supervision/."""
    import types

    from django.conf import settings
    from django.test import Client
    from django.urls import NoReverseMatch, clear_url_caches, include, path, reverse

    from jingzhun.accounts.models import Role, User

    try:
        reverse("supervision:statistics")
    except NoReverseMatch:  # the app's urls do not include the reports yet: a urlconf of the site plus them
        from jingzhun import urls as site
        from jingzhun.supervision import report_urls

        urlconf = types.ModuleType("bench_supervision_urls")
        urlconf.urlpatterns = [  # type: ignore[attr-defined]
            path("supervision/", include((report_urls.urlpatterns, "supervision"))),
            *site.urlpatterns,
        ]
        sys.modules[urlconf.__name__] = urlconf
        settings.ROOT_URLCONF = urlconf.__name__
        clear_url_caches()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, _ = User.objects.get_or_create(username="bench_county", defaults={"role": Role.COUNTY, "area": _county()})
    client = Client()
    client.force_login(user)
    return client


def lane_pages() -> dict[str, Any]:
    _setup()
    client = _client()
    as_of = AS_OF.isoformat()

    def get(url: str, **params: str) -> dict[str, Any]:
        response = client.get(url, {"as_of": as_of, **params})
        assert response.status_code == 200, (url, response.status_code)
        # Rows as the HTML shows them (the test client's context needs Django's test instrumentation, which
        # would slow every template render): every table row starts with its header cell (the total's too).
        return {"bytes": len(response.content), "rows": response.content.count(b'<th scope="row"')}

    figures: dict[str, Any] = {}
    get("/supervision/statistics/")  # warm: templates, translations, URL resolvers
    for by in ("source", "category", "town", "department"):
        figures[f"statistics_page_{by}"] = _measured(lambda by=by: get("/supervision/statistics/", by=by))
    for level in ("county", "city"):
        figures[f"late_page_{level}"] = _measured(lambda level=level: get("/supervision/late/", level=level))
    # A page deep in the county list: the key of a row about half-way down (as a "next" link would carry it).
    from jingzhun.supervision.selectors import late_parts

    parts = [p for p in late_parts(findings=_findings(), as_of=AS_OF) if p.part != "assign"]
    middle = parts[len(parts) // 2]
    key = f"{middle.finding_no}|{middle.part}"
    figures["late_page_county_deep"] = _measured(lambda: get("/supervision/late/", level="county", after=key))
    figures["late_page_county_back"] = _measured(lambda: get("/supervision/late/", level="county", before=key))
    figures["county_late_parts"] = len(parts)
    return {**figures, "peak_rss_mb": _peak_mb()}


def lane_export(path: str) -> dict[str, Any]:
    _setup()
    from dataclasses import asdict

    from jingzhun.supervision.ledger_export import findings_ledger_export

    county = _county()
    result = _measured(lambda: asdict(findings_ledger_export(path=Path(path), as_of=AS_OF, area_prefix=county.prefix)))
    result["file_mb"] = Path(path).stat().st_size / 1024**2
    return {"export": result, "peak_rss_mb": _peak_mb()}


CHILDREN = {
    "seed": lane_seed,
    "late_list": lane_late_list,
    "late_counts": lane_late_counts,
    "statistics": lane_statistics,
    "pages": lane_pages,
    "export": lane_export,
}


def run(households: int, findings: int, seed: int) -> dict[str, Any]:
    work = work_copy(households, "supervision")
    env = {"JINGZHUN_DATA_DIR": str(work)}
    figures: dict[str, Any] = {"households": households, "findings": findings, "as_of": AS_OF.isoformat()}
    timed(jingzhun("migrate", "--verbosity", "0"), env)
    say(f"{findings:,} findings: generating and inserting …")
    figures["seed"] = child_result(timed(child("seed", str(work / "jingzhun.sqlite3"), str(findings), str(seed)), env))
    for lane, args in (
        ("late_list", [str(work / "overdue.csv")]),
        ("late_counts", []),
        ("statistics", []),
        ("pages", []),
        ("export", [str(work / "findings.xlsx")]),
    ):
        say(f"{findings:,} findings: {lane} …")
        figures[lane] = child_result(timed(child(lane, *args), env))
    return figures


def summary(figures: dict[str, Any]) -> str:
    seed = figures["seed"]
    lines = [
        f"{seed['findings']:,} findings, {seed['parts']:,} parts, as of {figures['as_of']} "
        f"(inserted in {seed['seconds']:.1f} s)",
        f"  {'lane':<28}{'seconds':>9}{'queries':>9}{'peak MB':>9}  result",
    ]

    def line(name: str, item: dict[str, Any], peak: float, result: str = "") -> None:
        lines.append(f"  {name:<28}{item['seconds']:>9.3f}{item['queries']:>9}{peak:>9.0f}  {result}")

    late = figures["late_list"]
    line("late list (streamed CSV)", late["late_list"], late["peak_rss_mb"], json.dumps(late["late_list"]["value"]))
    counts = figures["late_counts"]
    line("late counts", counts["late_counts"], counts["peak_rss_mb"], json.dumps(counts["late_counts"]["value"]))
    stats = figures["statistics"]
    for name in ("source", "category", "town", "department", "total"):
        item = stats[f"statistics_{name}"]
        value = item["value"]
        result = f"{value['groups']} groups" if name != "total" else f"found {value['found']:,}, late {value['late']:,}"
        line(f"statistics by {name}" if name != "total" else "statistics total", item, stats["peak_rss_mb"], result)
    pages = figures["pages"]
    for name in (
        "statistics_page_source",
        "statistics_page_category",
        "statistics_page_town",
        "statistics_page_department",
        "late_page_county",
        "late_page_city",
        "late_page_county_deep",
        "late_page_county_back",
    ):
        item = pages[name]
        line(name.replace("_", " "), item, pages["peak_rss_mb"], f"{item['value']['rows']} rows")
    export = figures["export"]
    line(
        "ledger export (.xlsx)",
        export["export"],
        export["peak_rss_mb"],
        f"{export['export']['value']['rows']:,} rows, {export['export']['file_mb']:.1f} MB",
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=200_000)
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        kind_args = [int(a) if a.isdigit() else a for a in rest]
        print(json.dumps(CHILDREN[args.child](*kind_args), default=str, ensure_ascii=False))
        return
    load_before = os.getloadavg()
    county_prepare(args.households, seed=args.seed, events_per_1000=10, fresh=args.fresh)
    figures = run(args.households, args.findings, args.seed)
    figures["load_before"], figures["load_after"] = load_before, os.getloadavg()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"supervision-{args.findings}.json").write_text(
        json.dumps(figures, indent=2, default=str, ensure_ascii=False)
    )
    print(summary(figures))


if __name__ == "__main__":
    main()
