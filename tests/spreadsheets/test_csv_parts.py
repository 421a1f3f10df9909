"""Cutting a CSV file into parts for parallel reading: the parts read back exactly as the whole file."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings, target
from hypothesis import strategies as st

from jingzhun.spreadsheets import reading
from jingzhun.spreadsheets.reading import UnusableFile, csv_part_records, csv_parts, open_table

KEYS = st.text(alphabet="H0123456789户 ", min_size=0, max_size=5)
CELLS = st.text(alphabet="ab王建国1 .-", min_size=0, max_size=6)


def _write(path: Path, lines: list[list[str]], *, encoding: str, newline: str, last_newline: bool = True) -> None:
    text = newline.join(",".join(cells) for cells in [["户编号", "姓名", "备注"], *lines])
    text += newline if last_newline else ""
    path.write_bytes(text.encode(encoding))


def _read_in_parts(path: Path, parts: int, maxsplit: int = -1) -> list[tuple[int, list[str]]] | None:
    with open_table(path) as table:
        encoding = table.encoding
    assert encoding is not None
    cut = csv_parts(path, parts=parts, key_column=0)
    if cut is None:
        return None
    rows = []
    for part in cut:
        records, _ = csv_part_records(path, part, encoding=encoding, maxsplit=maxsplit)
        rows.extend(records)
    return rows


def _split_rest(cells: list[str], maxsplit: int) -> list[str]:
    if len(cells) <= maxsplit:
        return cells
    return [*cells[:maxsplit], *cells[maxsplit].split(",")]


cut_files: list[int] = []


@settings(max_examples=150, deadline=None)
@given(
    households=st.lists(
        st.tuples(KEYS, st.lists(st.tuples(CELLS, CELLS), min_size=1, max_size=4)), min_size=15, max_size=60
    ),
    blank_every=st.integers(min_value=0, max_value=7),
    parts=st.integers(min_value=2, max_value=4),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    last_newline=st.booleans(),
    block=st.sampled_from([5, 64, reading._BLOCK]),  # small blocks cut lines and characters in two
    maxsplit=st.sampled_from([-1, 0, 1, 2]),
)
def test_the_parts_read_back_as_the_whole_file(
    households, blank_every, parts, encoding, newline, last_newline, block, maxsplit
):
    lines: list[list[str]] = []
    for key, members in households:
        for name, note in members:
            lines.append([key, name, note])
            if blank_every and len(lines) % blank_every == 0:
                lines.append([])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "l.csv"
        _write(path, lines, encoding=encoding, newline=newline, last_newline=last_newline)
        with open_table(path) as table:
            whole = list(table.rows)

        default_block, reading._BLOCK = reading._BLOCK, block
        try:
            in_parts = _read_in_parts(path, parts, maxsplit)
        finally:
            reading._BLOCK = default_block
        if in_parts is not None and maxsplit >= 0:  # the rest of each line was left as one text: split it now
            assert all(len(cells) <= maxsplit + 1 for _, cells in in_parts)
            in_parts = [(n, _split_rest(cells, maxsplit)) for n, cells in in_parts]

        target(float(in_parts is not None))  # steer towards files that can be cut
        if in_parts is not None:
            assert in_parts == whole
            cut_files.append(1)
        else:
            cut_files.append(0)


def test_each_part_starts_where_the_key_changes():
    lines = [[f"H{n // 3:03d}", "王", ""] for n in range(3000)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "l.csv"
        _write(path, lines, encoding="utf-8", newline="\r\n")

        cut = csv_parts(path, parts=4, key_column=0)

        assert cut is not None and len(cut) == 4
        assert [p.start for p in cut[1:]] == [p.end for p in cut[:-1]]
        assert all((p.first_row - 2) % 3 == 0 for p in cut)  # each part begins with a household's first row
        assert cut[-1].end == path.stat().st_size


@pytest.mark.parametrize("cell", ['"王,建国"', "王\r"], ids=["double quote", "bare carriage return"])
def test_a_file_whose_line_feeds_may_not_end_records_is_not_cut(cell):
    lines = [[f"H{n:03d}", cell if n == 500 else "王", ""] for n in range(1000)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "l.csv"
        _write(path, lines, encoding="utf-8", newline="\n")

        assert csv_parts(path, parts=2, key_column=0) is None


def test_most_generated_files_were_cut():
    """Guards the property test above against only ever seeing files read as one stream."""
    if len(cut_files) < 50:  # run on its own
        test_the_parts_read_back_as_the_whole_file()
    assert sum(cut_files) >= len(cut_files) // 4, (sum(cut_files), len(cut_files))


def test_a_file_with_fewer_households_than_parts_asked_is_cut_into_fewer():
    lines = [[f"H{n // 2:03d}", "王", ""] for n in range(6)]  # three households of two rows
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "l.csv"
        _write(path, lines, encoding="utf-8", newline="\n")

        cut = csv_parts(path, parts=8, key_column=0)

        assert cut is not None and 2 <= len(cut) <= 3
        assert cut[0].first_row == 2
        assert {p.first_row for p in cut[1:]} <= {4, 6}  # each later part begins with a household's first row


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("H500" + "," * 2_000_000, "CSV 文件第 502 行超过 1048576 个字符，不是台账的内容（文件损坏或类型不符）"),
        ("H500" + ",x" * 300, "CSV 文件第 502 行有 301 列，超过上限 256 列；台账只有几十列，请删除多余的列后再导入"),
    ],
    ids=["two million commas", "301 columns"],
)
def test_the_parts_refuse_what_the_single_stream_refuses(line, reason):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "l.csv"
        lines = [",".join([f"H{n:03d}", "王", ""]) for n in range(1000)]
        lines[500] = line
        path.write_text("户编号,姓名,备注\n" + "\n".join(lines) + "\n", encoding="utf-8")
        with open_table(path) as table, pytest.raises(UnusableFile) as single:
            list(table.rows)
        cut = csv_parts(path, parts=3, key_column=0)
        assert cut is not None
        with pytest.raises(UnusableFile) as in_parts:
            for part in cut:
                records, _ = csv_part_records(path, part, encoding="utf-8")
                list(records)
    assert str(single.value) == str(in_parts.value) == reason


def test_a_file_that_is_one_endless_line_is_not_cut_and_is_refused():
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "l.csv"
        path.write_bytes(b"x" * (5 * reading.MAX_CSV_RECORD))
        assert csv_parts(path, parts=2, key_column=0) is None
        with pytest.raises(UnusableFile) as exc:
            open_table(path)
    assert str(exc.value).startswith("CSV 文件第 1 行超过 1048576 个字符")
