"""The ledger import read by several worker processes gives exactly what the single stream gives.

These tests own their transactions (``transaction=True``): a parallel import attaches the workers' files,
which can only be detached once the import's own transaction is over.
"""

from __future__ import annotations

import hashlib
import os
import signal
import time

import pytest
from django.db import connection, transaction

from jingzhun.areas.models import Area
from jingzhun.registry import ledger_import as ledger_import_module
from jingzhun.registry.ledger_import import staging as ledger_import_staging
from jingzhun.registry.models import ChangeRecord, Household, ImportBatch, Income, Member, StatusChange
from jingzhun.registry.services import ledger_import
from jingzhun.samplecounty import generate
from jingzhun.spreadsheets.reading import UnusableFile

from .ledger_files import family, household_row, make_id, read_report, write_csv

pytestmark = pytest.mark.django_db(transaction=True)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="parallel reading is for embedded SQLite")


@pytest.fixture(autouse=True)
def any_file_is_big(monkeypatch):
    monkeypatch.setattr(ledger_import_staging, "PARALLEL_MIN_BYTES", 0)


def _registry() -> dict[str, list[tuple[object, ...]]]:
    """Everything an import writes, without ids and timestamps."""
    skip = {"id", "created_at", "updated_at", "household", "changed_at", "batch"}

    def rows(model, *order):
        names = [f.name for f in model._meta.concrete_fields if f.name not in skip]
        return list(model.objects.order_by(*order).values_list(*names))

    return {
        "households": rows(Household, "household_no"),
        "members": [
            (household_no, *rest)
            for household_no, *rest in Member.objects.order_by("household__household_no", "id_number").values_list(
                "household__household_no", *[f.name for f in Member._meta.concrete_fields if f.name not in skip]
            )
        ],
        "incomes": list(
            Income.objects.order_by("household__household_no", "year").values_list(
                "household__household_no", *[f.name for f in Income._meta.concrete_fields if f.name not in skip]
            )
        ),
        "statuses": list(
            StatusChange.objects.order_by("household__household_no").values_list(
                "household__household_no", "from_status", "to_status", "reason"
            )
        ),
        "villages": list(Area.objects.order_by("code").values_list("code", "name", "level", "parent_id")),
    }


def _forget_everything() -> None:
    ChangeRecord.objects.all().delete()
    StatusChange.objects.all().delete()
    Household.objects.all().delete()
    ImportBatch.objects.all().delete()
    while Area.objects.exists():  # leaves first: a parent area is protected
        Area.objects.filter(children__isnull=True).delete()


def _report(outcome) -> dict[str, list[list[object]]]:
    sheets = read_report(outcome.report_path)
    return {name: rows for name, rows in sheets.items() if name in ("错误", "提示")}


@sqlite_only
def test_a_dirty_county_read_in_parts_imports_exactly_as_one_stream(tmp_path):
    out = tmp_path / "county.csv"
    generate(households=600, seed=5, out=out, dirty=True, dirty_rate=0.2)
    single = ledger_import(path=out)
    expected, expected_report = _registry(), _report(single)
    _forget_everything()

    parallel = ledger_import(path=out, workers=3)

    assert (single.workers, parallel.workers) == (1, 3)
    assert (parallel.rows, parallel.created, parallel.rejected, parallel.errors, parallel.warnings) == (
        single.rows,
        single.created,
        single.rejected,
        single.errors,
        single.warnings,
    )
    assert _registry() == expected
    assert _report(parallel) == expected_report
    assert single.errors > 0  # the comparison covers rejected households too


