"""Benchmark: the quality and speed of the data comparison (数据比对) against a ground truth, beside Splink.

    uv run --group bench python bench/crosscheck.py --households 1000000   # nine lists of 1,000,000 rows
    uv run --group bench python bench/crosscheck.py --households 100000 --rows 100000

The county is the one ``bench/assess.py`` generates and imports (cached under ``bench/out/assess/``; built
when missing). Its department lists and their truth come from the county's own ledger CSV with
:func:`jingzhun.samplecounty.department_lists.department_lists` (same seed; cached under
``bench/out/crosscheck/county-N/lists/``). On a copy of the imported county, each lane in its own process
(peak RSS is its own):

- import: ``jingzhun import department KEY FILE --as-of 2020-12-31`` for each list (rows/s, peak RSS);
- crosscheck: ``jingzhun crosscheck --out clues.csv --as-of 2020-12-31`` on a copy of the database with the
  lists imported — the whole comparison: matching every list, then every clue rule;
- match: ``batch_match`` per batch on another copy, for its per-pass times (exact ID, name keys, fuzzy);
- evaluate: the accepted matches (``auto``/``confirmed``) and the review queue against ``truth/links.csv``,
  per fault kind; the clue CSV against ``truth/clues.csv``, per rule;
- splink: the rows the fuzzy step saw (no match by exact ID), against the members, with the fuzzy step's own
  blocking (same toneless-pinyin name and the same ID characters 7–13 or 15–17; the same simplified name
  when the number is unusable) as Splink's blocking rules, so Splink scores the same candidate pairs; trained
  (u by random sampling, m by EM) and scored with DuckDB; precision/recall at thresholds beside ours.

Figures go to ``bench/out/crosscheck/crosscheck-N.json`` and are summarised on stdout.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assess import child_result, county_prepare, jingzhun, say, timed, work_copy  # noqa: E402

OUT = ROOT / "bench" / "out" / "crosscheck"
AS_OF = "2020-12-31"
HOUSEHOLD_RULES = ("X04", "X10")
RULE_DEPARTMENT = {
    "X01": "education",
    "X02": "medical_insurance",
    "X03": "disability",
    "X04": "civil_affairs",
    "X05": "deaths",
    "X06": "vehicles",
    "X07": "businesses",
    "X08": "real_estate",
    "X09": "payroll",
    "X10": "housing",
    "X11": "human_resources",
    "X12": "internal",
}
THRESHOLDS = (0.5, 0.9, 0.99)


def child(kind: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", kind, *args]


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


# --- lanes in child processes -----------------------------------------------------------------------------------


def lane_generate(ledger: str, out_dir: str, seed: int, rows: int, departments: str) -> dict[str, Any]:
    from jingzhun.samplecounty.department_lists import department_lists

    started = time.perf_counter()
    summary = department_lists(
        Path(ledger), Path(out_dir), seed, rows_per_list=rows or None, departments=departments.split(",")
    )
    return {
        "seconds": time.perf_counter() - started,
        "rows": summary.rows,
        "clues": dict(summary.clues),
        "peak_rss_mb": _peak_mb(),
    }


def _truth_links(lists: Path) -> dict[tuple[str, int], tuple[str, str]]:
    """(department, row_no) → (true ID number or "", fault kind)."""
    links: dict[tuple[str, int], tuple[str, str]] = {}
    with (lists / "truth" / "links.csv").open(encoding="utf-8", newline="") as stream:
        for department, row_no, true_id, fault in csv.reader(stream):
            if row_no and row_no != "row_no":
                links[department, int(row_no)] = (true_id, fault or "clean")
    return links


def _fault_order(kind: str) -> tuple[int, str]:
    return (0 if kind == "clean" else 2 if kind == "outsider" else 1, kind)


def lane_evaluate(database: str, lists_dir: str, clues_csv: str) -> dict[str, Any]:
    """Matching and clues against the truth."""
    lists = Path(lists_dir)
    links = _truth_links(lists)
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    batches = dict(con.execute("SELECT department, max(id) FROM crosscheck_batch GROUP BY department").fetchall())
    department_of = {batch_id: department for department, batch_id in batches.items()}
    placeholders = ",".join("?" * len(department_of))
    imported: dict[tuple[str, int], int] = {}
    for batch_id, row_no, row_id in con.execute(
        f"SELECT batch_id, row_no, id FROM crosscheck_row WHERE batch_id IN ({placeholders})",
        list(department_of),
    ):
        imported[department_of[batch_id], row_no] = row_id
    accepted: dict[int, str] = {}
    accepted_method: dict[int, str] = {}
    review: dict[int, set[str]] = defaultdict(set)
    with_match: set[int] = set()
    for row_id, id_number, state, method in con.execute(
        "SELECT m.row_id, mb.id_number, m.state, m.method FROM crosscheck_match m "
        "JOIN registry_member mb ON mb.id = m.member_id JOIN crosscheck_row r ON r.id = m.row_id "
        f"WHERE r.batch_id IN ({placeholders})",
        list(department_of),
    ):
        with_match.add(row_id)
        if state in ("auto", "confirmed"):
            accepted[row_id] = id_number
            accepted_method[row_id] = method
        elif state == "review":
            review[row_id].add(id_number)
    # Exact ID matches are not stored: a row without any Match whose number a member holds is that member.
    for row_id, id_number in con.execute(
        "SELECT r.id, r.id_number FROM crosscheck_row r WHERE r.id_number != '' "
        f"AND r.batch_id IN ({placeholders}) "
        "AND EXISTS (SELECT 1 FROM registry_member m WHERE m.id_number = r.id_number)",
        list(department_of),
    ):
        if row_id not in with_match:
            accepted[row_id] = id_number
            accepted_method[row_id] = "id"
    run_summary = con.execute("SELECT summary, seconds FROM crosscheck_run ORDER BY id DESC LIMIT 1").fetchone()

    # Per row: the outcome class. Rows of departments not imported are not counted.
    per_kind: dict[str, Counter[str]] = defaultdict(Counter)
    per_department: dict[str, Counter[str]] = defaultdict(Counter)
    for (department, row_no), (true_id, kind) in links.items():
        if department not in batches:
            continue
        counts = per_kind[kind]
        dept = per_department[department]
        counts["rows"] += 1
        row_id = imported.get((department, row_no))
        if row_id is None:
            counts["not_imported"] += 1
            outcome = "fn" if true_id else "tn"
        elif row_id in accepted:
            counts[f"method:{accepted_method[row_id]}"] += 1
            outcome = "tp" if accepted[row_id] == true_id else "fp_wrong" if true_id else "fp_outsider"
        elif row_id in review:
            outcome = "review_true" if true_id in review[row_id] else "review_false"
        else:
            outcome = "fn" if true_id else "tn"
        counts[outcome] += 1
        dept[outcome] += 1
        dept["rows"] += 1

    total: Counter[str] = Counter()
    linked_total: Counter[str] = Counter()
    for kind, c in per_kind.items():
        total.update(c)
        if kind != "outsider":
            linked_total.update(c)
    # Recall is over rows that are registry people; outsiders only count against precision.
    tp = total["tp"]
    fp = total["fp_wrong"] + total["fp_outsider"]
    linked_rows = linked_total["rows"]
    faults_only = Counter[str]()
    for kind, c in per_kind.items():
        if kind not in ("clean", "outsider"):
            faults_only.update(c)
    matching = {
        "rows": total["rows"],
        "linked_rows": linked_rows,
        "tp": tp,
        "fp": fp,
        "fp_outsider": total["fp_outsider"],
        "review_rows": total["review_true"] + total["review_false"],
        "review_with_truth": total["review_true"],
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, linked_rows),
        "recall_with_review": _ratio(tp + total["review_true"], linked_rows),
        "faulted_rows": faults_only["rows"],
        "faulted_recall": _ratio(faults_only["tp"], faults_only["rows"]),
        "faulted_recall_with_review": _ratio(faults_only["tp"] + faults_only["review_true"], faults_only["rows"]),
        "faulted_precision": _ratio(faults_only["tp"], faults_only["tp"] + faults_only["fp_wrong"]),
        "per_fault": {k: _kind_scores(per_kind[k]) for k in sorted(per_kind, key=_fault_order)},
        "per_department": {d: dict(c) for d, c in sorted(per_department.items())},
    }

    # Clues: keyed on (rule, household, member ID); household clues on (rule, household).
    used = set(batches) | {"internal"}
    truth: set[tuple[str, str, str]] = set()
    with (lists / "truth" / "clues.csv").open(encoding="utf-8", newline="") as stream:
        for rule, _variant, _department, household, id_number in list(csv.reader(stream))[1:]:
            if RULE_DEPARTMENT[rule] in used:
                truth.add((rule, household, "" if rule in HOUSEHOLD_RULES else id_number))
    found: set[tuple[str, str, str]] = set()
    found_rows = 0
    with Path(clues_csv).open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        for row in reader:
            found_rows += 1
            rule = row["rule"]
            found.add((rule, row["household_no"], "" if rule in HOUSEHOLD_RULES else row["id_number"]))
    rules: dict[str, Any] = {}
    for rule in sorted(RULE_DEPARTMENT):
        if RULE_DEPARTMENT[rule] not in used:
            continue
        t = {c for c in truth if c[0] == rule}
        f = {c for c in found if c[0] == rule}
        hit = len(t & f)
        rules[rule] = {
            "truth": len(t),
            "found": len(f),
            "tp": hit,
            "fp": len(f - t),
            "fn": len(t - f),
            "precision": _ratio(hit, len(f)),
            "recall": _ratio(hit, len(t)),
            "fp_examples": sorted(f - t)[:5],
            "fn_examples": sorted(t - f)[:5],
        }
    hit = len(truth & found)
    clues = {
        "csv_rows": found_rows,
        "truth": len(truth),
        "found": len(found),
        "precision": _ratio(hit, len(found)),
        "recall": _ratio(hit, len(truth)),
        "per_rule": rules,
    }
    passes = next(iter(json.loads(run_summary[0])["matching"].values()), {}).get("seconds", {})
    return {
        "matching": matching,
        "clues": clues,
        "run_seconds": run_summary[1],
        "match_passes": passes,
        "peak_rss_mb": _peak_mb(),
    }


def _kind_scores(c: Counter[str]) -> dict[str, Any]:
    rows = c["rows"]
    figures: dict[str, Any] = dict(c)
    if rows and c["tn"] + c["fp_outsider"] == 0:  # registry people
        figures["recall"] = c["tp"] / rows
        figures["recall_with_review"] = (c["tp"] + c["review_true"]) / rows
        figures["wrong_member"] = c["fp_wrong"]
    elif rows:  # outsiders
        figures["falsely_matched"] = c["fp_outsider"]
        figures["in_review"] = c["review_false"]
    return figures


# --- the Splink lane --------------------------------------------------------------------------------------------

_FULL_WIDTH = {chr(0xFF10 + d): str(d) for d in range(10)} | {"Ｘ": "X", "ｘ": "X", "\u3000": "", " ": ""}


def _id_key(id_number: str, id_raw: str) -> str:
    """The fuzzy step's ID key (matching._id_key, in Python)."""
    if id_number:
        return id_number
    raw = id_raw
    for wide, narrow in _FULL_WIDTH.items():
        raw = raw.replace(wide, narrow)
    raw = raw.upper()
    return raw[:6] + "19" + raw[6:15] + "?" if len(raw) == 15 else raw


