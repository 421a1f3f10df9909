"""Benchmark: assess a whole county on the embedded SQLite database and on DuckDB, beside a per-household ORM loop.

    uv run python bench/assess.py --households 1000000     # plus a 100,000-household county, in one run
    uv run python bench/assess.py                          # 100,000 households only

Each county is generated (``jingzhun generate --seed 1``), its villages and ledger imported into a fresh
embedded database, and about 1 % of its households given sudden events (the generated ledger has none), once;
the imported database is kept under ``bench/out/assess/county-N/`` and reused by later runs (``--fresh`` to
rebuild). Every measurement starts from a copy of it. Lanes, each in its own process (peak RSS is its own):

- sqlite statements: the plan's statements run one by one through ``sqlite3`` on the copy, each timed and
  with its ``EXPLAIN QUERY PLAN``, rolled back — where the time goes;
- sqlite assess: ``jingzhun assess --year 2020``, the real command (one transaction, results stored);
- duckdb load: the five source tables copied from the SQLite file into a DuckDB file (no network, no
  extension: each table exported with ``sqlite3`` to CSV and read with ``read_csv`` into typed tables);
- duckdb plan: the same plan compiled for DuckDB, its statements timed, results stored in DuckDB tables;
- orm loop (largest county only): the per-household Django ORM loop as it is usually written, on a
  10,000-household sample, scaled to the county.

The DuckDB results are compared row by row, every column, with the SQLite ones; the ORM loop's flags with
the SQLite ones for its sample. Figures go to ``bench/out/assess/assess-N.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "assess"
YEAR = 2020
SOURCE_TABLES = ("registry_household", "registry_member", "registry_income", "registry_householdevent", "areas_area")
# The pragmas of the app's connection (settings.DATABASES), for the statement-by-statement lane.
PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=10000", "cache_size=-65536")


# --- running lanes -------------------------------------------------------------------------------------------


def timed(command: list[str], env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,)) -> dict[str, Any]:
    """Wall seconds, peak RSS in MB (GNU time) and stdout of a command."""
    started = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        check=False,
    )
    seconds = time.perf_counter() - started
    if proc.returncode not in ok:
        sys.exit(f"failed ({proc.returncode}): {' '.join(command)}\n{proc.stdout}\n{proc.stderr}")
    peak_kb = int(proc.stderr.strip().splitlines()[-1])
    return {"seconds": seconds, "peak_rss_mb": peak_kb / 1024, "stdout": proc.stdout}


def jingzhun(*args: str) -> list[str]:
    return [sys.executable, "-m", "jingzhun", *args]


def child(kind: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", kind, *args]


def child_result(run: dict[str, Any]) -> dict[str, Any]:
    """A child lane prints its figures as JSON on its last line."""
    result = json.loads(run["stdout"].strip().splitlines()[-1])
    result.update(wall_seconds=run["seconds"], peak_rss_mb=run["peak_rss_mb"])
    return result


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- the county: generated and imported once, then copied for every measurement ------------------------------


def county_prepare(households: int, *, seed: int, events_per_1000: int, fresh: bool) -> dict[str, Any]:
    county = OUT / f"county-{households}"
    pristine = county / "imported"
    meta_path = county / "prepare.json"
    if not fresh and meta_path.exists() and (pristine / "jingzhun.sqlite3").exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("seed") == seed and meta.get("events_per_1000") == events_per_1000:
            meta["cached"] = True
            return meta
    shutil.rmtree(county, ignore_errors=True)
    county.mkdir(parents=True)
    ledger = county / "ledger.csv"
    env = {"JINGZHUN_DATA_DIR": str(pristine)}
    meta: dict[str, Any] = {"households": households, "seed": seed, "events_per_1000": events_per_1000}
    say(f"county {households:,}: generating …")
    run = timed(jingzhun("generate", "--households", str(households), "--seed", str(seed), "--out", str(ledger)))
    meta["generate"] = {"seconds": run["seconds"], "peak_rss_mb": run["peak_rss_mb"]}
    timed(jingzhun("migrate", "--verbosity", "0"), env)
    run = timed(jingzhun("import", "villages", str(county / "ledger.villages.csv")), env, ok=(0, 1))
    meta["import_villages"] = {"seconds": run["seconds"], "output": run["stdout"].strip()}
    say(f"county {households:,}: importing the ledger ({ledger.stat().st_size / 1024**2:.0f} MB) …")
    run = timed(jingzhun("import", "ledger", str(ledger), "--no-progress"), env, ok=(0, 1))
    meta["import_ledger"] = {"seconds": run["seconds"], "peak_rss_mb": run["peak_rss_mb"], "output": run["stdout"]}
    database = pristine / "jingzhun.sqlite3"
    with sqlite3.connect(database) as con:
        events = events_add(con, events_per_1000)
        meta["counts"] = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in SOURCE_TABLES}
    with sqlite3.connect(database) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    meta["events_added"] = events
    meta["database_mb"] = database.stat().st_size / 1024**2
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    meta["cached"] = False
    return meta


def events_add(con: sqlite3.Connection, per_1000: int) -> int:
    """Sudden events for about ``per_1000`` households in a thousand, deterministic: two thirds in the assessed
    year, a third the year before (not counted), one household in four of them with a second event."""
    if per_1000 <= 0:
        return 0
    step = max(1, 1000 // per_1000)
    kinds = "CASE id % 4 WHEN 0 THEN 'disaster' WHEN 1 THEN 'accident' WHEN 2 THEN 'laborer_death' ELSE 'laborer_disability' END"
    columns = "household_id, kind, occurred_on, loss, note, recorded_at, recorded_by_id"
    con.execute(
        f"INSERT INTO registry_householdevent ({columns}) "
        f"SELECT id, {kinds}, CASE WHEN id % 3 = 0 THEN '{YEAR - 1}-06-15' "
        f"ELSE '{YEAR}-' || printf('%02d', 1 + id % 12) || '-10' END, "
        f"(id % 40) * 1250, '', '{YEAR}-12-31 00:00:00', NULL FROM registry_household WHERE id % {step} = 7"
    )
    con.execute(
        f"INSERT INTO registry_householdevent ({columns}) "
        f"SELECT id, 'accident', '{YEAR}-11-20', 800.5, '', '{YEAR}-12-31 00:00:00', NULL "
        f"FROM registry_household WHERE id % {step * 4} = 7"
    )
    return con.execute("SELECT count(*) FROM registry_householdevent").fetchone()[0]


def work_copy(households: int, name: str) -> Path:
    """A fresh copy of the county's imported data directory."""
    county = OUT / f"county-{households}"
    work = county / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    for item in ("jingzhun.sqlite3", "secret_key"):
        shutil.copy(county / "imported" / item, work / item)
    return work


