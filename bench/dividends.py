"""Benchmark: differentiated dividends (docs/RULES.md §9) of a project with 100,000 beneficiary households.

    uv run python bench/dividends.py
    uv run python bench/dividends.py --postgres postgres://postgres@127.0.0.1:5432/jz_bench_dividends

The county is the one ``bench/assess.py`` generates and imports (cached under ``bench/out/assess/``; built here
when missing); with ``--postgres`` its villages and ledger are imported into that (emptied) database instead. Then
``jingzhun assess --year 2020`` gives the exited households their tiers, and one county-level project gets every
household of the county as a beneficiary taking dividends (one in 50 refused an offered post), inserted set-wise.
Each lane in its own process (peak RSS, by GNU time, is its own):

- preview: the distribution computed and streamed to a CSV file, stored nowhere (in-process seconds);
- cli preview: ``jingzhun dividends --project … --year 2020 --income … --out FILE`` (wall, with Django's start);
- approve: ``distribution_approve`` — the distribution, 100,000 shares by INSERT … SELECT, the dividends added to
  each household's 2020 income with the field history;
- approve again: the same income, nothing written.

Figures go to ``bench/out/dividends/dividends-N[-postgres].json`` and are summarised on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.adjustments_import import _postgres_county  # noqa: E402
from bench.assess import child_result, county_prepare, jingzhun, say, timed, work_copy  # noqa: E402

OUT = ROOT / "bench" / "out" / "dividends"
YEAR = 2020
CODE = "BENCH-DIV-1"
INCOME = "12345678.91"


def child(kind: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", kind, *args]


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()


def lane_setup() -> dict[str, Any]:
    """The project and its beneficiaries, set-wise (every household of the county; one in 50 refused)."""
    _setup()
    from django.db import connection, transaction

    from jingzhun.areas.models import Area
    from jingzhun.projects.models import Project

    county = Area.objects.filter(level="county").order_by("code").first()
    assert county is not None
    started = time.perf_counter()
    with transaction.atomic():
        project = Project.objects.create(
            code=CODE,
            name="县级光伏扶贫电站",
            kind="solar",
            level="county",
            area=county,
            year=2018,
            planned_investment=12_000_000,
            stage="operating",
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO projects_beneficiary (project_id, household_id, by_dividend, by_work, by_land, by_other, "
                "refused_post, refusal_reason, created_at, updated_at) "
                "SELECT %s, id, TRUE, FALSE, FALSE, FALSE, id %% 50 = 0, "
                "CASE WHEN id %% 50 = 0 THEN '拒绝公益岗位' ELSE '' END, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP "
                "FROM registry_household",
                [project.pk],
            )
            beneficiaries = cursor.rowcount
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"beneficiaries": beneficiaries, "seconds": time.perf_counter() - started}


def lane_preview(out: str) -> dict[str, Any]:
    _setup()
    import csv
    from decimal import Decimal

    from jingzhun.core.scope import SYSTEM
    from jingzhun.projects.dividend_selectors import computation_for, share_rows
    from jingzhun.projects.models import Project

    project = Project.objects.get(code=CODE)
    started = time.perf_counter()
    computation = computation_for(project=project, year=YEAR, income=Decimal(INCOME))
    totals = time.perf_counter() - started
    rows, total = 0, Decimal(0)
    with open(out, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        for row in share_rows(computation, user=SYSTEM):
            writer.writerow([row.household_no, row.tier, row.weight, f"{row.share:.2f}", row.reason])
            rows += 1
            total += row.share
    return {
        "seconds": time.perf_counter() - started,
        "totals_seconds": totals,
        "rows": rows,
        "sum_equals_distributable": total == computation.distributable,
        "distributable": str(computation.distributable),
        "counts": computation.counts,
    }


def lane_approve() -> dict[str, Any]:
    _setup()
    from decimal import Decimal

    from django.db.models import F, Sum
    from django.db.models.functions import Round

    from jingzhun.core.scope import SYSTEM
    from jingzhun.projects.dividend_services import distribution_approve
    from jingzhun.projects.models import Project, Share
    from jingzhun.registry.models import ChangeRecord

    project = Project.objects.get(code=CODE)
    history_before = ChangeRecord.objects.filter(entity="income").count()
    started = time.perf_counter()
    distribution, created = distribution_approve(user=SYSTEM, project=project, year=YEAR, income=Decimal(INCOME))
    seconds = time.perf_counter() - started
    # In cents: SQLite adds decimals as floating point.
    cents = Share.objects.filter(distribution=distribution).aggregate(c=Sum(Round(F("share") * 100)))["c"]
    return {
        "seconds": seconds,
        "created": created,
        "shares": Share.objects.filter(distribution=distribution).count(),
        "sum_equals_distributable": int(cents) == int(distribution.distributable * 100),
        "income_history_rows": ChangeRecord.objects.filter(entity="income").count() - history_before,
    }


def child_main(kind: str, args: list[str]) -> None:
    if kind == "setup":
        result = lane_setup()
    elif kind == "preview":
        result = lane_preview(args[0])
    elif kind == "approve":
        result = lane_approve()
    else:
        sys.exit(f"unknown lane {kind}")
    print(json.dumps(result, ensure_ascii=False, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL: the county goes there (emptied first)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        child_main(args.child, rest)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    meta = county_prepare(args.households, seed=args.seed, events_per_1000=10, fresh=False)
    say(f"county {args.households:,}: ready ({'cached' if meta['cached'] else 'built'})")
    if args.postgres:
        env = _postgres_county(args.households, args.postgres)
        work = Path(env["JINGZHUN_DATA_DIR"])
    else:
        work = work_copy(args.households, "dividends")
        env = {"JINGZHUN_DATA_DIR": str(work)}
    figures: dict[str, Any] = {"households": args.households, "database": "postgresql" if args.postgres else "sqlite"}
    say(f"county {args.households:,}: jingzhun assess --year {YEAR} …")
    figures["assess_seconds"] = timed(jingzhun("assess", "--year", str(YEAR)), env)["seconds"]
    if args.postgres:
        subprocess.run(["psql", args.postgres, "-qc", "ANALYZE"], check=True)
    figures["setup"] = child_result(timed(child("setup"), env))
    say(f"  {figures['setup']['beneficiaries']:,} beneficiaries")
    figures["preview"] = child_result(timed(child("preview", str(work / "preview.csv")), env))
    say(f"preview: {figures['preview']['seconds']:.2f} s, {figures['preview']['peak_rss_mb']:.0f} MB")
    command = jingzhun("dividends", "--project", CODE, "--year", str(YEAR), "--income", INCOME)
    run = timed([*command, "--out", str(work / "cli.csv")], env)
    figures["cli_preview"] = {"seconds": run["seconds"], "peak_rss_mb": run["peak_rss_mb"], "output": run["stdout"]}
    figures["cli_matches_preview"] = (work / "cli.csv").read_text().splitlines()[1:] == (
        work / "preview.csv"
    ).read_text().splitlines()
    say(f"cli preview: {run['seconds']:.2f} s, {run['peak_rss_mb']:.0f} MB")
    for lane in ("approve", "approve_again"):
        figures[lane] = child_result(timed(child("approve"), env))
        say(f"{lane}: {figures[lane]['seconds']:.2f} s, {figures[lane]['peak_rss_mb']:.0f} MB")
    suffix = "-postgres" if args.postgres else ""
    path = OUT / f"dividends-{args.households}{suffix}.json"
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False, default=str))
    print(json.dumps({k: v for k, v in figures.items() if k != "preview"}, indent=2, ensure_ascii=False, default=str))
    print(f"figures: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
