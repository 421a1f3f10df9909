"""Benchmark: generate a county ledger and import it, beside a plain executemany load and django-import-export.

    uv run --group bench python bench/import_ledger.py --households 370000

Every lane runs in its own process (so peak RSS is its own), on the same generated CSV:

- floor: csv.reader + executemany of the raw rows into one flat SQLite table — no validation at all;
- jingzhun: ``jingzhun import ledger`` into a fresh embedded database (full validation, three tables,
  history, error report), on a small file and on the big one to show memory does not grow with size,
  and once more on the big one to time an idempotent re-import;
- django-import-export: a ModelResource over a flat table, on the first ``--ie-rows`` rows (it is far too
  slow for the whole file), its rate scaled to the full row count.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "import_ledger"


def _tree_rss_kb(session: int) -> int:
    """Resident memory of every process in a session (the command and the workers it forks), in KB."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # field 6 of stat: the session id
            total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024  # field 24: rss in pages
    return total


TREE_PEAKS: dict[str, float] = {}


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB of the biggest single process (GNU time), and stdout of a command.

    The peak of all its processes together (sampled every 0.2 s) goes to ``TREE_PEAKS[command text]``.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(
        ["/usr/bin/time", "-f", "%M", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        start_new_session=True,
    )
    tree_peak = 0
    while proc.poll() is None:
        tree_peak = max(tree_peak, _tree_rss_kb(proc.pid))
        time.sleep(0.2)
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        sys.exit(f"failed: {' '.join(command)}\n{stdout}\n{stderr}")
    peak_kb = int(stderr.strip().splitlines()[-1])
    TREE_PEAKS[" ".join(command)] = tree_peak / 1024
    return seconds, peak_kb / 1024, stdout


def jingzhun(*args: str, data_dir: Path) -> list[str]:
    return [sys.executable, "-m", "jingzhun", *args]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=370_000, help="about 2.7 member rows each")
    parser.add_argument("--small-households", type=int, default=37_000)
    parser.add_argument("--ie-rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {"households": args.households}
    # Time the commands as installed (`make` installs with compiled bytecode, as pip does), not Python
    # compiling Django and jingzhun at every start where PYTHONDONTWRITEBYTECODE is set, as on these machines.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", str(ROOT / "src"), sysconfig.get_paths()["purelib"]],
        check=True,
        stdout=subprocess.DEVNULL,
    )

    big, small = OUT / "ledger.csv", OUT / "ledger-small.csv"
    seconds, peak, _ = timed(
        jingzhun(
            "generate", "--households", str(args.households), "--seed", str(args.seed), "--out", str(big), data_dir=OUT
        )
    )
    rows = sum(1 for _ in big.open(encoding="utf-8-sig")) - 1
    results["rows"] = rows
    results["generate"] = {"seconds": seconds, "rows_per_s": rows / seconds, "peak_rss_mb": peak}
    timed(
        jingzhun(
            "generate",
            "--households",
            str(args.small_households),
            "--seed",
            str(args.seed),
            "--out",
            str(small),
            data_dir=OUT,
        )
    )
    small_rows = sum(1 for _ in small.open(encoding="utf-8-sig")) - 1
    print(f"generated {rows:,} rows in {seconds:.1f} s", file=sys.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        _, _, out = timed([sys.executable, "bench/floor.py", str(big), str(Path(tmp) / "floor.sqlite3")])
        floor = json.loads(out)
        floor["rows_per_s"] = floor["rows"] / floor["seconds"]
        results["floor"] = floor
        print(f"floor: {floor['seconds']:.1f} s", file=sys.stderr)

        lanes = (
            ("jingzhun_small", small, small_rows, []),
            ("jingzhun_one_process", big, rows, ["--workers", "1"]),
            ("jingzhun", big, rows, []),
        )
        for label, source, source_rows, extra in lanes:
            data_dir = Path(tmp) / label
            env = {"JINGZHUN_DATA_DIR": str(data_dir)}
            timed(jingzhun("migrate", "--verbosity", "0", data_dir=data_dir), env)
            command = jingzhun("import", "ledger", str(source), "--no-progress", "-v2", *extra, data_dir=data_dir)
            seconds, peak, out = timed(command, env)
            results[label] = {
                "rows": source_rows,
                "seconds": seconds,
                "rows_per_s": source_rows / seconds,
                "peak_rss_mb": peak,
                "all_processes_peak_rss_mb": TREE_PEAKS[" ".join(command)],
                "output": out.strip(),
            }
            print(f"{label}: {seconds:.1f} s, {peak:.0f} MB", file=sys.stderr)
            if label == "jingzhun":
                seconds, peak, out = timed(command, env)
                results["jingzhun_reimport"] = {
                    "seconds": seconds,
                    "peak_rss_mb": peak,
                    "all_processes_peak_rss_mb": TREE_PEAKS[" ".join(command)],
                    "output": out.strip(),
                }
                db = data_dir / "jingzhun.sqlite3"
                results["database_mb"] = db.stat().st_size / 1024**2
            shutil.rmtree(data_dir, ignore_errors=True)

        (Path(tmp) / "ie").mkdir()  # the lane's own settings do not create the data directory
        env = {"JINGZHUN_DATA_DIR": str(Path(tmp) / "ie")}
        _, _, out = timed([sys.executable, "-m", "bench.iebench.run", str(big), str(args.ie_rows)], env)
        ie = json.loads(out.strip().splitlines()[-1])
        ie["rows_per_s"] = ie["rows"] / ie["seconds"]
        ie["scaled_seconds_for_all_rows"] = rows / ie["rows_per_s"]
        results["django_import_export"] = ie
        print(f"django-import-export: {ie['rows_per_s']:.0f} rows/s", file=sys.stderr)

    (OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    j, f = results["jingzhun"], results["floor"]
    print(f"\n{rows:,} member rows ({args.households:,} households), one run on this machine\n")
    print("| lane | rows | wall s | rows/s | peak RSS MB | all processes MB |")
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| generate (CSV) | {rows:,} | {results['generate']['seconds']:.1f} | "
        f"{results['generate']['rows_per_s']:,.0f} | {results['generate']['peak_rss_mb']:.0f} | – |"
    )
    print(
        f"| floor: executemany into one flat table | {rows:,} | {f['seconds']:.1f} | {f['rows_per_s']:,.0f} | "
        f"{f['peak_rss_mb']:.0f} | – |"
    )
    for label, text in (
        ("jingzhun_small", "jingzhun import ledger (small file)"),
        ("jingzhun_one_process", "jingzhun import ledger --workers 1"),
        ("jingzhun", "jingzhun import ledger (workers: one per CPU)"),
    ):
        lane = results[label]
        print(
            f"| {text} | {lane['rows']:,} | {lane['seconds']:.1f} | {lane['rows_per_s']:,.0f} | "
            f"{lane['peak_rss_mb']:.0f} | {lane['all_processes_peak_rss_mb']:.0f} |"
        )
    r = results["jingzhun_reimport"]
    print(
        f"| jingzhun re-import (no changes) | {rows:,} | {r['seconds']:.1f} | {rows / r['seconds']:,.0f} | "
        f"{r['peak_rss_mb']:.0f} | {r['all_processes_peak_rss_mb']:.0f} |"
    )
    print(
        f"| django-import-export (first {ie['rows']:,} rows) | {ie['rows']:,} | {ie['seconds']:.1f} | "
        f"{ie['rows_per_s']:,.0f} | {ie['peak_rss_mb']:.0f} | – |"
    )
    print(
        f"\njingzhun / floor speed: {j['rows_per_s'] / f['rows_per_s']:.2f} "
        f"(one process: {results['jingzhun_one_process']['rows_per_s'] / f['rows_per_s']:.2f}); "
        f"django-import-export scaled to all rows: {ie['scaled_seconds_for_all_rows'] / 60:.0f} min; "
        f"database {results['database_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