def lane_splink(database: str, lists_dir: str) -> dict[str, Any]:
    """Splink (DuckDB) on the rows left to the fuzzy step, with its blocking; ours on the same rows."""
    import duckdb
    import pyarrow as pa
    import splink.comparison_level_library as cll
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    from splink.comparison_library import CustomComparison

    started_all = time.perf_counter()
    lists = Path(lists_dir)
    links = _truth_links(lists)
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    department_of = dict(con.execute("SELECT id, department FROM crosscheck_batch").fetchall())
    keys = {
        name: (simplified, pinyin)
        for name, simplified, pinyin in con.execute("SELECT name, simplified, pinyin FROM crosscheck_namekey")
    }
    # Rows the fuzzy step saw: no member holds their number, and no exact or remembered match was stored.
    rows = con.execute(
        "SELECT r.id, r.batch_id, r.row_no, r.name, r.id_raw, r.id_number FROM crosscheck_row r "
        "WHERE (r.id_number = '' OR NOT EXISTS (SELECT 1 FROM registry_member m WHERE m.id_number = r.id_number)) "
        "AND NOT EXISTS (SELECT 1 FROM crosscheck_match x WHERE x.row_id = r.id AND x.method IN ('id', 'decision'))"
    ).fetchall()
    left = []
    truth: dict[int, str] = {}
    kinds: dict[int, str] = {}
    for row_id, batch_id, row_no, name, id_raw, id_number in rows:
        simplified, pinyin = keys.get(name, (name, ""))
        key = _id_key(id_number, id_raw)
        usable = len(key) == 18
        true_id, kind = links.get((department_of[batch_id], row_no), ("", "?"))
        truth[row_id] = true_id
        kinds[row_id] = kind
        left.append(
            {
                "unique_id": row_id,
                "name": name,
                "simplified": simplified,
                "pinyin": pinyin,
                "id_key": key if usable else None,
                "b3": key[6:13] if usable else None,
                "tail": key[14:17] if usable else None,
                "birth": key[6:14] if usable else None,
                "sex": ("M" if key[16] in "13579" else "F" if key[16] in "02468" else None) if usable else None,
                "region": key[:6] if usable else None,
                "name_block": None if usable else simplified,
            }
        )
    wanted = {r["pinyin"] for r in left} | {r["simplified"] for r in left}
    right = []
    member_number: dict[int, str] = {}
    for member_id, number, name, sex in con.execute("SELECT id, id_number, name, sex FROM registry_member"):
        simplified, pinyin = keys.get(name, (name, ""))
        if pinyin not in wanted and simplified not in wanted:
            continue  # the fuzzy step reads only members whose name sounds like a pending row's
        member_number[member_id] = number
        right.append(
            {
                "unique_id": member_id,
                "name": name,
                "simplified": simplified,
                "pinyin": pinyin,
                "id_key": number,
                "b3": number[6:13],
                "tail": number[14:17],
                "birth": number[6:14],
                "sex": sex,
                "region": number[:6],
                "name_block": simplified,
            }
        )
    load_seconds = time.perf_counter() - started_all

    name_comparison = CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name"),
            cll.CustomLevel('"simplified_l" = "simplified_r"', label_for_charts="same after OpenCC t2s"),
            cll.CustomLevel('"pinyin_l" = "pinyin_r"', label_for_charts="same pinyin"),
            cll.ElseLevel(),
        ],
    )
    id_comparison = CustomComparison(
        output_column_name="id_key",
        comparison_levels=[
            cll.NullLevel("id_key"),
            cll.ExactMatchLevel("id_key"),
            cll.DamerauLevenshteinLevel("id_key", 1),
            cll.CustomLevel(
                '"birth_l" = "birth_r" AND "sex_l" = "sex_r" AND "region_l" = "region_r"',
                label_for_charts="birth, sex and region agree",
            ),
            cll.CustomLevel('"birth_l" = "birth_r" AND "sex_l" = "sex_r"', label_for_charts="birth and sex agree"),
            cll.ElseLevel(),
        ],
    )
    blocking = [block_on("pinyin", "b3"), block_on("pinyin", "tail"), block_on("name_block")]
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[name_comparison, id_comparison],
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    duck = duckdb.connect()
    db_api = DuckDBAPI(connection=duck)
    started = time.perf_counter()
    left_df = db_api.register(pa.Table.from_pylist(left), table_name="rows_pending")
    right_df = db_api.register(pa.Table.from_pylist(right), table_name="members")
    linker = Linker([left_df, right_df], settings)
    linker.training.estimate_probability_two_random_records_match(
        ["l.pinyin = r.pinyin AND l.birth = r.birth AND l.sex = r.sex"], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("pinyin", "b3"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth", "sex"))
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=min(THRESHOLDS))
    predict_seconds = time.perf_counter() - started
    table = predictions.physical_name
    pairs = duck.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    sources = [s for (s,) in duck.execute(f"SELECT DISTINCT source_dataset_l FROM {table}").fetchall()]
    blocked = duck.execute(
        " UNION ".join(
            f"SELECT l.unique_id AS a, r.unique_id AS b FROM rows_pending l JOIN members r ON {on}"
            for on in (
                "l.pinyin = r.pinyin AND l.b3 = r.b3",
                "l.pinyin = r.pinyin AND l.tail = r.tail",
                "l.name_block = r.name_block",
            )
        ).join(("SELECT count(*) FROM (", ")"))
    ).fetchone()[0]

    # The rows' side is source "rows_pending" (Splink orders the two sources; both keep their own ids).
    scored = (
        f"SELECT CASE WHEN source_dataset_l = 'rows_pending' THEN unique_id_l ELSE unique_id_r END AS row_id, "
        f"CASE WHEN source_dataset_l = 'rows_pending' THEN unique_id_r ELSE unique_id_l END AS member_id, "
        f"match_probability AS p FROM {table}"
    )
    splink: dict[str, Any] = {
        "rows": len(left),
        "members_read": len(right),
        "candidate_pairs": blocked,
        "scored_pairs_above_lowest_threshold": pairs,
        "sources": sources,
        "load_seconds": load_seconds,
        "train_seconds": train_seconds,
        "predict_seconds": predict_seconds,
        "seconds": train_seconds + predict_seconds,
        "at": {},
    }
    for threshold in THRESHOLDS:
        # The best member per row; a row whose best probability two members share is ambiguous: no match.
        best = duck.execute(
            f"SELECT row_id, any_value(member_id) FROM (SELECT *, max(p) OVER (PARTITION BY row_id) AS top "
            f"FROM ({scored}) WHERE p >= {threshold}) WHERE p = top GROUP BY row_id HAVING count(*) = 1"
        ).fetchall()
        chosen = {int(r): member_number[int(m)] for r, m in best}
        splink["at"][str(threshold)] = _pair_scores(chosen, truth, kinds)

    # Ours on the same rows: the fuzzy step's matches (auto = accepted; review counted separately).
    ours_auto: dict[int, str] = {}
    ours_review: dict[int, set[str]] = defaultdict(set)
    for row_id, number, state in con.execute(
        "SELECT m.row_id, mb.id_number, m.state FROM crosscheck_match m JOIN registry_member mb ON mb.id = m.member_id "
        "WHERE m.method != 'id'"
    ):
        if state in ("auto", "confirmed"):
            ours_auto[row_id] = number
        elif state == "review":
            ours_review[row_id].add(number)
    ours = _pair_scores(ours_auto, truth, kinds)
    linked = sum(1 for t in truth.values() if t)
    ours["recall_with_review"] = _ratio(
        ours["tp"] + sum(1 for r, c in ours_review.items() if r not in ours_auto and truth.get(r) in c), linked
    )
    ours["review_rows"] = sum(1 for r in ours_review if r not in ours_auto)
    return {"splink": splink, "ours_on_same_rows": ours, "peak_rss_mb": _peak_mb()}


def _pair_scores(chosen: dict[int, str], truth: dict[int, str], kinds: dict[int, str]) -> dict[str, Any]:
    tp = sum(1 for r, n in chosen.items() if truth.get(r) == n)
    fp = len(chosen) - tp
    linked = sum(1 for t in truth.values() if t)
    per_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for r, t in truth.items():
        c = per_kind[kinds[r]]
        c["rows"] += 1
        if r in chosen:
            c["tp" if chosen[r] == t else "fp"] += 1
    return {
        "matched": len(chosen),
        "tp": tp,
        "fp": fp,
        "linked_rows": linked,
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, linked),
        "per_fault": {k: dict(v) for k, v in sorted(per_kind.items(), key=lambda kv: _fault_order(kv[0]))},
    }


