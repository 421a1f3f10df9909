"""The floor: csv.reader + executemany of the raw rows into one flat SQLite table (WAL, one transaction)."""

from __future__ import annotations

import csv
import json
import resource
import sqlite3
import sys
import time
from pathlib import Path


def main() -> None:
    source, database = Path(sys.argv[1]), Path(sys.argv[2])
    for suffix in ("", "-wal", "-shm"):
        Path(str(database) + suffix).unlink(missing_ok=True)
    started = time.perf_counter()
    con = sqlite3.connect(database, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    rows = 0
    with source.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        con.execute(f"CREATE TABLE ledger ({', '.join(f'c{i} TEXT' for i in range(len(header)))})")
        insert = f"INSERT INTO ledger VALUES ({', '.join('?' * len(header))})"
        con.execute("BEGIN")
        while chunk := [row for _, row in zip(range(5000), reader, strict=False)]:
            con.executemany(insert, chunk)
            rows += len(chunk)
        con.execute("COMMIT")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_rss_mb": peak}))


if __name__ == "__main__":
    main()
