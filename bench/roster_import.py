"""Benchmark: importing a county's helper roster (docs/LEDGER.md §9, issue 23): 2,000 helpers, 25,000 pairings and
176 units for 124 villages, as Jiyang's and Shangzhou's offices hand them over.

    uv run python bench/roster_import.py                          # 2,000 helpers, 25,000 pairings
    uv run python bench/roster_import.py --helpers 500 --pairings 5000

A fresh embedded SQLite database under ``bench/out/roster/`` (``DATABASE_URL`` for PostgreSQL), migrated, with a
generated county: 18 towns, 300 villages and ``--pairings`` + 10 % households (written with ``bulk_create``, not the
ledger import: the import of the ledger has its own benchmark). The roster is three CSV files written with a fixed
seed; each is imported as the command line does (``roster_import`` as ``SYSTEM``), then imported again (the
idempotent re-run: every row unchanged). Times are wall-clock seconds of each import, with its query count.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "roster"
UNITS = [
    "县农业农村局",
    "县教体局",
    "县卫健局",
    "县财政局",
    "县水利局",
    "县人社局",
    "县民政局",
    "县委组织部",
    "县住建局",
    "县交通局",
]


def _setup(data_dir: Path) -> None:
    os.environ["JINGZHUN_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _county(households: int) -> tuple[list[str], list[str], list[str]]:
    """Towns, villages and household numbers of a generated county (code 610702, 商州区)."""
    from jingzhun.areas.models import Area, Level
    from jingzhun.registry.models import Household
    from jingzhun.registry.vocab import PovertyStatus

    county = Area.objects.create(code="610702000000", name="商州区", level=Level.COUNTY)
    towns = [Area(code=f"610702{t:03d}000", name=f"第{t}镇", level=Level.TOWN, parent=county) for t in range(1, 19)]
    Area.objects.bulk_create(towns)
    villages = [
        Area(
            code=f"{towns[v % 18].code[:9]}{v // 18 + 1:03d}",
            name=f"第{v}村",
            level=Level.VILLAGE,
            parent=towns[v % 18],
        )
        for v in range(300)
    ]
    Area.objects.bulk_create(villages)
    statuses = [PovertyStatus.EXITED, PovertyStatus.EXITED_NO_POLICY, PovertyStatus.NOT_EXITED]
    homes = [
        Household(household_no=f"61070{n:09d}", village=villages[n % 300], poverty_status=statuses[n % 3])
        for n in range(households)
    ]
    Household.objects.bulk_create(homes, batch_size=5000)
    return [t.code for t in towns], [v.code for v in villages], [h.household_no for h in homes]


def _write(path: Path, headers: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def _roster(folder: Path, *, helpers: int, pairings: int, villages: list[str], households: list[str]) -> list[Path]:
    rng = random.Random(23)
    people = [(f"帮扶人{n:05d}", UNITS[n % len(UNITS)], villages[n % len(villages)]) for n in range(helpers)]
    helper_rows = [[name, "帮扶责任人", unit, f"139{n:08d}", area] for n, (name, unit, area) in enumerate(people)]
    chosen = rng.sample(households, pairings)
    pairing_rows = [
        [people[n % helpers][0], people[n % helpers][1], "", no, f"2024-{n % 12 + 1:02d}-01", "", ""]
        for n, no in enumerate(chosen)
    ]
    unit_rows = [[f"包扶单位{n:03d}", villages[n % 124], "2021-06-01", ""] for n in range(176)]
    return [
        _write(folder / "帮扶责任人.csv", ["姓名", "类别", "单位", "联系电话", "区划代码"], helper_rows),
        _write(
            folder / "结对.csv",
            ["帮扶责任人", "帮扶责任人单位", "帮扶责任人电话", "户编号", "开始日期", "结束日期", "结束原因"],
            pairing_rows,
        ),
        _write(folder / "包扶单位.csv", ["包扶单位", "村区划代码", "开始日期", "结束日期"], unit_rows),
    ]


def _timed_import(path: Path) -> dict[str, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jingzhun.assistance.services import roster_import
    from jingzhun.core.scope import SYSTEM

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        outcome = roster_import(path=path, user=SYSTEM)
        seconds = time.perf_counter() - start
    return {
        "file": path.name,
        "rows": outcome.rows,
        "created": outcome.created,
        "unchanged": outcome.unchanged,
        "rejected": outcome.rejected,
        "seconds": round(seconds, 2),
        "queries": len(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--helpers", type=int, default=2000)
    parser.add_argument("--pairings", type=int, default=25000)
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    sys.path.insert(0, str(ROOT / "src"))
    (OUT / "data").mkdir()
    _setup(OUT / "data")
    start = time.perf_counter()
    _towns, villages, households = _county(args.pairings + args.pairings // 10)
    print(f"county: {len(households):,} households in 300 villages, {time.perf_counter() - start:.1f} s")
    files = _roster(OUT, helpers=args.helpers, pairings=args.pairings, villages=villages, households=households)
    results = {"first": [_timed_import(path) for path in files], "again": [_timed_import(path) for path in files]}
    for run, rows in results.items():
        for row in rows:
            print(
                f"{run:>5} {row['file']:<12} {row['rows']:>7,} rows  created {row['created']:>6,}  "
                f"unchanged {row['unchanged']:>6,}  rejected {row['rejected']}  {row['seconds']:>6.2f} s  "
                f"{row['queries']} queries"
            )
    (OUT / f"roster-{args.helpers}-{args.pairings}.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