# --- lanes run in child processes ---------------------------------------------------------------------------


def result_flags() -> tuple[str, ...]:
    """The true/false columns of a household result (needs Django set up)."""
    django_setup()
    from jingzhun.policy.models import RESULT_FLAGS

    return RESULT_FLAGS


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()


def the_plan(run_id: int) -> Any:
    from jingzhun.policy.engine import assessment_plan
    from jingzhun.policy.packs import pack_get
    from jingzhun.policy.services import source_tables

    rules = pack_get("national").rules_for(YEAR)
    return assessment_plan(source_tables(), rules, run_id=run_id)


def lane_statements(database: str) -> dict[str, Any]:
    """Every statement of the plan through sqlite3, timed, with its query plan; rolled back at the end."""
    django_setup()
    started = time.perf_counter()
    statements = the_plan(run_id=1).statements(to="sqlite")
    compile_seconds = time.perf_counter() - started
    con = sqlite3.connect(database, isolation_level=None)
    for pragma in PRAGMAS:
        con.execute(f"PRAGMA {pragma}")
    timings = []
    con.execute("BEGIN IMMEDIATE")
    for purpose, sql in statements:
        explain: list[str] = []
        if not purpose.startswith("drop"):
            query = sql.split(" AS ", 1)[1] if sql.startswith("CREATE") else sql
            explain = [row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {query}")]
        started = time.perf_counter()
        cursor = con.execute(sql)
        seconds = time.perf_counter() - started
        timings.append({"purpose": purpose, "seconds": seconds, "rows": cursor.rowcount, "query_plan": explain})
    con.execute("ROLLBACK")
    return {"compile_seconds": compile_seconds, "statements": timings, "seconds": sum(t["seconds"] for t in timings)}


def _duckdb_type(dtype: Any) -> str:
    from ibis.backends.sql.datatypes import DuckDBType

    return DuckDBType.to_string(dtype)


def lane_duckdb_load(database: str, target: str) -> dict[str, Any]:
    """Copy the five source tables from the SQLite file into a new DuckDB file, through CSV (no extension)."""
    import duckdb

    django_setup()
    from jingzhun.policy.services import source_tables

    tables = source_tables()
    schemas = {
        expr.get_name(): expr.schema()
        for expr in (tables.households, tables.members, tables.incomes, tables.events, tables.areas)
    }
    Path(target).unlink(missing_ok=True)
    duck = duckdb.connect(target)
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    figures: dict[str, Any] = {}
    export_total = load_total = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name in SOURCE_TABLES:
            schema = schemas[name]
            path = Path(tmp) / f"{name}.csv"
            started = time.perf_counter()
            rows = 0
            with path.open("w", encoding="utf-8", newline="") as stream:
                writer = csv.writer(stream)
                cursor = source.execute(f"SELECT {', '.join(schema.names)} FROM {name}")
                while batch := cursor.fetchmany(50_000):
                    writer.writerows([["\\N" if v is None else v for v in row] for row in batch])
                    rows += len(batch)
            exported = time.perf_counter() - started
            started = time.perf_counter()
            types = {column: _duckdb_type(dtype) for column, dtype in schema.items()}
            duck.execute(f"CREATE TABLE {name} ({', '.join(f'{c} {t}' for c, t in types.items())})")
            columns = "{" + ", ".join(f"'{c}': '{t}'" for c, t in types.items()) + "}"
            duck.execute(
                f"INSERT INTO {name} SELECT * FROM read_csv('{path}', header = false, columns = {columns}, "
                "nullstr = '\\N', allow_quoted_nulls = false, quote = '\"', escape = '\"', delim = ',')"
            )
            loaded = time.perf_counter() - started
            path.unlink()
            figures[name] = {"rows": rows, "export_seconds": exported, "load_seconds": loaded}
            export_total += exported
            load_total += loaded
    duck.execute("CHECKPOINT")
    duck.close()
    return {
        "tables": figures,
        "export_seconds": export_total,
        "load_seconds": load_total,
        "seconds": export_total + load_total,
        "duckdb_mb": Path(target).stat().st_size / 1024**2,
    }


def lane_duckdb_plan(target: str, run_id: int) -> dict[str, Any]:
    """The plan compiled for DuckDB, its statements timed one by one in one transaction."""
    import duckdb

    django_setup()
    started = time.perf_counter()
    plan = the_plan(run_id)
    statements = plan.statements(to="duckdb")
    compile_seconds = time.perf_counter() - started
    duck = duckdb.connect(target)
    for table, expr in plan.outputs:
        columns = ", ".join(f"{c} {_duckdb_type(t)}" for c, t in expr.schema().items())
        duck.execute(f"CREATE OR REPLACE TABLE {table} ({columns})")
    duck.execute("CHECKPOINT")
    outputs = {table for table, _ in plan.outputs}
    timings = []
    started_all = time.perf_counter()
    duck.execute("BEGIN")
    for purpose, sql in statements:
        started = time.perf_counter()
        duck.execute(sql)
        rows = duck.fetchone()[0] if purpose in outputs else None
        timings.append({"purpose": purpose, "seconds": time.perf_counter() - started, "rows": rows})
    duck.execute("COMMIT")
    seconds = time.perf_counter() - started_all
    duck.close()
    return {
        "compile_seconds": compile_seconds,
        "seconds": seconds,
        "statements": timings,
        "threads": duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0],
    }


