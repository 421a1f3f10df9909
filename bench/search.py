"""Benchmark: one household search (the list page's query, its first page of 50) in a county of ``--households``.

    uv run python bench/search.py --households 1000000

The county is bench/assess.py's cached one, on a fresh copy migrated to this version (the search indexes are
built by the migration). Each search is run as the household list runs it — ``household_search_for_user`` as a
county user, narrowed by the latest run's results as the list does, first keyset page of 50 — five times; the
median goes to ``bench/out/search/search-N.json``. The searches: two ID-number tails, a 户编号 prefix, common
surnames, a surname and one character, a given name, a one-character given name, three full names taken from the
county, and a name nobody has.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assess import county_prepare, jingzhun, timed, work_copy  # noqa: E402

OUT = ROOT / "bench" / "out" / "search"


def lane() -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()
    from jingzhun.accounts.models import Role, User
    from jingzhun.areas.models import Area, Level
    from jingzhun.core.paging import keyset_page
    from jingzhun.policy.selectors import households_with_results, run_latest_for_user
    from jingzhun.registry.models import Member
    from jingzhun.registry.selectors import household_search_for_user

    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    town = Area.objects.filter(level=Level.TOWN).order_by("code").first()
    assert county is not None and town is not None
    user, _ = User.objects.get_or_create(username="bench_search", defaults={"role": Role.COUNTY, "area": county})
    run = run_latest_for_user(user=user)
    names = list(Member.objects.order_by("id").values_list("name", flat=True)[500_000:500_003])
    searches = [
        ("ID tail", "1234"),
        ("ID tail", "0420"),
        ("户编号 prefix", town.code[:9]),
        ("surname", "王"),
        ("surname", "李"),
        ("surname + 1", "王建"),
        ("given name", "建国"),
        ("one-character given name", "国"),
        *(("full name", name) for name in names),
        ("nobody", "不存在的人"),
    ]
    figures = []
    for kind, text in searches:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            households = household_search_for_user(user=user, text=text)
            listed = households_with_results(households=households, run=run)
            rows = keyset_page(listed, key="household_no", size=50).rows
            times.append(time.perf_counter() - started)
        figures.append({"kind": kind, "text": text, "rows": len(rows), "median_ms": statistics.median(times) * 1000})
        print(figures[-1], file=sys.stderr)
    return {"searches": figures}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--child", action="store_true", help="(internal) run the searches in this process")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(lane(), ensure_ascii=False))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    county_prepare(args.households, seed=1, events_per_1000=10, fresh=False)
    work = work_copy(args.households, "search")
    env = {"JINGZHUN_DATA_DIR": str(work)}
    timed(jingzhun("migrate", "--verbosity", "0"), env)
    timed(jingzhun("assess", "--year", "2020"), env)
    run = timed([sys.executable, str(Path(__file__).resolve()), "--child"], env)
    result = {"households": args.households, **json.loads(run["stdout"].strip().splitlines()[-1])}
    (OUT / f"search-{args.households}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
