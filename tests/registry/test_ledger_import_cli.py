"""`jingzhun import ledger` as a county office runs it: a fresh process on the embedded database file.

The in-process tests run on the test runner's in-memory database, where Django never closes the
connection; only here does the import close it after the commit (its temporary tables and the worker
files go with it), turn SQLite's foreign-key look-ups off for its own transaction, and read a big file with
worker processes, as on a real machine.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from jingzhun.registry.ledger_import import PARALLEL_MIN_BYTES


def _jingzhun(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JINGZHUN_DATA_DIR": str(data_dir), "COLUMNS": "200"}  # no wrapped lines
    env.pop("DATABASE_URL", None)  # the embedded database, whichever database the suite runs on
    return subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-m", "jingzhun", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _count(database: Path, table: str) -> int:
    with sqlite3.connect(database) as con:
        return int(con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])  # noqa: S608 - a table name of ours


@pytest.fixture(scope="module")
def big_ledger(tmp_path_factory) -> Path:
    """A generated county just big enough to be read by worker processes."""
    path = tmp_path_factory.mktemp("ledger") / "county.csv"
    made = _jingzhun(path.parent / "gen", "generate", "--households", "11000", "--seed", "7", "--out", str(path))
    assert made.returncode == 0, made.stderr + made.stdout
    assert path.stat().st_size >= PARALLEL_MIN_BYTES
    return path


def test_a_big_file_imports_with_workers_and_imports_again_unchanged(tmp_path, big_ledger):
    data_dir = tmp_path / "data"
    first = _jingzhun(data_dir, "import", "ledger", str(big_ledger), "--no-progress", "-v2", "--workers", "2")
    assert first.returncode == 0, first.stderr + first.stdout
    assert "读取进程 2 个" in first.stdout
    database = data_dir / "jingzhun.sqlite3"
    members = len(big_ledger.read_text(encoding="utf-8-sig").splitlines()) - 1
    assert _count(database, "registry_member") == members
    assert _count(database, "registry_household") == 11000
    assert not list(data_dir.glob("import-*")), "the workers' scratch files are removed"
    with sqlite3.connect(database) as con:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == [], "every reference written has its row"

    again = _jingzhun(data_dir, "import", "ledger", str(big_ledger), "--no-progress", "--workers", "2")
    assert again.returncode == 0, again.stderr + again.stdout
    assert "新建 0 户，更新 0 户，未变化 11000 户" in again.stdout, again.stdout
    assert _count(database, "registry_member") == members
    with sqlite3.connect(database) as con:
        indexes = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert any("id_numb" in name for name in indexes), "the ID number index is built again after the bulk insert"