@sqlite_only
def test_later_rows_that_differ_before_or_after_the_member_cells_are_read_as_one_stream_reads_them(tmp_path):
    # A part's lines are split after the member cells only, and a household's later row is compared with its
    # first row on the rest of the line as one text: these rows differ from their first row before the member
    # cells, after them, in the last cell, by being short, or by cells past the last header.
    rows = [row for n in range(40) for row in family(f"H{n:03d}")]
    rows[3]["村代码"] = "370125105202"
    rows[5]["低保金"] = "99"
    rows[7]["联系电话"] = "13900001111"
    rows[9]["行政村"] = "李家村"
    path = write_csv(tmp_path / "l.csv", rows)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines[12] = ",".join(lines[12].split(",")[:5])  # row 12: H005's second row, cut after its ID number
    lines[14] = ",".join(lines[14].split(",")[:20])  # H006's second row, cut inside the household cells
    lines[16] += ",,备注"  # H007's second row, two cells past the last header
    lines[18] += ",,"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    single = ledger_import(path=path)
    expected, expected_report = _registry(), _report(single)
    _forget_everything()

    parallel = ledger_import(path=path, workers=2)

    assert (single.workers, parallel.workers) == (1, 2)
    assert (parallel.created, parallel.rejected, parallel.errors) == (single.created, single.rejected, single.errors)
    assert _registry() == expected
    assert _report(parallel) == expected_report
    rejected = {row[1] for row in expected_report["错误"]}
    assert {"H001", "H002", "H003", "H004", "H005", "H006"} <= rejected
    assert "H007" not in rejected and "H008" not in rejected  # cells past the headers are ignored


@sqlite_only
def test_a_near_miss_found_in_a_worker_is_named_from_the_registry(tmp_path):
    registered = make_id("19700101")
    rows = [household_row("H001", 证件号码=registered)] + [row for n in range(2, 40) for row in family(f"H{n:03d}")]
    ledger_import(path=write_csv(tmp_path / "a.csv", rows))
    typo = registered[:-1] + ("0" if registered[-1] != "0" else "1")
    rows[0]["证件号码"] = typo

    outcome = ledger_import(path=write_csv(tmp_path / "b.csv", rows), workers=2)

    assert outcome.workers == 2
    [error] = [e for e in read_report(outcome.report_path)["错误"] if e[2] == "证件号码"]
    assert "本户已登记相近的号码" in error[4]


@sqlite_only
def test_an_unreadable_byte_late_in_the_file_names_its_row_and_writes_nothing(tmp_path, settings):
    rows = [row for n in range(3000) for row in family(f"H{n:04d}")]  # past the 1 MiB the encoding is told from
    path = write_csv(tmp_path / "l.csv", rows, encoding="utf-8")
    data = path.read_bytes().replace(b"H2900", b"H\xff290", 1)
    path.write_bytes(data)
    line = data[: data.index(b"H\xff290")].count(b"\n") + 1

    with pytest.raises(UnusableFile, match=f"第 {line} 行的文字不是 utf-8 编码"):
        ledger_import(path=path, workers=2)

    assert line * 250 > 1 << 20
    assert not Household.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not list(settings.DATA_DIR.glob("import-*"))


@sqlite_only
def test_the_batch_records_the_files_sha256_hashed_aside_while_the_import_goes_on(tmp_path):
    path = write_csv(tmp_path / "l.csv", [row for n in range(30) for row in family(f"H{n:03d}")])

    outcome = ledger_import(path=path, workers=2)

    assert outcome.workers == 2
    assert ImportBatch.objects.get(pk=outcome.batch_id).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@sqlite_only
def test_a_failed_import_stops_hashing_the_file_aside(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "l.csv", [row for n in range(30) for row in family(f"H{n:03d}")])
    hashers = []
    hash_aside = ledger_import_module._LedgerImport._hash_aside

    def hash_aside_then_fail(job):
        hash_aside(job)
        hashers.append(job.hasher[0])
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(ledger_import_module._LedgerImport, "_hash_aside", hash_aside_then_fail)
    monkeypatch.setattr(ledger_import_staging, "_sha256", lambda path: time.sleep(60))  # a file that takes long

    with pytest.raises(RuntimeError, match="磁盘已满"):
        ledger_import(path=path, workers=2)

    [process] = hashers
    assert process.exitcode == -signal.SIGTERM  # stopped and reaped, not left hashing
    assert not ImportBatch.objects.exists()