CHILDREN = {"generate": lane_generate, "evaluate": lane_evaluate, "splink": lane_splink}


# --- the run ----------------------------------------------------------------------------------------------------


def lists_prepare(households: int, *, seed: int, rows: int, departments: tuple[str, ...]) -> dict[str, Any]:
    """The county's department lists and truth, generated once per (seed, rows, departments)."""
    ledger = ROOT / "bench" / "out" / "assess" / f"county-{households}" / "ledger.csv"
    lists = OUT / f"county-{households}" / f"lists-{rows or 'natural'}"
    meta_path = lists / "generate.json"
    wanted = {"seed": seed, "rows": rows, "departments": list(departments)}
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if all(meta.get(k) == v for k, v in wanted.items()):
            return {**meta, "cached": True, "dir": str(lists)}
    shutil.rmtree(lists, ignore_errors=True)
    say(f"county {households:,}: generating department lists ({rows or 'natural'} rows) …")
    run = child_result(timed(child("generate", str(ledger), str(lists), str(seed), str(rows), ",".join(departments))))
    meta = {**wanted, "generated": run}
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    return {**meta, "cached": False, "dir": str(lists)}


def _copy(source: Path, name: str) -> Path:
    target = source.parent / name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    for item in ("jingzhun.sqlite3", "secret_key"):
        shutil.copy(source / item, target / item)
    return target


