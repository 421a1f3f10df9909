"""The archive checklist file (data/archive.toml): the shipped one loads; a broken one is refused with every
problem named; a county's own file replaces it."""

from __future__ import annotations

from pathlib import Path

import pytest

from jingzhun.projects.datafiles import BUILTIN_DIR, DataFileError, archive_checklist, archive_checklist_load
from jingzhun.projects.models import STAGE_ORDER, ArchiveColour


def test_the_shipped_checklist_has_required_items_of_every_colour_due_at_known_stages():
    checklist = archive_checklist_load(BUILTIN_DIR / "archive.toml")
    assert {i.colour for i in checklist.items if i.required} == set(ArchiveColour.values)
    assert {i.due_from for i in checklist.items} <= {s.value for s in STAGE_ORDER}
    assert len({i.code for i in checklist.items}) == len(checklist.items)


def test_green_items_come_due_later_than_red_ones():
    checklist = archive_checklist_load(BUILTIN_DIR / "archive.toml")
    assert min(i.rank for i in checklist.by_colour("green")) > min(i.rank for i in checklist.by_colour("red"))
    assert max(i.rank for i in checklist.by_colour("blue")) == len(STAGE_ORDER) - 1  # 运营


BROKEN = """
[checklist]
name = "坏清单"

[[item]]
code = "R01"
colour = "purple"
name = "申报书"
due_from = "开会"
required = "yes"

[[item]]
code = "R01"
colour = "red"
name = ""
due_from = "申报"
required = true
"""


def test_a_broken_checklist_is_refused_naming_every_problem(tmp_path: Path):
    path = tmp_path / "archive.toml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(DataFileError) as refused:
        archive_checklist_load(path)
    message = str(refused.value)
    for expected in (
        "缺少 version",
        "colour「purple」无效",
        "due_from「开会」无效",
        "required 应为 true 或 false",
        "code「R01」重复",
        "缺少 name",
    ):
        assert expected in message


def test_not_toml_is_refused(tmp_path: Path):
    path = tmp_path / "archive.toml"
    path.write_text("[checklist\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="不是有效的 TOML"):
        archive_checklist_load(path)


def test_a_countys_own_checklist_replaces_the_shipped_one(settings):
    own = Path(settings.DATA_DIR) / "projects"
    own.mkdir()
    text = (BUILTIN_DIR / "archive.toml").read_text(encoding="utf-8").replace('version = "2025.1"', 'version = "县改"')
    (own / "archive.toml").write_text(text, encoding="utf-8")
    assert archive_checklist().version == "县改"