@sqlite_only
def test_a_cell_longer_than_the_csv_field_limit_is_refused_in_parts_as_in_one_stream(tmp_path, settings):
    rows = [row for n in range(40) for row in family(f"H{n:03d}")]
    rows[61]["姓名"] = "王" * 200_000  # in a late part: the single stream's csv.reader refuses the file
    path = write_csv(tmp_path / "l.csv", rows)
    with pytest.raises(UnusableFile) as single:
        ledger_import(path=path)

    with pytest.raises(UnusableFile) as parallel:
        ledger_import(path=path, workers=2)

    assert str(parallel.value) == str(single.value) == "CSV 文件第 63 行有单元格超过 131072 个字符，不是台账的内容"
    assert not Household.objects.exists()
    assert not list(settings.DATA_DIR.glob("import-*"))


@sqlite_only
def test_the_workers_files_are_removed_after_the_import(tmp_path, settings):
    rows = [row for n in range(30) for row in family(f"H{n:03d}")]

    outcome = ledger_import(path=write_csv(tmp_path / "l.csv", rows), workers=2)

    assert outcome.workers == 2
    assert not list(settings.DATA_DIR.glob("import-*"))
    assert Member.objects.count() == 60


def test_an_import_inside_a_callers_transaction_reads_the_file_as_one_stream(tmp_path):
    rows = [row for n in range(10) for row in family(f"H{n:03d}")]

    with transaction.atomic():
        outcome = ledger_import(path=write_csv(tmp_path / "l.csv", rows), workers=2)

    assert (outcome.workers, outcome.created) == (1, 10)


def test_a_file_with_quoted_cells_is_read_as_one_stream(tmp_path):
    rows = [row for n in range(10) for row in family(f"H{n:03d}")]
    rows[2]["行政村"] = rows[3]["行政村"] = "王家村,东组"  # the comma makes the CSV writer quote the cell

    outcome = ledger_import(path=write_csv(tmp_path / "l.csv", rows), workers=2)

    assert (outcome.workers, outcome.created) == (1, 10)


def _foreign_key_problems() -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_key_check")
        return list(cursor.fetchall())


def _foreign_keys_enforced() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        return bool(cursor.fetchone()[0])


@sqlite_only
def test_a_first_import_and_an_update_write_no_reference_without_its_row(tmp_path):
    # An import that owns its transaction turns SQLite's foreign-key look-ups off: what it writes must hold.
    first = tmp_path / "county.csv"
    generate(households=300, seed=6, out=first, dirty=True, dirty_rate=0.2)
    second = tmp_path / "county-later.csv"
    second.write_text(first.read_text(encoding="utf-8-sig").replace(",健康,", ",长期慢性病,"), encoding="utf-8-sig")

    created = ledger_import(path=first, workers=2)
    problems_after_first = _foreign_key_problems()
    updated = ledger_import(path=second, workers=2)

    assert created.created > 0
    assert updated.updated > 0
    assert ChangeRecord.objects.filter(field="health").exists()
    assert problems_after_first == []
    assert _foreign_key_problems() == []


@sqlite_only
def test_foreign_keys_are_enforced_again_after_an_import_that_failed(tmp_path):
    rows = [row for n in range(3000) for row in family(f"H{n:04d}")]  # past the 1 MiB the encoding is told from
    path = write_csv(tmp_path / "l.csv", rows, encoding="utf-8")
    path.write_bytes(path.read_bytes().replace(b"H2900", b"H\xff290", 1))

    with pytest.raises(UnusableFile):
        ledger_import(path=path, workers=2)

    assert _foreign_keys_enforced()


@sqlite_only
def test_foreign_keys_are_enforced_again_after_an_import(tmp_path):
    rows = [row for n in range(10) for row in family(f"H{n:03d}")]

    ledger_import(path=write_csv(tmp_path / "l.csv", rows))

    assert _foreign_keys_enforced()


@sqlite_only
def test_a_worker_that_dies_is_named_by_its_exit_code_and_nothing_is_written(tmp_path, monkeypatch, settings):
    rows = [row for n in range(30) for row in family(f"H{n:03d}")]
    monkeypatch.setattr(ledger_import_staging, "_stage_part", lambda *args: os._exit(3))

    with pytest.raises(RuntimeError, match="导入进程意外退出（退出码 3）"):
        ledger_import(path=write_csv(tmp_path / "l.csv", rows), workers=2)

    assert not Household.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not list(settings.DATA_DIR.glob("import-*"))