def county_run(
    households: int, *, lists: dict[str, Any], departments: tuple[str, ...], splink: bool, keep: bool = False
) -> dict:
    figures: dict[str, Any] = {"households": households, "lists": lists}
    lists_dir = Path(lists["dir"])
    imported = OUT / f"county-{households}" / f"imported-{Path(lists['dir']).name}"
    reuse = keep and (imported / "jingzhun.sqlite3").exists()
    work = imported if reuse else work_copy(households, "crosscheck-lists")
    env = {"JINGZHUN_DATA_DIR": str(work)}
    timed(jingzhun("migrate", "--verbosity", "0"), env)
    imports: dict[str, Any] = {"reused": str(imported)} if reuse else {}
    for department in () if reuse else departments:
        path = lists_dir / f"{department}.csv"
        say(f"county {households:,}: importing {department} ({lists['generated']['rows'][department]:,} rows) …")
        run = timed(
            jingzhun("import", "department", department, str(path), "--as-of", AS_OF, "--no-progress"), env, ok=(0, 1)
        )
        rows = lists["generated"]["rows"][department]
        imports[department] = {
            "rows": rows,
            "seconds": run["seconds"],
            "rows_per_second": rows / run["seconds"],
            "peak_rss_mb": run["peak_rss_mb"],
            "output": run["stdout"].strip(),
        }
        say(f"  {run['seconds']:.1f} s, {rows / run['seconds']:,.0f} rows/s, {run['peak_rss_mb']:.0f} MB")
    figures["import"] = imports
    with sqlite3.connect(work / "jingzhun.sqlite3") as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    compare = _copy(work, "crosscheck-run")
    compare_env = {"JINGZHUN_DATA_DIR": str(compare)}
    clues_csv = compare / "clues.csv"
    say(f"county {households:,}: jingzhun crosscheck (matching + rules) …")
    run = timed(jingzhun("crosscheck", "--out", str(clues_csv), "--as-of", AS_OF), compare_env)
    figures["crosscheck"] = {"seconds": run["seconds"], "peak_rss_mb": run["peak_rss_mb"], "output": run["stdout"]}
    say(f"  {run['seconds']:.1f} s wall, {run['peak_rss_mb']:.0f} MB")
    say(f"county {households:,}: evaluating against the truth …")
    figures["evaluate"] = child_result(
        timed(child("evaluate", str(compare / "jingzhun.sqlite3"), str(lists_dir), str(clues_csv)), compare_env)
    )
    if splink:
        say(f"county {households:,}: Splink on the fuzzy step's rows …")
        figures["splink"] = child_result(
            timed(child("splink", str(compare / "jingzhun.sqlite3"), str(lists_dir)), compare_env)
        )
    if keep and not reuse:
        shutil.rmtree(imported, ignore_errors=True)
        work.rename(imported)
    elif not keep:
        shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(compare, ignore_errors=True)
    return figures


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f} %"