def _normalised(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(int(v) if isinstance(v, bool) else v for v in row)


def lane_compare(database: str, run_id: int, target: str, duck_run_id: int) -> dict[str, Any]:
    """Every result row of the SQLite run against the DuckDB one, every column but the run; and the counts."""
    import duckdb

    django_setup()
    plan = the_plan(run_id)
    (household_table, household_expr), (area_table, area_expr) = plan.outputs
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    duck = duckdb.connect(target, read_only=True)
    figures: dict[str, Any] = {}
    for table, expr, key in (
        (household_table, household_expr, "household_id"),
        (area_table, area_expr, "area_code"),
    ):
        columns = [c for c in expr.columns if c != "run_id"]
        select = f"SELECT {', '.join(columns)} FROM {table} WHERE run_id = ? ORDER BY {key}"
        left = source.execute(select, (run_id,))
        right = duck.execute(select, (duck_run_id,))
        rows = differing = 0
        examples: list[dict[str, Any]] = []
        counts: dict[str, Counter[Any]] = {"sqlite": Counter(), "duckdb": Counter()}
        while True:
            a, b = left.fetchmany(20_000), right.fetchmany(20_000)
            if not a and not b:
                break
            if len(a) != len(b):
                differing += abs(len(a) - len(b))
            for x, y in zip(a, b, strict=False):
                rows += 1
                x, y = _normalised(x), _normalised(y)
                if x != y:
                    differing += 1
                    if len(examples) < 5:
                        examples.append({c: [u, v] for c, u, v in zip(columns, x, y, strict=True) if u != v})
                if table == household_table:
                    for side, row in (("sqlite", x), ("duckdb", y)):
                        record = dict(zip(columns, row, strict=True))
                        counts[side].update(f for f in result_flags() if record[f])
                        counts[side][f"tier={record['tier'] or '-'}"] += 1
                        counts[side][f"category={record['suggested_category'] or '-'}"] += 1
                        counts[side]["excluded"] += record["exclusion"] != ""
        figures[table] = {"rows": rows, "differing": differing, "examples": examples}
        if table == household_table:
            figures[table]["counts"] = {side: dict(sorted(c.items())) for side, c in counts.items()}
            figures[table]["counts_equal"] = counts["sqlite"] == counts["duckdb"]
    return figures


def lane_orm(sample: int, run_id: int) -> dict[str, Any]:
    """Per household: query its members, incomes and events, compute everything in Python, save the result.

    This is the loop as it is usually written with the ORM, in autocommit (one query per relation and one
    INSERT per household); it reads and computes what the engine does, so its flags can be checked against
    the SQLite run. It lives here only, never in src.
    """
    django_setup()
    from decimal import ROUND_HALF_UP, Decimal

    from django.utils import timezone

    from jingzhun.policy.engine import EXITED, UNDER_ASSISTANCE
    from jingzhun.policy.models import AssessmentRun, HouseholdResult
    from jingzhun.policy.packs import pack_get
    from jingzhun.registry.models import Household

    ids = list(Household.objects.order_by("id").values_list("id", flat=True))
    step = max(1, len(ids) // sample)
    chosen = ids[::step][:sample]
    rules = pack_get("national").rules_for(YEAR)
    on = rules.assessment_date
    low, high = rules.compulsory_age
    line, threshold = rules.poverty_line, rules.monitoring_threshold

    def cents(value: Decimal) -> int:
        return int((value * 100).to_integral_value(ROUND_HALF_UP))

    query = compute = save = 0.0
    started_all = time.perf_counter()
    run = AssessmentRun.objects.create(
        year=YEAR,
        pack=rules.pack,
        pack_version=rules.pack_version,
        parameters=rules.snapshot(),
        started_at=timezone.now(),
    )
    for household in Household.objects.filter(pk__in=chosen).select_related("village").order_by("id"):
        t0 = time.perf_counter()
        members = list(household.members.filter(status="active"))
        incomes = {i.year: i for i in household.incomes.filter(year__in=(YEAR, YEAR - 1))}
        events = list(household.events.filter(occurred_on__year=YEAR))
        t1 = time.perf_counter()

        n = len(members)
        income, previous = incomes.get(YEAR), incomes.get(YEAR - 1)
        row: dict[str, Any] = {
            "run": run,
            "household": household,
            "household_no": household.household_no,
            "village_code": household.village_id,
            "poverty_status": household.poverty_status,
            "size": n,
        }
        if n == 0 or income is None:
            if n == 0 and income is None:
                row["exclusion"] = f"无在册成员，且无 {YEAR} 年收入记录"
            elif n == 0:
                row["exclusion"] = "无在册成员（家庭人口为 0）"
            else:
                row["exclusion"] = f"无 {YEAR} 年收入记录"
            row["reasons"] = row["exclusion"]
        else:
            net = income.net
            status = household.poverty_status
            out_of_school, uninsured = [], []
            for m in members:
                age = on.year - m.birth_date.year - ((m.birth_date.month, m.birth_date.day) > (on.month, on.day))
                if low <= age <= high and m.school_status in ("dropped_out", "not_in_school"):
                    out_of_school.append(m.name)
                if m.medical_insurance not in ("resident", "employee"):
                    uninsured.append(m.name)
            scarce = bool(household.village.water_scarce)
            min_lpd = rules.water_min_lpd_scarce if scarce else rules.water_min_lpd
            fetch = household.water_fetch_minutes
            water = (
                household.water_quality_ok is True
                and household.water_lpd is not None
                and household.water_lpd >= min_lpd
                and (household.water_piped is True or (fetch is not None and fetch <= rules.water_max_fetch_minutes))
                and household.water_supply_rate is not None
                and household.water_supply_rate >= rules.water_min_supply_rate
            )
            indicators = {
                "income_ok": net > n * line,
                "food_clothing_ok": household.food_clothing_ok,
                "education_ok": not out_of_school,
                "medical_ok": not uninsured,
                "housing_ok": household.housing_grade in ("A", "B") or household.relocation == "living",
                "water_ok": water,
            }
            meets = all(indicators[name] for name in rules.household_criteria)
            cost = income.medical_self_paid
            triggers = {
                "low_income": net < n * threshold,
                "income_drop": previous is not None
                and previous.net > 0
                and net < previous.net * (1 - rules.income_drop_share),
                "medical_burden": cost > rules.medical_burden_amount
                or (cost > net * rules.medical_burden_income_share if net > 0 else cost > 0),
                "sudden_event": bool(events),
            }
            flagged = any(triggers.values())
            labor = {m.labor for m in members}
            full, weak = bool(labor & {"skilled", "ordinary"}), "weak" in labor
            if status not in EXITED:  # only exited households are tiered (docs/RULES.md §7)
                tier = ""
            elif not (full or weak):
                tier = "fragile"
            elif not full or triggers["low_income"]:
                tier = "general"
            elif net >= n * threshold * rules.high_quality_multiple:
                tier = "high_quality"
            else:
                tier = "stable"
            loss = sum((e.loss for e in events), Decimal(0))
            if not flagged:
                category = ""
            elif status in EXITED:
                category = "unstable"
            elif status == "non_poor" and events and loss > net:
                category = "sudden"
            elif status == "non_poor":
                category = "marginal"
            else:
                category = ""
            reasons = [name for name, ok in indicators.items() if not ok]
            reasons += [name for name, hit in triggers.items() if hit]
            row.update(
                net_income_cents=cents(net),
                income_per_capita_cents=int((Decimal(cents(net)) / n).to_integral_value(ROUND_HALF_UP)),
                **indicators,
                meets_standard=meets,
                exit_eligible=status in UNDER_ASSISTANCE and meets,
                identify_candidate=status == "non_poor" and net <= n * line,
                relapse_candidate=status in EXITED and not meets,
                monitoring_flag=flagged,
                **triggers,
                tier=tier,
                suggested_category=category,
                reasons="；".join(reasons),
            )
        t2 = time.perf_counter()
        HouseholdResult.objects.create(**row)
        t3 = time.perf_counter()
        query += t1 - t0
        compute += t2 - t1
        save += t3 - t2
    seconds = time.perf_counter() - started_all

    # Not timed: the loop's flags against the set-based run's, household by household.
    checked = (
        "size",
        "net_income_cents",
        "income_per_capita_cents",
        *result_flags(),
        "tier",
        "suggested_category",
        "exclusion",
    )
    mine = {r["household_id"]: r for r in HouseholdResult.objects.filter(run=run).values("household_id", *checked)}
    theirs = HouseholdResult.objects.filter(run_id=run_id, household_id__in=chosen).values("household_id", *checked)
    differing = [r["household_id"] for r in theirs if mine.get(r["household_id"]) != r]
    return {
        "households": len(chosen),
        "seconds": seconds,
        "query_seconds": query,
        "compute_seconds": compute,
        "save_seconds": save,
        "compared_with_run": run_id,
        "differing_from_set_based": len(differing),
        "differing_examples": differing[:5],
    }


def child_main(kind: str, args: list[str]) -> None:
    if kind == "statements":
        result = lane_statements(args[0])
    elif kind == "duckdb-load":
        result = lane_duckdb_load(args[0], args[1])
    elif kind == "duckdb-plan":
        result = lane_duckdb_plan(args[0], int(args[1]))
    elif kind == "compare":
        result = lane_compare(args[0], int(args[1]), args[2], int(args[3]))
    elif kind == "orm":
        result = lane_orm(int(args[0]), int(args[1]))
    else:
        sys.exit(f"unknown lane {kind}")
    print(json.dumps(result, ensure_ascii=False, default=str))


# --- one county ----------------------------------------------------------------------------------------------


def county_assess(households: int, *, orm_sample: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    work = work_copy(households, "work")
    env = {"JINGZHUN_DATA_DIR": str(work)}
    database = str(work / "jingzhun.sqlite3")

    say(f"county {households:,}: plan statements through sqlite3 …")
    figures["sqlite_statements"] = child_result(timed(child("statements", database), env))

    say(f"county {households:,}: jingzhun assess --year {YEAR} …")
    run = timed(jingzhun("assess", "--year", str(YEAR)), env)
    output = run["stdout"]
    run_id = int(re.search(r"评估批次 #(\d+)", output).group(1))  # type: ignore[union-attr]
    own = re.search(r"用时 ([\d.]+) 秒", output)
    figures["sqlite_assess"] = {
        "seconds": run["seconds"],
        "run_seconds": float(own.group(1)) if own else None,
        "peak_rss_mb": run["peak_rss_mb"],
        "run_id": run_id,
        "output": output.strip(),
    }
    say(f"  {run['seconds']:.1f} s wall, {run['peak_rss_mb']:.0f} MB")

    duck = str(work / "assess.duckdb")
    say(f"county {households:,}: copying the source tables into DuckDB …")
    figures["duckdb_load"] = child_result(timed(child("duckdb-load", database, duck), env))
    say(f"county {households:,}: the plan on DuckDB …")
    figures["duckdb_plan"] = child_result(timed(child("duckdb-plan", duck, str(run_id)), env))
    say(f"  {figures['duckdb_plan']['seconds']:.1f} s, {figures['duckdb_plan']['peak_rss_mb']:.0f} MB")
    say(f"county {households:,}: comparing DuckDB's results with SQLite's …")
    figures["comparison"] = child_result(timed(child("compare", database, str(run_id), duck, str(run_id)), env))

    if orm_sample:
        say(f"county {households:,}: the per-household ORM loop on {orm_sample:,} households …")
        orm = child_result(timed(child("orm", str(orm_sample), str(run_id)), env))
        orm["scaled_seconds"] = orm["seconds"] * households / orm["households"]
        figures["orm_loop"] = orm
        say(f"  {orm['seconds']:.1f} s measured, {orm['scaled_seconds']:.0f} s scaled")
    Path(duck).unlink(missing_ok=True)
    shutil.rmtree(work, ignore_errors=True)
    return figures


# --- report --------------------------------------------------------------------------------------------------


def report(results: dict[str, Any]) -> None:
    counties = results["counties"]
    sizes = sorted(counties, key=int)
    print("\nPreparation (not measured here; cached between runs)\n")
    print("| county | generate s | import villages s | import ledger s | members | events | database MB | cached |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for size in sizes:
        m = counties[size]["prepare"]
        print(
            f"| {int(size):,} | {m['generate']['seconds']:.1f} | {m['import_villages']['seconds']:.1f} | "
            f"{m['import_ledger']['seconds']:.1f} | {m['counts']['registry_member']:,} | {m['events_added']:,} | "
            f"{m['database_mb']:.0f} | {m['cached']} |"
        )
    print("\nAssessment of year 2020, national pack\n")
    print("| lane | households | wall s | peak RSS MB | note |")
    print("|---|---:|---:|---:|---|")
    for size in sizes:
        c, n = counties[size], int(size)
        s = c["sqlite_assess"]
        print(
            f"| SQLite: `jingzhun assess` (whole command) | {n:,} | {s['seconds']:.1f} | {s['peak_rss_mb']:.0f} | "
            f"run itself {s['run_seconds']:.1f} s |"
        )
        st = c["sqlite_statements"]
        print(f"| SQLite: plan statements only (sqlite3) | {n:,} | {st['seconds']:.1f} | {st['peak_rss_mb']:.0f} | |")
        load, plan = c["duckdb_load"], c["duckdb_plan"]
        print(
            f"| DuckDB: load 5 tables from SQLite | {n:,} | {load['seconds']:.1f} | {load['peak_rss_mb']:.0f} | "
            f"export {load['export_seconds']:.1f} s + read_csv {load['load_seconds']:.1f} s |"
        )
        print(
            f"| DuckDB: plan statements | {n:,} | {plan['seconds']:.1f} | {plan['peak_rss_mb']:.0f} | "
            f"{plan['threads']} threads; process {plan['wall_seconds']:.1f} s |"
        )
        if "orm_loop" in c:
            o = c["orm_loop"]
            print(
                f"| ORM loop, measured | {o['households']:,} | {o['seconds']:.1f} | {o['peak_rss_mb']:.0f} | "
                f"queries {o['query_seconds']:.1f} s, Python {o['compute_seconds']:.1f} s, "
                f"saves {o['save_seconds']:.1f} s |"
            )
            for other in sizes:
                scaled = o["seconds"] * int(other) / o["households"]
                print(f"| ORM loop, scaled | {int(other):,} | {scaled:,.0f} | — | ×{int(other) / o['households']:g} |")
    print("\nStatements (seconds)\n")
    print("| statement | " + " | ".join(f"SQLite {int(s):,} | DuckDB {int(s):,}" for s in sizes) + " |")
    print("|---|" + "---:|---:|" * len(sizes))
    first = counties[sizes[0]]["sqlite_statements"]["statements"]
    for i, statement in enumerate(first):
        if statement["purpose"].startswith("drop"):
            continue
        cells = []
        for size in sizes:
            c = counties[size]
            cells.append(f"{c['sqlite_statements']['statements'][i]['seconds']:.2f}")
            cells.append(f"{c['duckdb_plan']['statements'][i]['seconds']:.2f}")
        print(f"| {statement['purpose']} | " + " | ".join(cells) + " |")
    print()
    for size in sizes:
        comparison = counties[size]["comparison"]
        for table, figures in comparison.items():
            if not isinstance(figures, dict) or "rows" not in figures:
                continue
            verdict = "identical" if figures["differing"] == 0 else f"{figures['differing']} rows differ"
            extra = f", counts equal: {figures['counts_equal']}" if "counts_equal" in figures else ""
            print(f"{int(size):,}: DuckDB vs SQLite {table}: {figures['rows']:,} rows, {verdict}{extra}")
        if "orm_loop" in counties[size]:
            o = counties[size]["orm_loop"]
            print(
                f"{int(size):,}: ORM loop vs set-based run: {o['differing_from_set_based']} of {o['households']:,} "
                "households differ"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=100_000, help="the county to assess (default 100,000)")
    parser.add_argument(
        "--small", type=int, default=100_000, help="also assess a county of this size (the 5 s target); 0: don't"
    )
    parser.add_argument("--orm-sample", type=int, default=10_000, help="households in the ORM loop; 0: skip it")
    parser.add_argument("--events-per-1000", type=int, default=10, help="households in 1,000 given sudden events")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="generate and import again even when cached")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        child_main(args.child, rest)
        return

    OUT.mkdir(parents=True, exist_ok=True)
    sizes = sorted({args.households, *([args.small] if args.small else [])})
    results: dict[str, Any] = {"households": args.households, "seed": args.seed, "counties": {}}
    for size in sizes:
        meta = county_prepare(size, seed=args.seed, events_per_1000=args.events_per_1000, fresh=args.fresh)
        say(
            f"county {size:,}: generate {meta['generate']['seconds']:.1f} s, import "
            f"{meta['import_ledger']['seconds']:.1f} s{' (cached)' if meta['cached'] else ''}"
        )
        figures = county_assess(size, orm_sample=args.orm_sample if size == max(sizes) else 0)
        results["counties"][str(size)] = {"prepare": meta, **figures}
    path = OUT / f"assess-{args.households}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    report(results)
    print(f"\nfigures: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
