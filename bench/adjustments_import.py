"""Benchmark: import a year's adjustment decisions (动态调整, 托底清零; docs/LEDGER.md §8) on a whole county.

    uv run python bench/adjustments_import.py --households 1000000 --decisions 50000
    uv run python bench/adjustments_import.py --households 100000 --decisions 50000 \
        --postgres postgres://postgres@127.0.0.1:5432/jz_bench_adjust

The county is the one ``bench/assess.py`` generates and imports (cached under ``bench/out/assess/``; built here
when missing); with ``--postgres`` its villages and ledger are imported into that (emptied) database instead. On
a fresh copy, each lane in its own process (peak RSS is its own):

- assess: ``jingzhun assess --year 2020``, so that every exit is checked against a real latest result;
- workbook: a decision workbook (.xlsx) of ``--decisions`` rows, mixed as a county's year is (Linyi's 3,796
  转为不再享受政策, 241 减少成员, 238 增加成员 … scaled): mostly 转为不再享受政策 and 脱贫, with member removals
  and additions, some households gaining a member and then exiting, and 0.5 % of rows that must be refused
  (脱贫 of a household already exited);
- import: ``jingzhun import adjustments FILE`` — wall time, peak RSS, the command's own phase times;
- import again: the same file, every decision already kept: nothing written.

Figures go to ``bench/out/adjustments/adjustments-N[-postgres].json`` and are summarised on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assess import OUT as COUNTIES  # noqa: E402
from bench.assess import child_result, county_prepare, jingzhun, say, timed, work_copy  # noqa: E402

OUT = ROOT / "bench" / "out" / "adjustments"
YEAR = 2020
# Shares of a year's decisions (the rest is 转为不再享受政策).
MIX = {
    "脱贫": 0.24,
    "减少成员": 0.06,
    "增加成员": 0.06,
    "返贫": 0.02,
    "新识别": 0.01,
    "转为享受政策": 0.006,
    "错评清退": 0.004,
}
REFUSED_SHARE = 0.005


def child(kind: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", kind, *args]


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()


def _new_id(region: str, n: int) -> str:
    from jingzhun.core.idnumber import check_character

    born = dt.date(2021, 1, 1) + dt.timedelta(days=n % 1500)
    first17 = f"{region}{born:%Y%m%d}{n % 1000:03d}"
    return first17 + check_character(first17)


def lane_workbook(path: str, decisions: int, seed: int) -> dict[str, Any]:
    """Write the decision workbook from the county's households (read once, by status)."""
    _setup()
    from openpyxl import Workbook

    from jingzhun.registry.models import Household, Member

    rng = random.Random(seed)
    by_status: dict[str, list[str]] = {}
    for number, status in Household.objects.values_list("household_no", "poverty_status").iterator(chunk_size=20000):
        by_status.setdefault(status, []).append(number)
    for numbers in by_status.values():
        rng.shuffle(numbers)
    counts = {kind: int(decisions * share) for kind, share in MIX.items()}
    refused = int(decisions * REFUSED_SHARE)
    counts["转为不再享受政策"] = decisions - sum(counts.values()) - refused
    used: set[str] = set()

    def take(status: str, n: int) -> list[str]:
        pool = by_status.get(status, [])
        picked = []
        while pool and len(picked) < n:
            number = pool.pop()
            if number not in used:
                used.add(number)
                picked.append(number)
        if len(picked) < n:
            say(f"  only {len(picked):,} households {status} for {n:,} decisions")
        return picked

    day = dt.date(2026, 11, 20).isoformat()
    rows: list[list[Any]] = []

    def row(no: str, kind: str, number: str = "", name: str = "", relation: str = "", status: str = "", **more: str):
        doc = f"某县扶发〔2026〕{1 + len(rows) % 97}号"
        reason = more.get("reason", "经核实，符合调整条件")
        rows.append([no, kind, number, name, relation, status, reason, day, doc, more.get("override", "")])

    for no in take("exited", counts["转为不再享受政策"]):
        row(no, "转为不再享受政策")
    exits = take("not_exited", counts["脱贫"]) or []
    for no in exits:
        row(no, "脱贫", override="经入户核实，收入与两不愁三保障均已达标")
    for no in take("exited_no_policy", counts["返贫"]):
        row(no, "返贫")
    for no in take("non_poor", counts["新识别"]):
        row(no, "新识别")
    for no in take("exited_no_policy", counts["转为享受政策"]):
        row(no, "转为享受政策")
    for no in take("relapsed", counts["错评清退"]) or take("not_exited", counts["错评清退"]):
        row(no, "错评清退")
    # Removals: a non-head active member of households not decided above (a few households twice).
    candidates = [no for numbers in by_status.values() for no in numbers if no not in used]
    rng.shuffle(candidates)
    removal_households = candidates[: counts["减少成员"]]
    removals = (
        Member.objects.filter(household__household_no__in=removal_households, status="active")
        .exclude(relation="head")
        .values_list("household__household_no", "id_number")
    )
    removed = 0
    seen: set[str] = set()
    for no, number in removals.iterator(chunk_size=5000):
        if no in seen or removed >= counts["减少成员"]:
            continue
        seen.add(no)
        row(no, "减少成员", number, status="死亡" if removed % 3 else "迁出")
        removed += 1
    # Additions: a newborn; one in four of them in a household that then exits in the same file.
    region = exits[0][:6] if exits else "370125"
    additions = counts["增加成员"]
    exit_rows = {r[0]: i for i, r in enumerate(rows) if r[1] == "脱贫"}
    exiting = list(exit_rows)[: additions // 4]
    others = candidates[counts["减少成员"] : counts["减少成员"] + additions - len(exiting)]
    added = 0
    for no in exiting:  # insert the addition before the household's exit: file order matters
        index = exit_rows[no]
        rows.insert(
            index,
            [no, "增加成员", _new_id(region, added), "新生儿", "之孙子", "", "出生", day, "某县扶发〔2026〕5号", ""],
        )
        exit_rows = {r[0]: i for i, r in enumerate(rows) if r[1] == "脱贫"}
        added += 1
    for no in others:
        row(no, "增加成员", _new_id(region, added), "新生儿", "之孙女")
        added += 1
    # Refused: 脱贫 of a household already exited.
    for no in take("exited", refused):
        row(no, "脱贫", override="核实")
    rng.shuffle(rows)  # households interleaved as a real sheet is sorted by village, not by our kinds
    # … but a household's own rows stay in order (an addition before its exit).
    order: dict[str, int] = {}
    fixed: list[list[Any]] = []
    pending: dict[str, list[list[Any]]] = {}
    for r in rows:
        pending.setdefault(r[0], []).append(r)
    for r in rows:
        if r[0] in order:
            continue
        order[r[0]] = len(order)
        group = sorted(pending[r[0]], key=lambda x: x[1] != "增加成员")
        fixed.extend(group)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("动态调整决定")
    sheet.append(
        ["户编号", "调整类型", "证件号码", "姓名", "与户主关系", "成员状态", "原因", "决定日期", "决定文号", "覆盖理由"]
    )
    for r in fixed:
        sheet.append(r)
    workbook.save(path)
    kinds: dict[str, int] = {}
    for r in fixed:
        kinds[r[1]] = kinds.get(r[1], 0) + 1
    return {"rows": len(fixed), "households": len(order), "kinds": kinds, "bytes": Path(path).stat().st_size}


def lane_counts() -> dict[str, Any]:
    _setup()
    from jingzhun.adjustments.models import AdjustmentCase, AdjustmentStep
    from jingzhun.registry.models import ChangeRecord, Member, StatusChange

    return {m.__name__: m.objects.count() for m in (AdjustmentCase, AdjustmentStep, StatusChange, ChangeRecord, Member)}


def child_main(kind: str, args: list[str]) -> None:
    if kind == "workbook":
        result = lane_workbook(args[0], int(args[1]), int(args[2]))
    elif kind == "counts":
        result = lane_counts()
    else:
        sys.exit(f"unknown lane {kind}")
    print(json.dumps(result, ensure_ascii=False, default=str))


def _postgres_county(households: int, url: str) -> dict[str, str]:
    """The cached county's villages and ledger imported into an emptied PostgreSQL database."""
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", admin, "-qc", sql], check=True)
    work = work_copy(households, "adjustments-pg")
    (work / "jingzhun.sqlite3").unlink()
    env = {"DATABASE_URL": url, "JINGZHUN_DATA_DIR": str(work)}
    county = COUNTIES / f"county-{households}"
    timed(jingzhun("migrate", "--verbosity", "0"), env)
    timed(jingzhun("import", "villages", str(county / "ledger.villages.csv")), env, ok=(0, 1))
    say(f"county {households:,}: importing the ledger into PostgreSQL …")
    run = timed(jingzhun("import", "ledger", str(county / "ledger.csv"), "--no-progress"), env, ok=(0, 1))
    say(f"  {run['seconds']:.0f} s")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, default=50_000)
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
        work = work_copy(args.households, "adjustments")
        env = {"JINGZHUN_DATA_DIR": str(work)}
    figures: dict[str, Any] = {"households": args.households, "decisions": args.decisions}
    figures["database"] = "postgresql" if args.postgres else "sqlite"
    say(f"county {args.households:,}: jingzhun assess --year {YEAR} …")
    run = timed(jingzhun("assess", "--year", str(YEAR)), env)
    figures["assess_seconds"] = run["seconds"]
    workbook = work / "决定.xlsx"
    say(f"writing a workbook of {args.decisions:,} decisions …")
    figures["workbook"] = child_result(
        timed(child("workbook", str(workbook), str(args.decisions), str(args.seed)), env)
    )
    if args.postgres:
        # Statistics, as autovacuum would gather them after a load (it may be off, as on these machines): without
        # them the planner scans the 2.7 M members for each chunk of 2,000 households.
        subprocess.run(["psql", args.postgres, "-qc", "ANALYZE"], check=True)
    figures["before"] = child_result(timed(child("counts"), env))
    for lane in ("import", "import_again"):
        say(f"{lane.replace('_', ' ')}: jingzhun import adjustments …")
        command = jingzhun("import", "adjustments", str(workbook), "--no-progress", "--verbosity", "2")
        run = timed(command, env, ok=(0, 1))
        phases = re.search(r"读取校验 ([\d.]+) · 写入 ([\d.]+) · 报告 ([\d.]+)", run["stdout"])
        figures[lane] = {
            "seconds": run["seconds"],
            "peak_rss_mb": run["peak_rss_mb"],
            "phases": [float(x) for x in phases.groups()] if phases else None,
            "output": run["stdout"].strip(),
        }
        figures[f"after_{lane}"] = child_result(timed(child("counts"), env))
        say(f"  {run['seconds']:.1f} s wall, {run['peak_rss_mb']:.0f} MB\n  {run['stdout'].strip()}")
    suffix = "-postgres" if args.postgres else ""
    path = OUT / f"adjustments-{args.households}{suffix}.json"
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False, default=str))
    print(f"figures: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