def summary(f: dict[str, Any]) -> str:
    lines = [f"county of {f['households']:,} households; lists: {f['lists']['generated']['rows']}"]
    imports = {k: v for k, v in f["import"].items() if k != "reused"}
    if "reused" in f["import"]:
        lines.append(f"import: lists already imported in {f['import']['reused']}")
    else:
        total_rows = sum(i["rows"] for i in imports.values())
        total_seconds = sum(i["seconds"] for i in imports.values())
        lines.append(f"import: {total_rows:,} rows in {total_seconds:.1f} s ({total_rows / total_seconds:,.0f} rows/s)")
    for department, i in imports.items():
        lines.append(
            f"  {department:<18} {i['rows']:>9,} rows {i['seconds']:7.1f} s {i['rows_per_second']:>9,.0f} rows/s "
            f"{i['peak_rss_mb']:6.0f} MB"
        )
    c = f["crosscheck"]
    lines.append(f"crosscheck (whole comparison): {c['seconds']:.1f} s, {c['peak_rss_mb']:.0f} MB")
    passes = f["evaluate"]["match_passes"]
    lines.append(
        f"  its run: {f['evaluate']['run_seconds']:.1f} s; matching passes: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in passes.items())
    )
    m = f["evaluate"]["matching"]
    lines.append(
        f"matching: precision {_pct(m['precision'])}, recall {_pct(m['recall'])} (with review "
        f"{_pct(m['recall_with_review'])}); faulted rows: recall {_pct(m['faulted_recall'])} (with review "
        f"{_pct(m['faulted_recall_with_review'])}), precision {_pct(m['faulted_precision'])}; "
        f"outsiders matched {m['fp_outsider']:,}; review rows {m['review_rows']:,}"
    )
    for kind, k in m["per_fault"].items():
        if "recall" in k:
            lines.append(
                f"  {kind:<22} {k['rows']:>9,} rows recall {_pct(k['recall'])} with review "
                f"{_pct(k['recall_with_review'])} wrong member {k['wrong_member']}"
            )
        else:
            lines.append(f"  {kind:<22} {k['rows']:>9,} rows matched {k['falsely_matched']} in review {k['in_review']}")
    cl = f["evaluate"]["clues"]
    lines.append(f"clues: precision {_pct(cl['precision'])}, recall {_pct(cl['recall'])} ({cl['found']:,} found)")
    for rule, r in cl["per_rule"].items():
        lines.append(
            f"  {rule} truth {r['truth']:>8,} found {r['found']:>8,} precision {_pct(r['precision'])} "
            f"recall {_pct(r['recall'])}"
        )
    if "splink" in f:
        s, o = f["splink"]["splink"], f["splink"]["ours_on_same_rows"]
        fuzzy = passes.get("fuzzy", 0) + passes.get("names", 0)
        lines.append(
            f"fuzzy step, {s['rows']:,} rows, {s['candidate_pairs']:,} candidate pairs: ours {fuzzy:.1f} s "
            f"precision {_pct(o['precision'])} recall {_pct(o['recall'])} (with review {_pct(o['recall_with_review'])})"
        )
        for threshold, a in s["at"].items():
            lines.append(
                f"  splink p≥{threshold}: train {s['train_seconds']:.1f} s + predict {s['predict_seconds']:.1f} s, "
                f"precision {_pct(a['precision'])} recall {_pct(a['recall'])}"
            )
    return "\n".join(lines)


