"""Benchmark: ``jingzhun benefits gaps`` (应享未享) for a whole county with millions of payments.

    python bench/benefits_gaps.py --households 1000000 --payments 5000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jz_bench python bench/benefits_gaps.py --households 100000 --payments 500000

The county is generated and imported once by bench/assess.py's ``county_prepare`` (``jingzhun generate --seed 1``,
villages and ledger imported into a fresh embedded database, about 1 % of households given sudden events) and
reused. On a copy, ``--payments`` benefit payments of 2020 are inserted set-based (one ``INSERT … SELECT`` per
benefit from the members and households: B07 and B02 for members, B06 for households, some of them to
households that are not entitled, so both lists have rows). Then, each in its own process (peak RSS is its own):

- ``jingzhun benefits gaps --year 2020 --out gaps.csv`` (computes and stores a run, writes the list);
- ``jingzhun benefits gaps --year 2020 --unentitled --out unentitled.csv``;
- the live entitlements of one household (compile + run; then run with the SQL cached), 20 households.

With ``DATABASE_URL`` set (PostgreSQL) the ledger is imported there instead and the payments inserted there.
Figures go to ``bench/out/benefits_gaps/gaps-N.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assess import county_prepare, jingzhun, say, timed, work_copy  # noqa: E402

OUT = ROOT / "bench" / "out" / "benefits_gaps"
YEAR = 2020


def payments_sql(total: int) -> list[str]:
    """The set-based inserts of ``total`` payments of 2020: half B07 (60 yuan) and two fifths B02 (280 yuan) to
    active members, a tenth B06 to households; a member or household is paid at most once per benefit."""
    columns = (
        "benefit, benefit_name, household_id, member_id, member_key, amount, paid_on, year, department, "
        "income_item, source, batch_id, recorded_by_id, recorded_at"
    )
    b07, b02 = total // 2, total * 2 // 5
    b06 = total - b07 - b02
    member = (
        "SELECT '{code}', '{name}', m.household_id, m.id, m.id_number, {amount}, '{year}-0' || (1 + m.id % 9) || '-15', "
        "{year}, '{dept}', '', 'import', NULL, NULL, '{year}-12-31 00:00:00' FROM registry_member m "
        "WHERE m.status = 'active' ORDER BY m.id LIMIT {limit}"
    )
    return [
        f"INSERT INTO benefits_payment ({columns}) "
        + member.format(code="B07", name="扶贫特惠保险", amount=60, year=YEAR, dept="乡村振兴局", limit=b07),
        f"INSERT INTO benefits_payment ({columns}) "
        + member.format(code="B02", name="城乡居民医保个人缴费资助", amount=280, year=YEAR, dept="医保局", limit=b02),
        f"INSERT INTO benefits_payment ({columns}) "
        f"SELECT 'B06', '农村低保', h.id, NULL, '', 1000 + h.id % 4000, '{YEAR}-06-30', {YEAR}, '民政局', '', 'import', "
        f"NULL, NULL, '{YEAR}-12-31 00:00:00' FROM registry_household h ORDER BY h.id LIMIT {b06}",
    ]


def payments_add_sqlite(database: Path, total: int) -> dict[str, Any]:
    started = time.perf_counter()
    with sqlite3.connect(database) as con:
        for sql in payments_sql(total):
            con.execute(sql)
        count = con.execute("SELECT count(*) FROM benefits_payment").fetchone()[0]
    with sqlite3.connect(database) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"payments": count, "seconds": time.perf_counter() - started}


def lane_live(sample: int) -> dict[str, Any]:
    """Compile + run one household's live entitlements, then ``sample`` more with the SQL cached."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()
    from jingzhun.benefits.gap_selectors import household_live_seconds
    from jingzhun.benefits.selectors import catalogue_in_force
    from jingzhun.registry.models import Household

    catalogue = catalogue_in_force()
    ids = list(
        Household.objects.order_by("id").values_list("id", flat=True)[:: max(1, Household.objects.count() // sample)][
            :sample
        ]
    )
    first = household_live_seconds(household=Household.objects.get(pk=ids[0]), year=YEAR, catalogue=catalogue)
    cached = [
        household_live_seconds(household=Household.objects.get(pk=i), year=YEAR, catalogue=catalogue) for i in ids
    ]
    cached.sort()
    return {
        "first_ms": first * 1000,
        "cached_median_ms": cached[len(cached) // 2] * 1000,
        "cached_max_ms": cached[-1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--payments", type=int, default=0, help="default: 5 per household")
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--child", default="")
    args = parser.parse_args()
    if args.child == "live":
        print(json.dumps(lane_live(20)))
        return
    payments = args.payments or 5 * args.households
    OUT.mkdir(parents=True, exist_ok=True)
    meta = county_prepare(args.households, seed=1, events_per_1000=10, fresh=args.fresh)
    say(f"county {args.households:,}: prepared ({'cached' if meta.get('cached') else 'new'})")
    work = work_copy(args.households, "benefits")
    env = {"JINGZHUN_DATA_DIR": str(work)}
    timed(jingzhun("migrate", "--verbosity", "0"), env)  # the cached county may predate this code's migrations
    result: dict[str, Any] = {"households": args.households, "counts": meta.get("counts"), "database": "sqlite"}
    result["payments_insert"] = payments_add_sqlite(work / "jingzhun.sqlite3", payments)
    say(f"payments: {result['payments_insert']}")
    for name, extra in (("gaps", []), ("unentitled", ["--unentitled"])):
        out = work / f"{name}.csv"
        run = timed(jingzhun("benefits", "gaps", "--year", str(YEAR), "--out", str(out), *extra), env)
        with out.open(encoding="utf-8") as handle:
            rows = sum(1 for _ in handle) - 1
        result[name] = {"seconds": run["seconds"], "peak_rss_mb": run["peak_rss_mb"], "rows": rows}
        say(f"{name}: {result[name]}")
    run = timed([sys.executable, str(Path(__file__).resolve()), "--child", "live"], env)
    result["live"] = json.loads(run["stdout"].strip().splitlines()[-1])
    say(f"live: {result['live']}")
    (OUT / f"gaps-{args.households}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