def main() -> None:
    from jingzhun.samplecounty.department_lists import BENCHMARK_DEPARTMENTS, DEPARTMENTS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per list (0: natural size)")
    parser.add_argument("--departments", default=",".join(BENCHMARK_DEPARTMENTS), help="comma-separated keys")
    parser.add_argument("--all-departments", action="store_true", help="all eleven lists")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--events-per-1000", type=int, default=10)
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="rebuild the county (not only the lists)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database with the lists imported and reuse it when it is there"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        kind_args = [int(a) if a.isdigit() else a for a in rest]
        print(json.dumps(CHILDREN[args.child](*kind_args), default=str, ensure_ascii=False))
        return
    departments = DEPARTMENTS if args.all_departments else tuple(args.departments.split(","))
    county_prepare(args.households, seed=args.seed, events_per_1000=args.events_per_1000, fresh=args.fresh)
    lists = lists_prepare(args.households, seed=args.seed, rows=args.rows, departments=departments)
    figures = county_run(
        args.households, lists=lists, departments=departments, splink=not args.no_splink, keep=args.keep
    )
    OUT.mkdir(parents=True, exist_ok=True)
    name = f"crosscheck-{args.households}-{args.rows or 'natural'}{'-all' if args.all_departments else ''}.json"
    (OUT / name).write_text(json.dumps(figures, indent=2, default=str, ensure_ascii=False))
    print(summary(figures))
    print(f"\nfigures: {(OUT / name).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
